package dev.kernelj.ops.kernels.invariant;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.Element;
import dev.kernelj.dsl.F16;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.kernels.Instantiations;
import dev.kernelj.ops.kernels.LaunchMath;
import java.util.List;

/**
 * The batch-invariant linear layer {@code out[m, n] = x[m, k] · w[n, k]ᵀ} (f16 or bf16 x and w; out
 * in their type or f32): every row of {@code out} has the same bits whatever {@code m} is and
 * whatever the other rows of x hold, because the order of each sum depends only on the weight's
 * shape and the GPU ({@link #splits}); see {@link InvariantGemmSource}. One kernel family serves
 * one row and two thousand: few-row tiles of 8 or 16 rows of x while k is unsplit and rows are few,
 * else tiles of 16, 64 or 128 rows of x.
 *
 * <p>Why a kernel of our own: cuBLASLt's bits for a row change with the row count (its heuristic
 * picks a split of k by shape), and the GEMV the default mode uses for few rows sums in yet another
 * order. Pinning one cuBLASLt algorithm without a k split keeps the bits but gives few rows too few
 * blocks to stream the weight. With k split by shape this GEMM is within 1.1x of the GEMV at 1-8
 * rows on an H200, but at 2-2.8x cuBLASLt from 256 rows ({@code mma.sync} against Hopper's {@code
 * wgmma}); with k unsplit it gives exactly cuBLASLt's bits, and its few-row tiles beat the pinned
 * algorithm at 1-16 rows (BENCHMARKS.md). {@code dev.kernelj.ops.cuda.InvariantMatmulOps} decides
 * where it runs.
 */
public final class InvariantGemm {
  private InvariantGemm() {}

  static final String OP = "matmul (batch-invariant)";

  /** Inputs per k granule: k must be a multiple. */
  public static final int GRANULE = InvariantGemmSource.GRANULE;

  /** Weight rows per block of the {@code s} tile, whose block count decides the split of k. */
  static final int SPLIT_TILE_ROWS = 64;

  /** Rows of x up to which an unsplit k takes a few-row tile. */
  static final int FEW_ROWS_MAX = 16;

  /** Most k ranges; more would spend more on partial sums than the blocks gain. */
  static final int MAX_SPLITS = 8;

  /** Blocks of the {@code s} tile per SM from which k is not split. */
  static final double UNSPLIT_BLOCKS_PER_SM = 1.5;

  /** A tile shape: rows of the weight and of x per block, threads, shared memory. */
  enum Tile {
    FEW8(32, 8, 64, InvariantGemmKernels.SHARED_FEW8),
    FEW16(64, 16, 128, InvariantGemmKernels.SHARED_FEW16),
    S(64, 16, 128, InvariantGemmKernels.SHARED_S),
    M(128, 64, 256, InvariantGemmKernels.SHARED_M),
    L(128, 128, 256, InvariantGemmKernels.SHARED_L);

    final int weightRows;
    final int xRows;
    final int threads;
    final int sharedBytes;

    Tile(int weightRows, int xRows, int threads, int sharedBytes) {
      this.weightRows = weightRows;
      this.xRows = xRows;
      this.threads = threads;
      this.sharedBytes = sharedBytes;
    }

    /**
     * The tile for {@code m} rows: with k unsplit, up to {@value #FEW_ROWS_MAX} rows of x, the
     * few-row layouts (a warp per 16 weight rows, 2 or 4 warps a block: many blocks, so the weight
     * streams even when k gives no parallelism); else 64 weight rows x 16 rows of x, 128 x 64, 128
     * x 128 as rows grow.
     */
    static Tile forRows(int m, int splits) {
      if (splits == 1 && m <= FEW_ROWS_MAX) {
        return m <= 8 ? FEW8 : FEW16;
      }
      return m <= 16 ? S : m <= 64 ? M : L;
    }
  }

  /**
   * Whether the kernel takes these operands (else the caller keeps its other batch-invariant GEMM):
   * x and w of one half type, out of that type or f32, k a multiple of {@value #GRANULE}, x's and
   * w's rows 16-byte aligned.
   */
  public static boolean supports(
      DType x, DType w, DType out, int k, long xAddress, long ldx, long wAddress, long ldw) {
    return x == w
        && GEMM.has(x, out)
        && k > 0
        && k % GRANULE == 0
        && ldx % 8 == 0
        && ldw % 8 == 0
        && xAddress % 16 == 0
        && wAddress % 16 == 0;
  }

  /**
   * The k ranges for a weight of {@code n} rows and {@code k} inputs on {@code multiprocessors}
   * SMs: 1 when the {@code s} tile already has about 1.5 blocks per SM, else enough for about two,
   * at most {@value #MAX_SPLITS} and one granule each. Independent of the rows of x by design.
   */
  public static int splits(int n, int k, int multiprocessors) {
    int tiles = (n + SPLIT_TILE_ROWS - 1) / SPLIT_TILE_ROWS;
    if (tiles >= UNSPLIT_BLOCKS_PER_SM * multiprocessors) {
      return 1;
    }
    int wanted = (2 * multiprocessors + tiles - 1) / tiles;
    return Math.max(1, Math.min(Math.min(wanted, MAX_SPLITS), k / GRANULE));
  }

  /** f32 scratch for the partial sums of {@code m} rows ({@code 0} without a split). */
  public static long partialFloats(int m, int n, int splits) {
    return splits == 1 ? 0 : (long) splits * m * n;
  }

  /**
   * {@code out = x · wᵀ} for {@code m} rows ({@code ldx}, {@code ldw}, {@code ldo}: row strides in
   * elements) with {@code splits} k ranges ({@link #splits}); {@code partials} holds {@link
   * #partialFloats} f32 when {@code splits > 1}.
   */
  public static void run(
      InvariantGemmKernels.Cuda kernels,
      StreamRef stream,
      Tensor out,
      Tensor x,
      Tensor w,
      Tensor partials,
      int m,
      int n,
      int k,
      long ldx,
      long ldw,
      long ldo,
      int splits) {
    if (!supports(x.dtype(), w.dtype(), out.dtype(), k, x.address(), ldx, w.address(), ldw)) {
      throw new OpArgumentException(
          OP,
          "x",
          "x "
              + x.dtype()
              + ", w "
              + w.dtype()
              + ", out "
              + out.dtype()
              + ", k "
              + k
              + ": the kernel takes x and w of one half type, k a multiple of "
              + GRANULE
              + " and 16-byte aligned rows");
    }
    LaunchMath.requireAddress(OP, "out", out);
    if (m < 1 || n < 1 || ldo < n || ldx < k || ldw < k) {
      throw new OpArgumentException(
          OP,
          "out",
          "m " + m + ", n " + n + ", k " + k + " with row strides " + ldx + "/" + ldw + "/" + ldo);
    }
    if (splits < 1 || splits > k / GRANULE) {
      throw new OpArgumentException(
          OP, "splits", splits + " for " + k / GRANULE + " granules of " + GRANULE + " inputs");
    }
    if (splits > 1 && partials == null) {
      throw new OpArgumentException(
          OP,
          "partials",
          "needs " + partialFloats(m, n, splits) + " f32 for " + splits + " splits");
    }
    Tile tile = Tile.forRows(m, splits);
    long blocks =
        (long) ((n + tile.weightRows - 1) / tile.weightRows)
            * ((m + tile.xRows - 1) / tile.xRows)
            * splits;
    Launch l =
        Launch.grid(Math.toIntExact(blocks))
            .block(tile.threads)
            .shared(tile.sharedBytes)
            .on(stream);
    GemmEntry<?, ?> gemm = GEMM.get(x.dtype(), out.dtype());
    if (tile == Tile.FEW8 || tile == Tile.FEW16) {
      gemm.launchFew(kernels, tile, l, out, x, w, m, n, k, ldx, ldw, ldo);
      return;
    }
    // With one k range the kernel never touches the partials; it still takes a pointer.
    Ptr<F32> p = splits > 1 ? partials.ptr(F32.class) : Ptr.ofAddress(out.address(), F32.class);
    gemm.launch(kernels, tile, l, out, p, x, w, m, n, k, ldx, ldw, ldo, splits);
    if (splits > 1) {
      REDUCE
          .get(out.dtype())
          .launch(
              kernels,
              LaunchMath.elementwise((long) m * n, stream),
              out,
              partials,
              m,
              n,
              ldo,
              splits);
    }
  }

  // ---------------------------------------------------------------- instantiation tables

  @FunctionalInterface
  interface GemmFn<T extends Element, O extends Element> {
    void launch(
        InvariantGemmKernels.Cuda k,
        Launch l,
        Ptr<O> out,
        Ptr<F32> partials,
        ConstPtr<T> x,
        ConstPtr<T> w,
        int m,
        int n,
        int kIn,
        long ldx,
        long ldw,
        long ldo,
        int splits);
  }

  @FunctionalInterface
  interface FewFn<T extends Element, O extends Element> {
    void launch(
        InvariantGemmKernels.Cuda k,
        Launch l,
        Ptr<O> out,
        ConstPtr<T> x,
        ConstPtr<T> w,
        int m,
        int n,
        int kIn,
        long ldx,
        long ldw,
        long ldo);
  }

  /** The five tiles of one (element, output) pair. */
  record GemmEntry<T extends Element, O extends Element>(
      Class<T> t,
      Class<O> o,
      FewFn<T, O> few8,
      FewFn<T, O> few16,
      GemmFn<T, O> s,
      GemmFn<T, O> m,
      GemmFn<T, O> l)
      implements Instantiations.Entry {
    @Override
    public List<DType> dtypes() {
      return List.of(DType.of(t), DType.of(o));
    }

    void launch(
        InvariantGemmKernels.Cuda k,
        Tile tile,
        Launch launch,
        Tensor out,
        Ptr<F32> partials,
        Tensor x,
        Tensor w,
        int rows,
        int n,
        int kIn,
        long ldx,
        long ldw,
        long ldo,
        int splits) {
      GemmFn<T, O> fn =
          switch (tile) {
            case FEW8, FEW16 -> throw new IllegalArgumentException("a few-row tile: launchFew");
            case S -> s;
            case M -> m;
            case L -> l;
          };
      fn.launch(
          k,
          launch,
          out.ptr(o),
          partials,
          x.constPtr(t),
          w.constPtr(t),
          rows,
          n,
          kIn,
          ldx,
          ldw,
          ldo,
          splits);
    }

    void launchFew(
        InvariantGemmKernels.Cuda k,
        Tile tile,
        Launch launch,
        Tensor out,
        Tensor x,
        Tensor w,
        int rows,
        int n,
        int kIn,
        long ldx,
        long ldw,
        long ldo) {
      (tile == Tile.FEW8 ? few8 : few16)
          .launch(k, launch, out.ptr(o), x.constPtr(t), w.constPtr(t), rows, n, kIn, ldx, ldw, ldo);
    }
  }

  @FunctionalInterface
  interface ReduceFn<O extends Element> {
    void launch(
        InvariantGemmKernels.Cuda k,
        Launch l,
        Ptr<O> out,
        ConstPtr<F32> partials,
        int m,
        int n,
        long ldo,
        int splits);
  }

  record ReduceEntry<O extends Element>(Class<O> t, ReduceFn<O> fn)
      implements Instantiations.OfElement {
    void launch(
        InvariantGemmKernels.Cuda k,
        Launch l,
        Tensor out,
        Tensor partials,
        int m,
        int n,
        long ldo,
        int splits) {
      fn.launch(k, l, out.ptr(t), partials.constPtr(F32.class), m, n, ldo, splits);
    }
  }

  static final Instantiations<GemmEntry<?, ?>> GEMM =
      Instantiations.of(
          OP,
          "x,out",
          new GemmEntry<>(
              BF16.class,
              BF16.class,
              InvariantGemmKernels.Cuda::kj_igemm_bf16_few8,
              InvariantGemmKernels.Cuda::kj_igemm_bf16_few16,
              InvariantGemmKernels.Cuda::kj_igemm_bf16_s,
              InvariantGemmKernels.Cuda::kj_igemm_bf16_m,
              InvariantGemmKernels.Cuda::kj_igemm_bf16_l),
          new GemmEntry<>(
              BF16.class,
              F32.class,
              InvariantGemmKernels.Cuda::kj_igemm_bf16_f32_few8,
              InvariantGemmKernels.Cuda::kj_igemm_bf16_f32_few16,
              InvariantGemmKernels.Cuda::kj_igemm_bf16_f32_s,
              InvariantGemmKernels.Cuda::kj_igemm_bf16_f32_m,
              InvariantGemmKernels.Cuda::kj_igemm_bf16_f32_l),
          new GemmEntry<>(
              F16.class,
              F16.class,
              InvariantGemmKernels.Cuda::kj_igemm_f16_few8,
              InvariantGemmKernels.Cuda::kj_igemm_f16_few16,
              InvariantGemmKernels.Cuda::kj_igemm_f16_s,
              InvariantGemmKernels.Cuda::kj_igemm_f16_m,
              InvariantGemmKernels.Cuda::kj_igemm_f16_l),
          new GemmEntry<>(
              F16.class,
              F32.class,
              InvariantGemmKernels.Cuda::kj_igemm_f16_f32_few8,
              InvariantGemmKernels.Cuda::kj_igemm_f16_f32_few16,
              InvariantGemmKernels.Cuda::kj_igemm_f16_f32_s,
              InvariantGemmKernels.Cuda::kj_igemm_f16_f32_m,
              InvariantGemmKernels.Cuda::kj_igemm_f16_f32_l));

  static final Instantiations<ReduceEntry<?>> REDUCE =
      Instantiations.of(
          OP,
          "out",
          new ReduceEntry<>(BF16.class, InvariantGemmKernels.Cuda::kj_ireduce_bf16),
          new ReduceEntry<>(F16.class, InvariantGemmKernels.Cuda::kj_ireduce_f16),
          new ReduceEntry<>(F32.class, InvariantGemmKernels.Cuda::kj_ireduce_f32));
}
