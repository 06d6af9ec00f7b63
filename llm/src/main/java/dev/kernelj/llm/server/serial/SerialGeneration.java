package dev.kernelj.llm.server.serial;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.engine.Engine;
import dev.kernelj.llm.engine.SamplingSettings;
import dev.kernelj.llm.engine.TextStopper;
import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.Delta;
import dev.kernelj.llm.serving.FinishReason;
import dev.kernelj.llm.serving.ServeRequest;
import dev.kernelj.llm.serving.TokenLogprob;
import dev.kernelj.llm.tokenizer.StreamingDecoder;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * Generates one request on an {@link Engine}, one token per step: each step takes the logits of the
 * whole context through {@link Engine#logits} (recomputed, so every row is at hand for logprobs),
 * then draws with the reference sampler, the same Philox draw the engine's own sampler makes (a
 * seeded request gives what {@code kernelj generate} gives). Quadratic in the length: the serving
 * engine for tests and small models until the continuous-batching scheduler replaces it.
 */
final class SerialGeneration {
  private static final int[] NONE = new int[0];

  private final Engine engine;
  private final Ops sampler;
  private final Set<Integer> eosIds;
  private final int vocab;
  private final SerialHandle handle;
  private final ServeRequest request;
  private final int promptLength;
  private final int[] context;
  private final StreamingDecoder decoder;
  private final TextStopper stopper;
  private final List<TokenLogprob> logprobs = new ArrayList<>();
  private final List<TokenLogprob> promptLogprobs = new ArrayList<>();
  private int length;
  private long firstTokenNanos;

  SerialGeneration(Engine engine, Ops sampler, Set<Integer> eosIds, SerialHandle handle) {
    this.engine = engine;
    this.sampler = sampler;
    this.eosIds = eosIds;
    this.vocab = engine.config().vocabSize();
    this.handle = handle;
    this.request = handle.request();
    int[] prompt = request.promptIds();
    this.promptLength = prompt.length;
    this.context = Arrays.copyOf(prompt, prompt.length + request.maxTokens());
    this.length = prompt.length;
    this.decoder = engine.hasTokenizer() ? engine.tokenizer().streamingDecoder(true) : null;
    this.stopper = new TextStopper(request.stopStrings());
  }

  /** How a request ended: its last delta and its result, for the engine to hand over. */
  record Outcome(Delta last, Completion result) {}

  /**
   * Runs the request to its end, streaming deltas to its handle (all but the last); {@code onStep}
   * hears the context length of every step (the engine's KV accounting).
   */
  Outcome run(IntConsumer onStep) {
    if (handle.cancelled()) {
      return finish(NONE, "", List.of(), FinishReason.CANCELLED);
    }
    onStep.accept(length);
    float[] rows = engine.logits(Arrays.copyOf(context, length), 0).rows();
    if (request.promptLogprobs() >= 0) {
      for (int p = 1; p < promptLength; p++) {
        promptLogprobs.add(
            Logprobs.of(rows, (p - 1) * vocab, vocab, context[p], request.promptLogprobs()));
      }
    }
    while (true) {
      int lastRow = (length - 1) * vocab;
      int token = sample(rows, lastRow, request.sampling(), length - promptLength);
      firstTokenNanos = firstTokenNanos == 0 ? System.nanoTime() : firstTokenNanos;
      List<TokenLogprob> stepLogprobs =
          request.logprobs() < 0
              ? List.of()
              : List.of(Logprobs.of(rows, lastRow, vocab, token, request.logprobs()));
      if ((!request.ignoreEos() && eosIds.contains(token))
          || request.stopTokenIds().contains(token)) {
        return finish(NONE, flushText(), List.of(), FinishReason.STOP);
      }
      context[length++] = token;
      logprobs.addAll(stepLogprobs);
      String text = decoder == null ? "" : stopper.accept(decoder.push(token));
      int[] ids = {token};
      if (stopper.stopped()) {
        return finish(ids, text, stepLogprobs, FinishReason.STOP);
      }
      if (length - promptLength == request.maxTokens()) {
        text += flushText();
        return finish(
            ids, text, stepLogprobs, stopper.stopped() ? FinishReason.STOP : FinishReason.LENGTH);
      }
      handle.emit(new Delta(ids, text, stepLogprobs, null, System.nanoTime()));
      if (handle.cancelled()) {
        return finish(NONE, "", List.of(), FinishReason.CANCELLED);
      }
      onStep.accept(length);
      rows = engine.logits(Arrays.copyOf(context, length), 0).rows();
    }
  }

  /** Text held back by the decoder (a partial character) and by the stop-string watch. */
  private String flushText() {
    String rest = decoder == null ? "" : stopper.accept(decoder.flush());
    return rest + stopper.flush();
  }

  private Outcome finish(
      int[] ids, String text, List<TokenLogprob> stepLogprobs, FinishReason why) {
    long now = System.nanoTime();
    Completion result =
        new Completion(
            Arrays.copyOfRange(context, promptLength, length),
            stopper.text(),
            logprobs,
            why,
            promptLength,
            0,
            handle.arrivalNanos(),
            firstTokenNanos,
            now,
            promptLogprobs);
    return new Outcome(new Delta(ids, text, stepLogprobs, why, now), result);
  }

  /** The engine sampler's draw for the row at {@code offset}, penalties over the context. */
  private int sample(float[] rows, int offset, SamplingSettings s, int step) {
    float[] row = Arrays.copyOfRange(rows, offset, offset + vocab);
    try (Tensor out = Tensor.zeros(DType.I32, 1);
        Tensor logits = Tensor.fromFloats(DType.F32, row, 1, vocab);
        Tensor history =
            s.penalizes() ? Tensor.fromInts(Arrays.copyOf(context, length), 1, length) : null) {
      sampler.sample(out, logits, history, s.toParams(), s.seed(), step);
      return out.hostInts()[0];
    }
  }
}
