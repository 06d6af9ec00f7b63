package dev.kernelj.llm.serving.runtime;

import dev.kernelj.llm.engine.BatchStepRunner;
import dev.kernelj.llm.engine.EngineException;
import dev.kernelj.llm.serving.RequestRejectedException;
import dev.kernelj.llm.serving.RequestRejectedException.Reason;
import dev.kernelj.llm.serving.ServeRequest;

/**
 * The checks a request passes before it is queued, each failure one {@link
 * RequestRejectedException} that names the field and the numbers: ids in the vocabulary, a prompt
 * and output that fit the model length and the whole KV pool, logprobs in range, sampling settings
 * the sampler can take, stop strings only where there is a tokenizer to see them.
 */
final class RequestChecks {
  private RequestChecks() {}

  static void check(ServeRequest r, ServedModel m) {
    int[] prompt = r.promptIds();
    if (prompt.length == 0) {
      throw invalid("the prompt is empty; give at least one token");
    }
    for (int i = 0; i < prompt.length; i++) {
      if (prompt[i] < 0 || prompt[i] >= m.vocabSize()) {
        throw invalid(
            "prompt token " + i + " is " + prompt[i] + "; ids are 0 to " + (m.vocabSize() - 1));
      }
    }
    for (int id : r.stopTokenIds()) {
      if (id < 0 || id >= m.vocabSize()) {
        throw invalid("stop token id " + id + " is outside 0 to " + (m.vocabSize() - 1));
      }
    }
    if (r.maxTokens() < 1) {
      throw invalid("max tokens is " + r.maxTokens() + "; at least 1");
    }
    if (r.logprobs() < -1 || r.logprobs() > BatchStepRunner.MAX_LOGPROBS) {
      throw invalid(
          "logprobs is " + r.logprobs() + "; -1 (none) or 0 to " + BatchStepRunner.MAX_LOGPROBS);
    }
    if (r.promptLogprobs() < -1 || r.promptLogprobs() > BatchStepRunner.MAX_LOGPROBS) {
      throw invalid(
          "prompt logprobs is "
              + r.promptLogprobs()
              + "; -1 (none) or 0 to "
              + BatchStepRunner.MAX_LOGPROBS);
    }
    if (r.sampling() == null) {
      throw invalid("no sampling settings");
    }
    try {
      r.sampling().toParams();
    } catch (EngineException e) {
      throw invalid(e.getMessage());
    }
    for (String s : r.stopStrings()) {
      if (s.isEmpty()) {
        throw invalid("a stop string is empty");
      }
    }
    if (!r.stopStrings().isEmpty() && m.tokenizer() == null) {
      throw invalid("stop strings need the model's tokenizer.json, which this model has not");
    }
    long total = (long) prompt.length + r.maxTokens();
    if (total > m.maxModelLen()) {
      throw tooLong(
          asked(r) + " = " + total + " exceeds the model length of " + m.maxModelLen() + " tokens");
    }
    // The last generated token is never fed back, so it needs no cache slot.
    long blocks = (total - 1 + m.blockSize() - 1) / m.blockSize();
    if (blocks > m.numBlocks()) {
      throw tooLong(
          String.format(
              java.util.Locale.ROOT,
              "%s needs %d KV blocks of %d tokens, but the whole pool has %d (%d tokens)",
              asked(r),
              blocks,
              m.blockSize(),
              m.numBlocks(),
              (long) m.numBlocks() * m.blockSize()));
    }
  }

  /** The sizes a too-long request asked for (made only for its error: every request is checked). */
  private static String asked(ServeRequest r) {
    return "the prompt of " + r.promptIds().length + " tokens + max tokens " + r.maxTokens();
  }

  private static RequestRejectedException tooLong(String message) {
    return new RequestRejectedException(Reason.TOO_LONG, message);
  }

  private static RequestRejectedException invalid(String message) {
    return new RequestRejectedException(Reason.INVALID, message);
  }
}
