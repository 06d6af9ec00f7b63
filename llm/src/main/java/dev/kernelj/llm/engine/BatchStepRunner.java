package dev.kernelj.llm.engine;

import dev.kernelj.dsl.DType;
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
 * #sampledLogprob} and {@link #topLogprobs} give the logprobs of rows that asked. A row may also be
 * scored ({@link #scoreWith}): given a token, it gets that token's logprob ({@link #scoredLogprob})
 * whatever it samples, which is how a prompt's logprobs are read. One thread at a time.
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
  private final int[] scoredTokens; // per logit row: the token to score, -1 for none
  private final Tensor scoredIds; // I32 [maxSequences]
  private final Tensor scoredValues; // F32 [maxSequences]
  private boolean scoring; // a row of this step is scored
  private float[] scoredLogprobs; // the last step's, when it scored
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
    this.scoredTokens = new int[maxSequences];
    this.scoredIds = ops.empty(DType.I32, maxSequences);
    Tensor values;
    try {
      values = ops.empty(DType.F32, maxSequences);
    } catch (RuntimeException | Error e) {
      scoredIds.close();
      throw e;
    }
    this.scoredValues = values;
  }

  /** Backend bytes a runner for {@code maxSequences} rows holds beside its model and sampler. */
  static long scoringBytes(int maxSequences) {
    return 8L * maxSequences;
  }

  /** Ints a step may write through the step I/O beside the batch and the sampler's. */
  static int stagedInts(int maxSequences) {
    return maxSequences;
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
    scoring = false;
    scoredLogprobs = null;
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
    scoredTokens[rows.size()] = -1;
    rows.add(row);
  }

  /**
   * Like {@link #sampleWith}, and the row's logprob of {@code token} is read after the step ({@link
   * #scoredLogprob}): a prompt position's logits scoring the prompt's next token. Not in a
   * decode-only step.
   */
  public void scoreWith(SampleRow row, int token) {
    if (bucket > 0) {
      throw new IllegalStateException("a decode-only step scores no rows");
    }
    sampleWith(row);
    scoredTokens[rows.size() - 1] = token;
    scoring = true;
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
    if (scoring) {
      io.write(scoredIds, scoredTokens, live);
    }
    model.forwardMixed(mixed, cache, batch);
    logits = mixed.logits;
    logitRows = live;
    if (live == 0) {
      ops.synchronize(); // nothing to read back: wait here so the step's device time is its own
      return;
    }
    TokenSampler.Pass pass = sampler.prepare(rows, live);
    sampler.launch(mixed.logits.slice(0, 0, live), pass);
    if (scoring) {
      ops.tokenLogprobs(
          scoredValues.slice(0, 0, live),
          mixed.logits.slice(0, 0, live),
          scoredIds.slice(0, 0, live));
    }
    read(sampled, live, pass);
    if (scoring) {
      scoredLogprobs = io.readFloats(scoredValues.slice(0, 0, live));
    }
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

  /** The log-probability of the token logit row {@code row} scored ({@link #scoreWith}). */
  public float scoredLogprob(int row) {
    if (scoredLogprobs == null || row < 0 || row >= logitRows || scoredTokens[row] < 0) {
      throw new IllegalArgumentException("row " + row + " of the last step scored no token");
    }
    return scoredLogprobs[row];
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

  @Override
  public void close() {
    scoredIds.close();
    scoredValues.close();
  }
}
