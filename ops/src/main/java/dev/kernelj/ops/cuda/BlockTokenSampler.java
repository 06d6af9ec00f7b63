package dev.kernelj.ops.cuda;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.SampleRow;
import dev.kernelj.ops.Shape;
import dev.kernelj.ops.StepIo;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.TokenSampler;
import dev.kernelj.ops.kernels.sampling.Sampling;
import dev.kernelj.ops.kernels.sampling.SamplingChecks;
import dev.kernelj.ops.kernels.sampling.SamplingRows;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@link TokenSampler} of the CUDA backend: the ops' sampling kernels reading every per-row
 * setting from one fixed device block ({@link SamplingRows}' layout) that {@link #prepare} rewrites
 * by one queued copy, so that a captured step samples with the settings, seeds and step counters of
 * the moment it is replayed.
 *
 * <p>Why not {@code Ops.sample}: it uploads its per-row settings itself, through a pinned buffer
 * guarded by an event, on every call. Captured in a graph, that upload would replay the seeds and
 * step of capture time, and the event recorded during capture could not be waited on afterwards.
 * The kernels are the same ones {@code Ops.sample} uses, so both backends still draw the same
 * tokens.
 *
 * <p>Penalized rows also need the history {@code [capacity, maxHistory]}, a zeroed count scratch
 * and a copy of the logits (penalties must not change the logits the caller reads); those are
 * allocated at the first penalized step.
 */
final class BlockTokenSampler implements TokenSampler {
  private final CudaOps ops;
  private final StepIo io;
  private final StreamRef stream;
  private final Sampling sampling;
  private final Shape shape;
  private final SamplingRows rows;
  private final int[] words;
  private final List<Tensor> owned = new ArrayList<>();
  private final Tensor block; // I32 [SamplingRows.words(capacity)]
  private final SamplingRows.Pointers pointers;
  private final Tensor sampled; // I32 [capacity]
  private final Tensor sampledLogprobs; // F32 [capacity]
  private final Tensor topIds; // I32 [capacity, maxTopLogprobs], or null
  private final Tensor topLogprobs; // F32 [capacity, maxTopLogprobs], or null
  private Tensor history; // I32 [capacity, maxHistory], at the first penalized step
  private Tensor counts; // I32 [capacity, vocab], zeroed once; the kernel leaves it zeroed
  private Tensor penalizedLogits; // F32 [capacity, vocab]
  private int[] historyWords;
  private int preparedRows = -1;

  BlockTokenSampler(CudaOps ops, Sampling sampling, StepIo io, Shape shape) {
    if (shape.maxTopLogprobs() > shape.vocab()) {
      throw new IllegalArgumentException(
          "sampler shape: maxTopLogprobs " + shape.maxTopLogprobs() + " exceeds the vocabulary");
    }
    this.ops = ops;
    this.io = io;
    this.stream = ops.port().stream();
    this.sampling = sampling;
    this.shape = shape;
    int capacity = shape.capacity();
    this.rows = new SamplingRows(capacity);
    this.words = new int[SamplingRows.words(capacity)];
    try {
      this.block = own(ops.empty(DType.I32, words.length));
      this.pointers = SamplingRows.pointers(block.address(), capacity);
      this.sampled = own(ops.empty(DType.I32, capacity));
      this.sampledLogprobs = own(ops.empty(DType.F32, capacity));
      int top = shape.maxTopLogprobs();
      this.topIds = top > 0 ? own(ops.empty(DType.I32, capacity, top)) : null;
      this.topLogprobs = top > 0 ? own(ops.empty(DType.F32, capacity, top)) : null;
    } catch (RuntimeException | Error e) {
      close();
      throw e;
    }
  }

  private Tensor own(Tensor t) {
    owned.add(t);
    return t;
  }

  @Override
  public Shape shape() {
    return shape;
  }

  @Override
  public Pass prepare(List<SampleRow> given, int rowCount) {
    SamplingChecks.samplerRows(shape, given, rowCount);
    boolean penalized = false;
    boolean logprobs = false;
    for (int r = 0; r < rowCount; r++) {
      SampleRow row = r < given.size() ? given.get(r) : SampleRow.PADDING;
      rows.set(r, row.params(), row.seed(), row.step(), row.penalized() ? row.historyLength() : 0);
      penalized |= row.penalized();
      logprobs |= row.wantsLogprobs();
    }
    rows.encode(words);
    io.write(block, words);
    if (penalized) {
      writeHistory(given);
    }
    preparedRows = rowCount;
    return Pass.of(penalized, logprobs);
  }

  private void writeHistory(List<SampleRow> given) {
    if (history == null) {
      allocatePenaltyBuffers();
    }
    int maxHistory = shape.maxHistory();
    int used = 0;
    for (int r = 0; r < given.size(); r++) {
      SampleRow row = given.get(r);
      if (row.penalized()) {
        System.arraycopy(row.history(), 0, historyWords, r * maxHistory, row.historyLength());
        used = r * maxHistory + row.historyLength();
      }
    }
    io.write(history, historyWords, used);
  }

  private void allocatePenaltyBuffers() {
    int capacity = shape.capacity();
    history = own(ops.empty(DType.I32, capacity, shape.maxHistory()));
    counts = own(ops.empty(DType.I32, capacity, shape.vocab()));
    penalizedLogits = own(ops.empty(DType.F32, capacity, shape.vocab()));
    historyWords = new int[capacity * shape.maxHistory()];
    ops.fill(counts, 0);
  }

  @Override
  public void launch(Tensor logits, Pass pass) {
    int batch = SamplingChecks.samplerLogits(shape, logits, preparedRows);
    if (pass.penalties() && history == null) {
      throw new IllegalStateException(
          "a penalized launch needs a penalized prepare first (it allocates the history)");
    }
    Tensor from = logits;
    int vocab = shape.vocab();
    if (pass.penalties()) {
      from = penalizedLogits.slice(0, 0, batch);
      ops.copy(from, logits);
      sampling.applyPenalties(
          stream,
          from.ptr(F32.class),
          history.constPtr(I32.class),
          counts.ptr(I32.class),
          pointers,
          batch,
          vocab,
          shape.maxHistory());
    }
    sampling.sample(
        stream, from.constPtr(F32.class), batch, vocab, pointers, sampled.ptr(I32.class));
    if (pass.logprobs()) {
      // The model's raw distribution: the logits before penalties and temperature.
      sampling.tokenLogprobs(
          stream,
          logits.constPtr(F32.class),
          batch,
          vocab,
          sampled.constPtr(I32.class),
          sampledLogprobs.ptr(F32.class));
      if (topIds != null) {
        sampling.topLogprobs(
            stream,
            logits.constPtr(F32.class),
            batch,
            vocab,
            shape.maxTopLogprobs(),
            topIds.ptr(I32.class),
            topLogprobs.ptr(F32.class));
      }
    }
  }

  @Override
  public Tensor sampled() {
    return sampled;
  }

  @Override
  public Tensor sampledLogprobs() {
    return sampledLogprobs;
  }

  @Override
  public Tensor topIds() {
    return topIds;
  }

  @Override
  public Tensor topLogprobs() {
    return topLogprobs;
  }

  @Override
  public long reservedBytes() {
    return deviceBytes(shape);
  }

  /** Device bytes a sampler of {@code shape} may take, penalty buffers included. */
  static long deviceBytes(Shape shape) {
    long capacity = shape.capacity();
    return SamplingRows.bytes(shape.capacity())
        + 8L * capacity
        + 8L * capacity * shape.maxTopLogprobs()
        + 4L * capacity * shape.maxHistory()
        + 8L * capacity * shape.vocab();
  }

  @Override
  public void close() {
    owned.forEach(Tensor::close);
    owned.clear();
  }
}
