package dev.kernelj.llm.engine;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.model.LlamaModel;
import dev.kernelj.llm.model.MixedBatch;
import dev.kernelj.llm.model.PagedKvCache;
import dev.kernelj.llm.model.StepBuffers;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.backend.Ops;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one continuous-batching step on the device: a decode-only step through the {@link
 * DecodeRunner}'s batch-size buckets (a CUDA graph replay once captured), any other step (prefill
 * chunks, alone or mixed with decode rows) eagerly through {@link LlamaModel#forwardMixed}. Then
 * the sampler draws one token per logit row with that row's own settings, seed and counter, and
 * only the sampled ids come back.
 *
 * <p>Use: {@link #begin}, add rows to the returned {@link MixedBatch} (decode rows first) and give
 * each logit row its sampling with {@link #sampleWith} in the same order, then {@link #run}.
 * Afterwards {@link #topLogprobs} and {@link #logit} read the step's logits. One thread at a time.
 */
public final class BatchStepRunner implements AutoCloseable {
  /** Most logprob alternatives a request may ask for. */
  public static final int MAX_LOGPROBS = 20;

  private final Ops ops;
  private final LlamaModel model;
  private final PagedKvCache cache;
  private final TokenSampler sampler;
  private final StepIo io;
  private final DecodeRunner decode;
  private final StepBuffers mixed;
  private final MixedBatch batch;
  private final List<SampleRow> rows = new ArrayList<>();
  private final Tensor topIds; // I32 [maxSequences * MAX_LOGPROBS]
  private final Tensor topValues; // F32 [maxSequences * MAX_LOGPROBS]
  private int bucket; // > 0: this step is decode-only, padded to this bucket
  private Tensor logits; // the last step's logits, [rows, vocab]
  private int logitRows;
  private long deviceNanos;

  BatchStepRunner(
      LlamaModel model,
      PagedKvCache cache,
      TokenSampler sampler,
      StepIo io,
      DecodeRunner decode,
      StepBuffers mixed,
      int maxTokens,
      int maxSequences,
      int width) {
    this.ops = model.ops();
    this.model = model;
    this.cache = cache;
    this.sampler = sampler;
    this.io = io;
    this.decode = decode;
    this.mixed = mixed;
    this.batch = new MixedBatch(maxTokens, maxSequences, width, cache.blockSize());
    this.topIds = ops.empty(DType.I32, maxSequences * MAX_LOGPROBS);
    Tensor values;
    try {
      values = ops.empty(DType.F32, maxSequences * MAX_LOGPROBS);
    } catch (RuntimeException | Error e) {
      topIds.close();
      throw e;
    }
    this.topValues = values;
  }

  /** Device bytes of the logprob buffers (for sizing the KV cache). */
  static long logprobBytes(int maxSequences) {
    return 8L * maxSequences * MAX_LOGPROBS;
  }

  /**
   * Starts a step of {@code tokens} rows for {@code sequences} sequences. A {@code decodeOnly} step
   * (one token per sequence, every one sampled) is padded to its bucket: add only the live rows.
   */
  public MixedBatch begin(int tokens, int sequences, boolean decodeOnly) {
    rows.clear();
    logits = null;
    if (decodeOnly) {
      if (tokens != sequences) {
        throw new IllegalArgumentException(
            "a decode-only step feeds one token per sequence, not " + tokens + " for " + sequences);
      }
      bucket = decode.bucketFor(sequences);
      batch.begin(bucket, bucket);
    } else {
      bucket = 0;
      batch.begin(tokens, sequences);
    }
    return batch;
  }

  /**
   * The sampling of the next logit row (in the order rows with logits were added): its settings,
   * the tokens it has generated so far (its random stream's counter), and the tokens the penalties
   * count (null when the settings do not penalize).
   */
  public void sampleWith(SamplingSettings settings, int generated, int[] history) {
    rows.add(new SampleRow(settings, generated, history));
  }

  /** Runs the step and writes the sampled id of each logit row into {@code sampled}. */
  public void run(int[] sampled) {
    long start = System.nanoTime();
    try {
      if (bucket > 0) {
        runDecode(sampled);
      } else {
        runMixed(sampled);
      }
    } finally {
      io.endStep();
      deviceNanos = System.nanoTime() - start;
    }
  }

  private void runDecode(int[] sampled) {
    int live = batch.logitRows();
    while (batch.decodeRows() < bucket) {
      batch.addPadding();
    }
    batch.finish();
    requireSamplings(live);
    StepBuffers b = decode.buffers(bucket);
    io.write(b.inputs, batch.packed(), batch.decodeInputLength());
    boolean penalized = sampler.prepare(rows, bucket);
    decode.step(bucket, penalized);
    read(sampled, live);
    decode.afterStep(bucket, penalized);
    logits = b.logits;
    logitRows = live;
  }

  private void runMixed(int[] sampled) {
    batch.finish();
    int live = batch.logitRows();
    requireSamplings(live);
    io.write(mixed.inputs, batch.packed(), batch.packedLength());
    model.forwardMixed(mixed, cache, batch);
    logits = mixed.logits;
    logitRows = live;
    if (live == 0) {
      ops.synchronize(); // nothing to read back: wait here so the step's device time is its own
      return;
    }
    boolean penalized = sampler.prepare(rows, live);
    sampler.launch(mixed.logits.slice(0, 0, live), penalized);
    read(sampled, live);
  }

  private void read(int[] sampled, int live) {
    int[] ids = io.readInts(sampler.sampled().slice(0, 0, live));
    System.arraycopy(ids, 0, sampled, 0, live);
  }

  private void requireSamplings(int live) {
    if (rows.size() != live) {
      throw new IllegalStateException(
          live + " rows have logits but " + rows.size() + " samplings were given");
    }
  }

  /** Time the last {@link #run} spent queueing device work and waiting for it. */
  public long deviceNanos() {
    return deviceNanos;
  }

  /**
   * The {@code n} most likely tokens of every logit row of the last step, best first, with their
   * log-softmax values: row {@code r}'s at {@code [r * n, (r + 1) * n)}.
   */
  public void topLogprobs(int n, int[] ids, float[] values) {
    if (n < 1 || n > MAX_LOGPROBS || logits == null) {
      throw new IllegalArgumentException(
          "top logprobs: n " + n + " must be 1 to " + MAX_LOGPROBS + " after a step with logits");
    }
    Tensor idsOut = topIds.slice(0, 0, logitRows * n).view(logitRows, n);
    Tensor valuesOut = topValues.slice(0, 0, logitRows * n).view(logitRows, n);
    ops.topLogprobs(idsOut, valuesOut, logits.slice(0, 0, logitRows));
    System.arraycopy(io.readInts(idsOut), 0, ids, 0, logitRows * n);
    System.arraycopy(io.readFloats(valuesOut), 0, values, 0, logitRows * n);
  }

  /** The last step's logits of logit row {@code row} (tests). */
  float[] logits(int row) {
    return io.readFloats(logits.slice(0, row, row + 1));
  }

  /** The last step's logit of {@code token} in logit row {@code row}. */
  public float logit(int row, int token) {
    return io.readFloats(logits.slice(0, row, row + 1).slice(1, token, token + 1))[0];
  }

  @Override
  public void close() {
    topIds.close();
    topValues.close();
  }
}
