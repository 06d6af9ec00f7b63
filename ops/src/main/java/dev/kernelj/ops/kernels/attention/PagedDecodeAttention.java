package dev.kernelj.ops.kernels.attention;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.Dim3;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.kernels.LaunchChecks;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Decode attention for one new token per sequence over a paged KV cache, split along the context
 * for long sequences (flash-decoding), through {@link PagedDecodeAttentionKernels}; and the same
 * function on Java arrays ({@link #reference}).
 *
 * <p>Layouts: query/output {@code [batch, nHeads, headDim]}; caches {@code [numBlocks, blockSize,
 * nKvHeads, headDim]}; block tables {@code [batch, maxBlocksPerSeq]} int32 (entry {@code t /
 * blockSize} holds the cache block of token {@code t}); context lengths {@code [batch]} int32, each
 * at most {@code plan.maxPartitions * plan.partitionSize}. The partition count is fixed by a {@link
 * Plan} made from an upper bound of the context lengths, so a CUDA graph can capture one launch
 * shape while the lengths on the device change from step to step.
 *
 * <p>A sliding window {@code W > 0} ({@link Shape#window}) keeps the last {@code W} tokens of each
 * sequence, {@code max(0, n - W) .. n - 1}: the decode step of {@link PrefillAttention}'s window
 * (Hugging Face's {@code kv_idx > q_idx - sliding_window} with {@code q_idx = n - 1}). Partitions
 * count from the window's first token, so a plan needs to cover only {@code min(capacity, W)}
 * tokens and long contexts cost what the window costs.
 */
public final class PagedDecodeAttention {
  private static final String OP = "PagedDecodeAttention";
  private static final double LOG2_E = 1.4426950408889634;

  /**
   * The sizes of the cache and of the batch; {@code scale} is the softmax scale, {@code window} the
   * sliding window in tokens (0: none).
   */
  public record Shape(
      int batch,
      int nHeads,
      int nKvHeads,
      int headDim,
      int numBlocks,
      int blockSize,
      int maxBlocksPerSeq,
      float scale,
      int window) {
    public Shape {
      LaunchChecks.positive(OP, "batch", batch);
      LaunchChecks.heads(OP, nHeads, nKvHeads);
      if (headDim != 64 && headDim != 128) {
        throw new IllegalArgumentException(
            OP + ": headDim " + headDim + " is not supported (64 or 128)");
      }
      LaunchChecks.positive(OP, "numBlocks", numBlocks);
      LaunchChecks.positive(OP, "blockSize", blockSize);
      LaunchChecks.positive(OP, "maxBlocksPerSeq", maxBlocksPerSeq);
      if (batch > 65535) {
        throw new IllegalArgumentException(
            OP + ": batch " + batch + " exceeds the grid's z limit 65535");
      }
      if (!(scale > 0f) || Float.isInfinite(scale)) {
        throw new IllegalArgumentException(
            OP + ": scale must be a positive finite number, got " + scale);
      }
      LaunchChecks.nonNegative(OP, "window", window);
    }

    /** A shape without a sliding window. */
    public Shape(
        int batch,
        int nHeads,
        int nKvHeads,
        int headDim,
        int numBlocks,
        int blockSize,
        int maxBlocksPerSeq,
        float scale) {
      this(batch, nHeads, nKvHeads, headDim, numBlocks, blockSize, maxBlocksPerSeq, scale, 0);
    }

    /** This shape with a sliding window of {@code window} tokens (0: none). */
    public Shape withWindow(int window) {
      return new Shape(
          batch, nHeads, nKvHeads, headDim, numBlocks, blockSize, maxBlocksPerSeq, scale, window);
    }

    /** Tokens one query attends to at most when contexts are at most {@code maxContextLen}. */
    public int attendedTokens(int maxContextLen) {
      return window > 0 ? Math.min(window, maxContextLen) : maxContextLen;
    }

    /** A shape with the usual scale {@code 1 / sqrt(headDim)}. */
    public static Shape of(
        int batch,
        int nHeads,
        int nKvHeads,
        int headDim,
        int numBlocks,
        int blockSize,
        int maxBlocksPerSeq) {
      return new Shape(
          batch,
          nHeads,
          nKvHeads,
          headDim,
          numBlocks,
          blockSize,
          maxBlocksPerSeq,
          (float) (1.0 / Math.sqrt(headDim)));
    }

    /** Elements of one cache (K or V). */
    public long cacheElements() {
      return (long) numBlocks * blockSize * nKvHeads * headDim;
    }

    /**
     * Query blocks per kv head: groups larger than {@link PagedDecodeAttentionKernels#MAX_GROUP}
     * are split.
     */
    int headChunks() {
      int group = nHeads / nKvHeads;
      return (group + PagedDecodeAttentionKernels.MAX_GROUP - 1)
          / PagedDecodeAttentionKernels.MAX_GROUP;
    }
  }

  /**
   * How the context is split: {@code maxPartitions} partitions of {@code partitionSize} tokens.
   * With one partition the kernel writes the output directly and no workspace is touched.
   */
  public record Plan(int partitionSize, int maxPartitions) {
    private static final int[] SIZES = {1024, 512, 256, 128, 64};

    public Plan {
      if (partitionSize < 1 || partitionSize > PagedDecodeAttentionKernels.MAX_PARTITION) {
        throw new IllegalArgumentException(
            OP
                + ": partitionSize must be in [1, "
                + PagedDecodeAttentionKernels.MAX_PARTITION
                + "], got "
                + partitionSize);
      }
      LaunchChecks.positive(OP, "maxPartitions", maxPartitions);
      if (maxPartitions > 65535) {
        throw new IllegalArgumentException(
            OP + ": " + maxPartitions + " partitions exceed the grid's x limit 65535");
      }
    }

    /**
     * The largest partition whose blocks still cover 7/8 of the multiprocessors (one wave, nearly
     * full); 64 tokens when even that is too few. Fewer, longer partitions amortise each block's
     * start, its merge and the reduce: on an H100 this beat "two blocks per SM" by up to 1.3x at
     * batch 1 (context 32k: 2360 against 1920 GB/s) and was never slower at batch 32.
     *
     * <p>With a sliding window only {@code min(maxContextLen, window)} tokens are split: the
     * partitions start at each sequence's window.
     *
     * @param maxContextLen an upper bound of every sequence's context length
     * @param multiprocessors the device's SM count (132 on an H100 SXM or H200)
     */
    public static Plan choose(Shape shape, int maxContextLen, int multiprocessors) {
      LaunchChecks.positive(OP, "multiprocessors", multiprocessors);
      long attended = attended(shape, maxContextLen);
      long blocksPerPartition = (long) shape.batch() * shape.nKvHeads() * shape.headChunks();
      for (int size : SIZES) {
        long partitions = (attended + size - 1) / size;
        if (blocksPerPartition * partitions * 8 >= 7L * multiprocessors) {
          return new Plan(size, (int) partitions);
        }
      }
      return new Plan(64, (int) ((attended + 63) / 64));
    }

    /**
     * Partitions of {@code partitionSize} tokens whatever the batch (batch-invariant mode): a
     * sequence is cut at the same tokens, its partitions computed by the same blocks and merged in
     * the same order, alone or beside any others; only {@code maxPartitions} follows {@code
     * maxContextLen}, and it changes nothing but how many partitions past a sequence's length
     * return at once. (A sequence of one partition gets the same bits from the direct write of a
     * one-partition launch and from the reduce of a split one.) {@link #choose} instead sizes the
     * partitions from the batch, which changes where a sequence is cut.
     *
     * @param maxContextLen an upper bound of every sequence's context length
     */
    public static Plan fixed(Shape shape, int maxContextLen, int partitionSize) {
      long attended = attended(shape, maxContextLen);
      LaunchChecks.positive(OP, "partitionSize", partitionSize);
      return new Plan(partitionSize, (int) ((attended + partitionSize - 1) / partitionSize));
    }

    /** Tokens to split: the window's when smaller than {@code maxContextLen}, checked. */
    private static long attended(Shape shape, int maxContextLen) {
      LaunchChecks.positive(OP, "maxContextLen", maxContextLen);
      long capacity = (long) shape.maxBlocksPerSeq() * shape.blockSize();
      if (maxContextLen > capacity) {
        throw new IllegalArgumentException(
            OP
                + ": maxContextLen "
                + maxContextLen
                + " exceeds the block table's capacity "
                + shape.maxBlocksPerSeq()
                + " blocks x "
                + shape.blockSize()
                + " tokens");
      }
      return shape.attendedTokens(maxContextLen);
    }

    /**
     * Elements of the partial-output workspace, {@code [batch, nHeads, maxPartitions, headDim]}.
     */
    public long partialOutElements(Shape shape) {
      return (long) shape.batch() * shape.nHeads() * maxPartitions * shape.headDim();
    }

    /**
     * Elements of each of the partial max and sum workspaces, {@code [batch, nHeads,
     * maxPartitions]}.
     */
    public long partialStatElements(Shape shape) {
      return (long) shape.batch() * shape.nHeads() * maxPartitions;
    }
  }

  /**
   * Device scratch of a split launch, sized by {@link Plan#partialOutElements} and {@link
   * Plan#partialStatElements}.
   */
  public record Workspace(Ptr<F32> partialOut, Ptr<F32> partialMax, Ptr<F32> partialSum) {
    public Workspace {
      LaunchChecks.pointer(OP, "partialOut", partialOut, DType.F32);
      LaunchChecks.pointer(OP, "partialMax", partialMax, DType.F32);
      LaunchChecks.pointer(OP, "partialSum", partialSum, DType.F32);
    }
  }

  private final PagedDecodeAttentionKernels kernels;

  /**
   * @param kernels the loaded kernels, e.g. {@code
   *     PagedDecodeAttentionKernelsLauncher.load(context)}
   */
  public PagedDecodeAttention(PagedDecodeAttentionKernels kernels) {
    this.kernels = Objects.requireNonNull(kernels, "kernels");
  }

  /**
   * Warps a partition block runs on a device that gives a block {@code sharedPerBlock} bytes of
   * shared memory: 8 at head dim 128 where their K/V stages fit (H100, H200), otherwise 4.
   */
  public static int warps(Shape shape, int sharedPerBlock) {
    return shape.headDim() == 128
            && PagedDecodeAttentionKernels.WIDE_SHARED_BYTES_D128 <= sharedPerBlock
        ? 8
        : 4;
  }

  /**
   * Launch of the partition kernel of {@code warps} warps (4, or 8 at head dim 128): (partitions,
   * kv heads x head chunks, batch) blocks of 32 threads a warp.
   */
  public static Launch partitionLaunch(Shape shape, Plan plan, int warps, StreamRef stream) {
    if (warps != 4 && !(warps == 8 && shape.headDim() == 128)) {
      throw new IllegalArgumentException(
          OP
              + ": warps must be 4, or 8 at head dim 128; got "
              + warps
              + " at head dim "
              + shape.headDim());
    }
    long y = (long) shape.nKvHeads() * shape.headChunks();
    if (y > 65535) {
      throw new IllegalArgumentException(
          OP + ": " + y + " head blocks exceed the grid's y limit 65535");
    }
    int shared =
        warps == 8
            ? PagedDecodeAttentionKernels.WIDE_SHARED_BYTES_D128
            : shape.headDim() == 128
                ? PagedDecodeAttentionKernels.SHARED_BYTES_D128
                : PagedDecodeAttentionKernels.SHARED_BYTES_D64;
    // Both kernels overlap the tail of the kernel before them and wait for it first
    // (griddepcontrol).
    return new Launch(
        Dim3.of(plan.maxPartitions(), (int) y, shape.batch()),
        Dim3.of(32 * warps),
        shared,
        stream,
        true);
  }

  /** Launch of the reduce kernel: one block of headDim threads per (head, sequence). */
  public static Launch reduceLaunch(Shape shape, StreamRef stream) {
    return new Launch(
        Dim3.of(shape.nHeads(), shape.batch()), Dim3.of(shape.headDim()), 0, stream, true);
  }

  /**
   * Enqueues decode attention with partition blocks of {@code warps} warps (4, or 8 at head dim
   * 128; {@link #warps} chooses for a device). {@code workspace} may be null when {@code
   * plan.maxPartitions()} is 1.
   */
  public void forward(
      StreamRef stream,
      ConstPtr<BF16> q,
      ConstPtr<BF16> kCache,
      ConstPtr<BF16> vCache,
      ConstPtr<I32> blockTables,
      ConstPtr<I32> contextLens,
      Ptr<BF16> out,
      Workspace workspace,
      Shape shape,
      Plan plan,
      int warps) {
    LaunchChecks.pointer(OP, "q", q, DType.BF16);
    LaunchChecks.pointer(OP, "kCache", kCache, DType.BF16);
    LaunchChecks.pointer(OP, "vCache", vCache, DType.BF16);
    LaunchChecks.pointer(OP, "blockTables", blockTables, DType.I32);
    LaunchChecks.pointer(OP, "contextLens", contextLens, DType.I32);
    LaunchChecks.pointer(OP, "out", out, DType.BF16);
    Objects.requireNonNull(plan, OP + ": plan");
    boolean split = plan.maxPartitions() > 1;
    if (split && workspace == null) {
      throw new IllegalArgumentException(
          OP + ": a plan of " + plan.maxPartitions() + " partitions needs a workspace");
    }
    // With one partition the kernel never touches the workspace pointers; it still takes three.
    Ptr<F32> partialOut = split ? workspace.partialOut() : Ptr.ofAddress(0L, F32.class);
    Ptr<F32> partialMax = split ? workspace.partialMax() : partialOut;
    Ptr<F32> partialSum = split ? workspace.partialSum() : partialOut;
    Launch launch = partitionLaunch(shape, plan, warps, stream);
    float scaleLog2 = (float) (shape.scale() * LOG2_E);
    PartitionKernel kernel =
        shape.headDim() == 128
            ? (warps == 8 ? kernels::decodeD128Wide : kernels::decodeD128)
            : kernels::decodeD64;
    kernel.launch(
        launch,
        q,
        kCache,
        vCache,
        blockTables,
        contextLens,
        out,
        partialOut,
        partialMax,
        partialSum,
        shape.nHeads(),
        shape.nKvHeads(),
        shape.blockSize(),
        shape.maxBlocksPerSeq(),
        plan.partitionSize(),
        plan.maxPartitions(),
        scaleLog2,
        shape.window());
    if (split) {
      kernels.reduce(
          reduceLaunch(shape, stream),
          partialOut,
          partialMax,
          partialSum,
          contextLens,
          out,
          shape.nHeads(),
          shape.headDim(),
          plan.partitionSize(),
          plan.maxPartitions(),
          shape.window());
    }
  }

  /**
   * The reference twin on f32 arrays in the same layouts, accumulating in double. A sequence with
   * context length 0 gets zeros; with a window only its last {@code window} tokens count.
   */
  public static void reference(
      float[] q,
      float[] kCache,
      float[] vCache,
      int[] blockTables,
      int[] contextLens,
      float[] out,
      Shape s) {
    LaunchChecks.length(OP, "q", q.length, (long) s.batch() * s.nHeads() * s.headDim());
    LaunchChecks.length(OP, "kCache", kCache.length, s.cacheElements());
    LaunchChecks.length(OP, "vCache", vCache.length, s.cacheElements());
    LaunchChecks.length(
        OP, "blockTables", blockTables.length, (long) s.batch() * s.maxBlocksPerSeq());
    LaunchChecks.length(OP, "contextLens", contextLens.length, s.batch());
    LaunchChecks.length(OP, "out", out.length, (long) s.batch() * s.nHeads() * s.headDim());
    int d = s.headDim();
    int group = s.nHeads() / s.nKvHeads();
    IntStream.range(0, s.batch() * s.nHeads())
        .parallel()
        .forEach(
            bh -> {
              int b = bh / s.nHeads();
              int h = bh % s.nHeads();
              int ctx = contextLens[b];
              if (ctx < 0 || ctx > s.maxBlocksPerSeq() * s.blockSize()) {
                throw new IllegalArgumentException(
                    OP
                        + ": contextLens["
                        + b
                        + "] = "
                        + ctx
                        + " is outside [0, "
                        + s.maxBlocksPerSeq() * s.blockSize()
                        + "]");
              }
              int first = s.window() > 0 ? Math.max(0, ctx - s.window()) : 0;
              double[] scores = new double[ctx];
              double max = Double.NEGATIVE_INFINITY;
              int qOff = (b * s.nHeads() + h) * d;
              for (int t = first; t < ctx; t++) {
                int kOff = rowOffset(blockTables, s, b, t, h / group);
                double dot = 0;
                for (int e = 0; e < d; e++) {
                  dot += (double) q[qOff + e] * kCache[kOff + e];
                }
                scores[t] = dot * s.scale();
                max = Math.max(max, scores[t]);
              }
              double[] acc = new double[d];
              double sum = 0;
              for (int t = first; t < ctx; t++) {
                double p = Math.exp(scores[t] - max);
                sum += p;
                int vOff = rowOffset(blockTables, s, b, t, h / group);
                for (int e = 0; e < d; e++) {
                  acc[e] += p * vCache[vOff + e];
                }
              }
              for (int e = 0; e < d; e++) {
                out[qOff + e] = ctx == 0 ? 0f : (float) (acc[e] / sum);
              }
            });
  }

  private static int rowOffset(int[] blockTables, Shape s, int b, int token, int kvHead) {
    int block = blockTables[b * s.maxBlocksPerSeq() + token / s.blockSize()];
    if (block < 0 || block >= s.numBlocks()) {
      throw new IllegalArgumentException(
          OP
              + ": blockTables["
              + b
              + "]["
              + token / s.blockSize()
              + "] = "
              + block
              + " is outside [0, "
              + s.numBlocks()
              + ")");
    }
    long row = (long) block * s.blockSize() + token % s.blockSize();
    return (int) ((row * s.nKvHeads() + kvHead) * s.headDim());
  }

  /** The parameters every partition kernel takes ({@link PagedDecodeAttentionKernels}). */
  @FunctionalInterface
  private interface PartitionKernel {
    void launch(
        Launch launch,
        ConstPtr<BF16> q,
        ConstPtr<BF16> kCache,
        ConstPtr<BF16> vCache,
        ConstPtr<I32> blockTables,
        ConstPtr<I32> contextLens,
        Ptr<BF16> out,
        Ptr<F32> partialOut,
        Ptr<F32> partialMax,
        Ptr<F32> partialSum,
        int nHeads,
        int nKvHeads,
        int blockSize,
        int maxBlocksPerSeq,
        int partitionSize,
        int maxPartitions,
        float scaleLog2,
        int window);
  }
}
