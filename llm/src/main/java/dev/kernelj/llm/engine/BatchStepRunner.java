package dev.kernelj.llm.engine;

import dev.kernelj.llm.model.LlamaModel;
import dev.kernelj.llm.model.MixedBatch;
import dev.kernelj.llm.model.PagedKvCache;
import dev.kernelj.llm.model.StepBuffers;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.SampleRow;
import dev.kernelj.ops.StepIo;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.TokenSampler;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one continuous-batching step on the backend: a decode-only step through the {@link
 * DecodeRunner}'s batch-size buckets (a graph replay once captured, where the backend captures),
 * any other step (prefill chunks, alone or mixed with decode rows) eagerly through {@link
 * LlamaModel#forwardMixed}. Then the {@link TokenSampler} draws one token per logit row with that
 * row's own {@link SampleRow} (settings, seed, counter, penalty history, logprobs), and only the
 * sampled ids (and the logprobs rows asked for) come back.
 *
 * <p>Use: {@link #begin}, add rows to the returned {@link MixedBatch} (decode rows first) and give
 * each logit row its sampling with {@link #sampleWith} in the same order, then {@link #run}. A
 * sampled id is negative where the sampler could not draw from the row ({@link
 * SampledTokens#problem} says why); the step itself never fails for it. Afterwards {@link
 * #sampledLogprob} and {@link #topLogprobs} give the logprobs of rows that asked, {@link #logit}
 * reads the step's logits. One thread at a time.
 */
public final class BatchStepRunner {
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
  private int bucket; // > 0: this step is decode-only, padded to this bucket
  private Tensor logits; // the last step's logits, [rows, vocab]
  private int logitRows;
  private float[] chosenLogprobs; // the last step's, when a row asked for logprobs
  private int[] topIds; // [logitRows, MAX_LOGPROBS]
  private float[] topValues;
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
    if (sampler.shape().maxTopLogprobs() != MAX_LOGPROBS) {
      throw new IllegalArgumentException(
          "the serving sampler must keep " + MAX_LOGPROBS + " logprob alternatives");
    }
    this.ops = model.ops();
    this.model = model;
    this.cache = cache;
    this.sampler = sampler;
    this.io = io;
    this.decode = decode;
    this.mixed = mixed;
    this.batch = new MixedBatch(maxTokens, maxSequences, width, cache.blockSize());
  }

  /** The sampler's shape a runner for {@code maxSequences} rows of {@code maxModelLen} needs. */
  static TokenSampler.Shape samplerShape(int maxSequences, int vocab, int maxModelLen) {
    return new TokenSampler.Shape(maxSequences, vocab, maxModelLen, MAX_LOGPROBS);
  }

  /**
   * Starts a step of {@code tokens} rows for {@code sequences} sequences. A {@code decodeOnly} step
   * (one token per sequence, every one sampled) is padded to its bucket: add only the live rows.
   */
  public MixedBatch begin(int tokens, int sequences, boolean decodeOnly) {
    rows.clear();
    logits = null;
    chosenLogprobs = null;
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
   * The sampling of the next logit row (in the order rows with logits were added): its params,
   * seed, random counter (tokens generated so far), the tokens its penalties count, and the
   * logprobs it asks for (at most {@link #MAX_LOGPROBS} alternatives).
   */
  public void sampleWith(SampleRow row) {
    rows.add(row);
  }

  /**
   * Runs the step and writes the sampled id of each logit row into {@code sampled}; a negative id
   * marks a row the sampler could not draw from ({@link SampledTokens#problem}).
   */
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
    TokenSampler.Pass pass = sampler.prepare(rows, bucket);
    decode.step(bucket, pass);
    read(sampled, live, pass);
    decode.afterStep(bucket, pass);
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
    TokenSampler.Pass pass = sampler.prepare(rows, live);
    sampler.launch(mixed.logits.slice(0, 0, live), pass);
    read(sampled, live, pass);
  }

  private void read(int[] sampled, int live, TokenSampler.Pass pass) {
    int[] ids = io.readInts(sampler.sampled().slice(0, 0, live));
    System.arraycopy(ids, 0, sampled, 0, live);
    if (pass.logprobs()) {
      chosenLogprobs = io.readFloats(sampler.sampledLogprobs().slice(0, 0, live));
      topIds = io.readInts(sampler.topIds().slice(0, 0, live));
      topValues = io.readFloats(sampler.topLogprobs().slice(0, 0, live));
    }
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

  /** The log-probability of logit row {@code row}'s sampled token (a row that asked for it). */
  public float sampledLogprob(int row) {
    requireLogprobs(row);
    return chosenLogprobs[row];
  }

  /**
   * The {@code n} most likely tokens of logit row {@code row} (a row that asked for logprobs), best
   * first, into {@code ids[0, n)} and their log-softmax values into {@code values[0, n)}.
   */
  public void topLogprobs(int row, int n, int[] ids, float[] values) {
    requireLogprobs(row);
    if (n < 0 || n > MAX_LOGPROBS) {
      throw new IllegalArgumentException("top logprobs: n " + n + " must be 0 to " + MAX_LOGPROBS);
    }
    System.arraycopy(topIds, row * MAX_LOGPROBS, ids, 0, n);
    System.arraycopy(topValues, row * MAX_LOGPROBS, values, 0, n);
  }

  private void requireLogprobs(int row) {
    if (chosenLogprobs == null || row < 0 || row >= logitRows) {
      throw new IllegalArgumentException(
          "logprobs of row " + row + ": the last step had no logprobs pass or fewer rows");
    }
  }

  /** The last step's logits of logit row {@code row} (tests). */
  float[] logits(int row) {
    return io.readFloats(logits.slice(0, row, row + 1));
  }
}
