package dev.kernelj.llm.serving.runtime;

import dev.kernelj.llm.engine.TextStopper;
import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.Delta;
import dev.kernelj.llm.serving.FinishReason;
import dev.kernelj.llm.serving.ServeRequest;
import dev.kernelj.llm.serving.TokenLogprob;
import dev.kernelj.llm.tokenizer.StreamingDecoder;
import dev.kernelj.llm.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * A request's output as it is produced: decides when it stops (a stop token id, the model's EOS
 * unless ignored, a stop string, max tokens), turns each token into a {@link Delta} of whole UTF-8
 * characters with stop strings held back until ruled out, and assembles the {@link Completion}.
 * Used by the scheduler thread only.
 */
final class RequestOutput {
  private static final int[] NO_TOKENS = new int[0];

  private final ServeRequest request;
  private final int[] stopIds; // sorted: the request's stop ids and, unless ignored, the EOS ids
  private final StreamingDecoder decoder;
  private final TextStopper stopper;
  private final List<TokenLogprob> logprobs;
  private final TokenLogprob[] promptLogprobs; // of prompt tokens 1 .., when asked for
  private int[] tokens = new int[16];
  private int count;
  private FinishReason finish;

  RequestOutput(ServeRequest request, Set<Integer> modelEosIds, Tokenizer tokenizer) {
    this.request = request;
    this.stopIds = stopIds(request.stopTokenIds(), request.ignoreEos() ? Set.of() : modelEosIds);
    this.decoder = tokenizer == null ? null : tokenizer.streamingDecoder(true);
    this.stopper = new TextStopper(request.stopStrings());
    this.logprobs = request.logprobs() >= 0 ? new ArrayList<>() : List.of();
    this.promptLogprobs =
        new TokenLogprob[request.promptLogprobs() >= 0 ? request.promptIds().length - 1 : 0];
  }

  /**
   * The request's stop ids and the model's EOS ids, sorted, each once (a loop, not a stream
   * pipeline: this runs on the submitting thread for every request).
   */
  private static int[] stopIds(Set<Integer> requested, Set<Integer> eos) {
    int[] ids = new int[requested.size() + eos.size()];
    int n = 0;
    for (int id : requested) {
      ids[n++] = id;
    }
    for (int id : eos) {
      ids[n++] = id;
    }
    Arrays.sort(ids);
    int distinct = 0;
    for (int i = 0; i < n; i++) {
      if (distinct == 0 || ids[i] != ids[distinct - 1]) {
        ids[distinct++] = ids[i];
      }
    }
    return distinct == ids.length ? ids : Arrays.copyOf(ids, distinct);
  }

  /**
   * Takes the logprobs of prompt tokens {@code first ..}; a chunk computed again after a preemption
   * gives the same positions again.
   */
  void acceptPromptLogprobs(int first, TokenLogprob[] scored) {
    System.arraycopy(scored, 0, promptLogprobs, first - 1, scored.length);
  }

  /** Takes the next sampled token (with its logprobs when asked for) and says what became final. */
  Delta accept(int token, TokenLogprob logprob, long nanoTime) {
    if (finish != null) {
      throw new IllegalStateException("request " + request.id() + " has already finished");
    }
    if (Arrays.binarySearch(stopIds, token) >= 0) {
      finish = FinishReason.STOP;
      return delta(NO_TOKENS, flush(), List.of(), nanoTime);
    }
    if (count == tokens.length) {
      tokens = Arrays.copyOf(tokens, count * 2);
    }
    tokens[count++] = token;
    if (logprob != null) {
      logprobs.add(logprob);
    }
    String text = decoder == null ? "" : stopper.accept(decoder.push(token));
    if (stopper.stopped()) {
      finish = FinishReason.STOP;
    } else if (count >= request.maxTokens()) {
      finish = FinishReason.LENGTH;
      text += flush();
    }
    List<TokenLogprob> lp = logprob == null ? List.of() : List.of(logprob);
    return delta(new int[] {token}, text, lp, nanoTime);
  }

  /** The last delta of a cancelled request: what was held back is dropped, as a client left. */
  Delta cancel(long nanoTime) {
    finish = FinishReason.CANCELLED;
    return delta(NO_TOKENS, "", List.of(), nanoTime);
  }

  private Delta delta(int[] ids, String text, List<TokenLogprob> lp, long nanoTime) {
    return new Delta(ids, text, lp, finish, nanoTime);
  }

  /** Held-back text at the end of generation, unless it completes a stop string. */
  private String flush() {
    if (decoder == null) {
      return "";
    }
    String rest = stopper.accept(decoder.flush());
    return stopper.stopped() ? rest : rest + stopper.flush();
  }

  FinishReason finishReason() {
    return finish;
  }

  int generated() {
    return count;
  }

  Completion completion(
      int cachedPromptTokens, long arrivalNanos, long firstTokenNanos, long finishNanos) {
    return new Completion(
        Arrays.copyOf(tokens, count),
        stopper.text(),
        List.copyOf(logprobs),
        finish,
        request.promptIds().length,
        Math.max(0, cachedPromptTokens),
        arrivalNanos,
        firstTokenNanos,
        finishNanos,
        scoredPrompt());
  }

  /** The prompt logprobs taken so far (all of them once a token was sampled). */
  private List<TokenLogprob> scoredPrompt() {
    int n = 0;
    while (n < promptLogprobs.length && promptLogprobs[n] != null) {
      n++;
    }
    return List.of(Arrays.copyOf(promptLogprobs, n));
  }
}
