package dev.kernelj.llm.engine;

import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.Element;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.I64;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.backend.CudaOps;
import dev.kernelj.ops.kernels.sampling.Sampling;
import dev.kernelj.ops.kernels.sampling.SamplingKernelsLauncher;
import java.util.List;

/**
 * The sampler of the CUDA backend: the ops' sampling kernels reading every per-row setting from one
 * fixed device block that {@link #prepare} rewrites by a queued copy, so that a captured decode
 * step samples with the settings, seeds and step counters of the moment it is replayed.
 *
 * <p>Why not {@code Ops.sample}: it uploads its per-row settings itself, through a pinned buffer
 * guarded by an event, on every call. Captured in a graph, that upload would replay the seeds and
 * step of capture time, and the event recorded during capture could not be waited on afterwards.
 * The kernels and their Java twin are the same ones {@code Ops.sample} uses, so both backends still
 * draw the same tokens.
 *
 * <p>Block layout, in I32 words for {@code capacity} rows: the i64 seeds first (8-byte aligned),
 * then one array per setting in {@link #TEMPERATURE} ... {@link #HISTORY_LENS} order. Penalized
 * rows also need the history {@code [capacity, maxHistory]}, a zeroed count scratch and a copy of
 * the logits (penalties must not change the logits the engine reports); those are allocated at the
 * first penalized step.
 */
final class CudaTokenSampler implements TokenSampler {
  private static final int TEMPERATURE = 0,
      TOP_K = 1,
      TOP_P = 2,
      MIN_P = 3,
      REPETITION = 4,
      PRESENCE = 5,
      FREQUENCY = 6,
      STEPS = 7,
      HISTORY_LENS = 8;
  private static final int ARRAYS = 9;

  private final CudaOps ops;
  private final StepIo io;
  private final StreamRef stream;
  private final Sampling sampling;
  private final int capacity;
  private final int vocab;
  private final int maxHistory;
  private final Tensor block; // I32 [11 * capacity]: the layout above
  private final Tensor sampled; // I32 [capacity]
  private final int[] words;
  private Tensor history; // I32 [capacity, maxHistory], at the first penalized step
  private Tensor counts; // I32 [capacity, vocab], zeroed once; the kernel leaves it zeroed
  private Tensor penalizedLogits; // F32 [capacity, vocab]
  private int[] historyWords;
  private int preparedRows = -1;

  CudaTokenSampler(CudaOps ops, StepIo io, int capacity, int vocab, int maxHistory) {
    this.ops = ops;
    this.io = io;
    this.stream = ops.port().stream();
    this.sampling = new Sampling(SamplingKernelsLauncher.load(ops.port().kernelLoader()));
    this.capacity = capacity;
    this.vocab = vocab;
    this.maxHistory = maxHistory;
    this.words = new int[blockWords(capacity)];
    this.block = ops.empty(DType.I32, words.length);
    try {
      this.sampled = ops.empty(DType.I32, capacity);
    } catch (RuntimeException | Error e) {
      block.close();
      throw e;
    }
  }

  /** I32 words of the settings block for {@code capacity} rows. */
  static int blockWords(int capacity) {
    return (2 + ARRAYS) * capacity;
  }

  /** Device bytes this sampler may take, penalty buffers included (for sizing the KV cache). */
  static long bytes(int capacity, int vocab, int maxHistory) {
    return 4L * (blockWords(capacity) + capacity)
        + 4L * capacity * maxHistory
        + 8L * capacity * vocab;
  }

  /** Host ints {@link #prepare} may stage in one step (for sizing the engine's pinned buffer). */
  static int stagedWords(int capacity, int maxHistory) {
    return blockWords(capacity) + capacity * maxHistory;
  }

  @Override
  public boolean prepare(List<SampleRow> rows, int rowCount) {
    if (rows.size() > rowCount || rowCount > capacity) {
      throw new IllegalArgumentException(
          rows.size()
              + " rows padded to "
              + rowCount
              + " do not fit the sampler's "
              + capacity
              + " rows");
    }
    boolean penalized = false;
    for (int r = 0; r < rowCount; r++) {
      SampleRow row = r < rows.size() ? rows.get(r) : SampleRow.PADDING;
      var p = row.params();
      long seed = row.settings().seed();
      words[2 * r] = (int) seed; // little-endian i64: low word first
      words[2 * r + 1] = (int) (seed >>> 32);
      put(TEMPERATURE, r, Float.floatToRawIntBits(p.temperature()));
      put(TOP_K, r, p.topK());
      put(TOP_P, r, Float.floatToRawIntBits(p.topP()));
      put(MIN_P, r, Float.floatToRawIntBits(p.minP()));
      put(REPETITION, r, Float.floatToRawIntBits(p.repetitionPenalty()));
      put(PRESENCE, r, Float.floatToRawIntBits(p.presencePenalty()));
      put(FREQUENCY, r, Float.floatToRawIntBits(p.frequencyPenalty()));
      put(STEPS, r, row.step());
      put(HISTORY_LENS, r, row.penalized() ? row.history().length : 0);
      penalized |= row.penalized();
    }
    io.write(block, words);
    if (penalized) {
      writeHistory(rows, rowCount);
    }
    preparedRows = rowCount;
    return penalized;
  }

  private void put(int array, int row, int value) {
    words[2 * capacity + array * capacity + row] = value;
  }

  private void writeHistory(List<SampleRow> rows, int rowCount) {
    if (history == null) {
      allocatePenaltyBuffers();
    }
    int used = 0;
    for (int r = 0; r < rows.size(); r++) {
      int[] h = rows.get(r).penalized() ? rows.get(r).history() : new int[0];
      if (h.length > maxHistory) {
        throw new IllegalArgumentException(
            "row "
                + r
                + " has a history of "
                + h.length
                + " tokens; the sampler holds "
                + maxHistory
                + " (the engine's context)");
      }
      System.arraycopy(h, 0, historyWords, r * maxHistory, h.length);
      if (h.length > 0) {
        used = r * maxHistory + h.length;
      }
    }
    io.write(history, historyWords, used);
  }

  private void allocatePenaltyBuffers() {
    history = ops.empty(DType.I32, capacity, maxHistory);
    counts = ops.empty(DType.I32, capacity, vocab);
    penalizedLogits = ops.empty(DType.F32, capacity, vocab);
    historyWords = new int[capacity * maxHistory];
    ops.fill(counts, 0);
  }

  @Override
  public void launch(Tensor logits, boolean penalized) {
    int rows = logits.dim(0);
    if (logits.rank() != 2 || rows != preparedRows || logits.dim(1) != vocab) {
      throw new IllegalArgumentException(
          "logits "
              + logits
              + " do not match the "
              + preparedRows
              + " prepared rows of "
              + vocab
              + " tokens");
    }
    if (penalized && history == null) {
      throw new IllegalStateException(
          "a penalized launch needs a penalized prepare first (it allocates the history)");
    }
    Tensor from = logits;
    if (penalized) {
      from = penalizedLogits.slice(0, 0, rows);
      ops.copy(from, logits);
      sampling.applyPenalties(
          stream,
          from.ptr(F32.class),
          history.constPtr(I32.class),
          at(HISTORY_LENS, I32.class),
          counts.ptr(I32.class),
          at(REPETITION, F32.class),
          at(PRESENCE, F32.class),
          at(FREQUENCY, F32.class),
          rows,
          vocab,
          maxHistory);
    }
    sampling.sample(
        stream,
        from.constPtr(F32.class),
        rows,
        vocab,
        at(TEMPERATURE, F32.class),
        at(TOP_K, I32.class),
        at(TOP_P, F32.class),
        at(MIN_P, F32.class),
        ConstPtr.ofAddress(block.address(), I64.class),
        at(STEPS, I32.class),
        sampled.ptr(I32.class));
  }

  private <T extends Element> ConstPtr<T> at(int array, Class<T> element) {
    return ConstPtr.ofAddress(
        block.address() + 4L * (2L * capacity + (long) array * capacity), element);
  }

  @Override
  public Tensor sampled() {
    return sampled;
  }

  @Override
  public void close() {
    block.close();
    sampled.close();
    if (history != null) {
      history.close();
      counts.close();
      penalizedLogits.close();
    }
  }
}
