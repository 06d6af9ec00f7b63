package dev.kernelj.llm.engine;

import dev.kernelj.llm.model.BlockTable;
import dev.kernelj.llm.tokenizer.StreamingDecoder;
import dev.kernelj.llm.tokenizer.Tokenizer;
import dev.kernelj.ops.SampleRow;
import java.util.Arrays;

/**
 * One sequence during generation: its cache blocks, output so far, sampling state and stop state.
 */
final class SequenceState {
  final int index;
  final GenerationRequest request;
  final BlockTable blocks;
  private final StreamingDecoder decoder;
  private final TextStopper stopper;
  private int[] generated = new int[16];
  private int count;

  /** Tokens in the cache (prompt + generated tokens already fed back). */
  int cached;

  FinishReason finish;

  SequenceState(int index, GenerationRequest request, BlockTable blocks, Tokenizer tokenizer) {
    this.index = index;
    this.request = request;
    this.blocks = blocks;
    this.decoder = tokenizer == null ? null : tokenizer.streamingDecoder(true);
    this.stopper = new TextStopper(request.stop().stopStrings());
  }

  /**
   * What the sampler needs for this sequence's next token: its settings, the number of tokens
   * generated so far (its random counter) and, when it penalizes repetition, every token seen.
   */
  SampleRow samplingRow() {
    SamplingSettings settings = request.sampling();
    SampleRow row = SampleRow.of(settings.toParams(), settings.seed(), count);
    if (!settings.penalizes()) {
      return row;
    }
    int[] prompt = request.promptIds();
    int[] history = Arrays.copyOf(prompt, prompt.length + count);
    System.arraycopy(generated, 0, history, prompt.length, count);
    return row.withHistory(history, history.length);
  }

  boolean live() {
    return finish == null;
  }

  /** The last generated token: the next decode step's input. */
  int lastToken() {
    return generated[count - 1];
  }

  /** Records a sampled token; returns the text that became final (sent to the listener). */
  String accept(int token) {
    StopConditions stop = request.stop();
    if (stop.eosIds().contains(token)) {
      finish = FinishReason.EOS;
      return flush();
    }
    if (count == generated.length) {
      generated = Arrays.copyOf(generated, count * 2);
    }
    generated[count++] = token;
    String text = decoder == null ? "" : stopper.accept(decoder.push(token));
    if (stopper.stopped()) {
      finish = FinishReason.STOP_STRING;
      return text;
    }
    if (count >= stop.maxTokens()) {
      finish = FinishReason.MAX_TOKENS;
      return text + flush();
    }
    return text;
  }

  private String flush() {
    if (decoder == null) {
      return "";
    }
    String rest = stopper.accept(decoder.flush());
    if (stopper.stopped()) {
      finish = FinishReason.STOP_STRING;
      return rest;
    }
    return rest + stopper.flush();
  }

  int generatedCount() {
    return count;
  }

  GenerationResult result() {
    return new GenerationResult(
        Arrays.copyOf(generated, count), stopper.text(), finish, request.promptIds().length);
  }
}
