package dev.kernelj.ops.kernels;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.Element;
import dev.kernelj.dsl.F16;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Global;
import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.Kernel;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.DTypes;
import dev.kernelj.ops.Tensor;

/**
 * Softmax over each row, with an optional mask that keeps only a prefix of each row: row {@code r}
 * keeps columns {@code [0, valid(r))} and writes 0 to the rest, where
 *
 * <ul>
 *   <li>causal ({@code causalQueries > 0}): {@code valid = causalOffset + (r % causalQueries) + 1}
 *       — rows are queries of a block of {@code causalQueries}, whose first query sits at key
 *       position {@code causalOffset};
 *   <li>lengths: {@code valid = min(valid, lengths[r / rowsPerLength])} — one length per sequence;
 * </ul>
 *
 * each clamped to {@code [0, cols]}. A row that keeps nothing is all zeros (not NaN). f32 math,
 * three passes (max, sum of exp, write), one rounding.
 */
public final class Softmax {
  private Softmax() {}

  @Kernel(
      source =
          CudaPrelude.PRELUDE
              + """
      template <typename T>
      __device__ __forceinline__ void softmax_row(T* out, const T* x, const int* lengths, int cols, long long ldx, long long ldo,
                                                  int causalQueries, int causalOffset, int rowsPerLength) {
        const long long row = blockIdx.x;
        const T* xr = x + row * ldx;
        T* o = out + row * ldo;
        long long valid = cols;
        if (causalQueries > 0) valid = min(valid, (long long)causalOffset + (row % causalQueries) + 1);
        if (lengths != nullptr) valid = min(valid, (long long)lengths[row / rowsPerLength]);
        const int keep = (int)max(0ll, valid);
        float m = -INFINITY;
        for (int c = threadIdx.x; c < keep; c += blockDim.x) m = fmaxf(m, kj::to_f32(xr[c]));
        m = kj::block_max(m);
        float s = 0.f;
        for (int c = threadIdx.x; c < keep; c += blockDim.x) s += expf(kj::to_f32(xr[c]) - m);
        const float inv = 1.f / kj::block_sum(s);
        /* out may alias x: block_sum's barriers order all reads of x before the writes. */
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
          o[c] = kj::from_f32<T>(c < keep ? expf(kj::to_f32(xr[c]) - m) * inv : 0.f);
        }
      }

      template <typename T>
      __global__ void kj_softmax(T* out, const T* x, int cols, long long ldx, long long ldo, int causalQueries, int causalOffset) { softmax_row<T>(out, x, nullptr, cols, ldx, ldo, causalQueries, causalOffset, 1); }
      template <typename T>
      __global__ void kj_softmax_len(T* out, const T* x, const int* lengths, int cols, long long ldx, long long ldo, int causalQueries, int causalOffset, int rowsPerLength) { softmax_row<T>(out, x, lengths, cols, ldx, ldo, causalQueries, causalOffset, rowsPerLength); }
      """)
  public interface Cuda {
    @Global("kj_softmax<float>")
    void kj_softmax_f32(
        Launch l,
        Ptr<F32> out,
        ConstPtr<F32> x,
        int cols,
        long ldx,
        long ldo,
        int causalQueries,
        int causalOffset);

    @Global("kj_softmax<__half>")
    void kj_softmax_f16(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        int cols,
        long ldx,
        long ldo,
        int causalQueries,
        int causalOffset);

    @Global("kj_softmax<__nv_bfloat16>")
    void kj_softmax_bf16(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        int cols,
        long ldx,
        long ldo,
        int causalQueries,
        int causalOffset);

    @Global("kj_softmax_len<float>")
    void kj_softmax_len_f32(
        Launch l,
        Ptr<F32> out,
        ConstPtr<F32> x,
        ConstPtr<I32> lengths,
        int cols,
        long ldx,
        long ldo,
        int causalQueries,
        int causalOffset,
        int rowsPerLength);

    @Global("kj_softmax_len<__half>")
    void kj_softmax_len_f16(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        ConstPtr<I32> lengths,
        int cols,
        long ldx,
        long ldo,
        int causalQueries,
        int causalOffset,
        int rowsPerLength);

    @Global("kj_softmax_len<__nv_bfloat16>")
    void kj_softmax_len_bf16(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        ConstPtr<I32> lengths,
        int cols,
        long ldx,
        long ldo,
        int causalQueries,
        int causalOffset,
        int rowsPerLength);
  }

  @FunctionalInterface
  private interface SoftmaxFn<T extends Element> {
    void launch(
        Cuda k,
        Launch l,
        Ptr<T> out,
        ConstPtr<T> x,
        int cols,
        long ldx,
        long ldo,
        int causalQueries,
        int causalOffset);
  }

  /** One instantiation of {@code kj_softmax}. */
  private record SoftmaxKernel<T extends Element>(Class<T> t, SoftmaxFn<T> fn)
      implements Instantiations.OfElement {
    void launch(
        Cuda k,
        Launch l,
        Tensor out,
        Tensor x,
        int cols,
        long ldx,
        long ldo,
        int causalQueries,
        int causalOffset) {
      fn.launch(k, l, out.ptr(t), x.constPtr(t), cols, ldx, ldo, causalQueries, causalOffset);
    }
  }

  private static final Instantiations<SoftmaxKernel<?>> SOFTMAX =
      Instantiations.of(
          "softmax",
          "x",
          new SoftmaxKernel<>(F32.class, Cuda::kj_softmax_f32),
          new SoftmaxKernel<>(F16.class, Cuda::kj_softmax_f16),
          new SoftmaxKernel<>(BF16.class, Cuda::kj_softmax_bf16));

  @FunctionalInterface
  private interface MaskedSoftmaxFn<T extends Element> {
    void launch(
        Cuda k,
        Launch l,
        Ptr<T> out,
        ConstPtr<T> x,
        ConstPtr<I32> lengths,
        int cols,
        long ldx,
        long ldo,
        int causalQueries,
        int causalOffset,
        int rowsPerLength);
  }

  /** One instantiation of {@code kj_softmax_len}. */
  private record MaskedSoftmaxKernel<T extends Element>(Class<T> t, MaskedSoftmaxFn<T> fn)
      implements Instantiations.OfElement {
    void launch(
        Cuda k,
        Launch l,
        Tensor out,
        Tensor x,
        Tensor lengths,
        int cols,
        long ldx,
        long ldo,
        int causalQueries,
        int causalOffset,
        int rowsPerLength) {
      fn.launch(
          k,
          l,
          out.ptr(t),
          x.constPtr(t),
          lengths.constPtr(I32.class),
          cols,
          ldx,
          ldo,
          causalQueries,
          causalOffset,
          rowsPerLength);
    }
  }

  private static final Instantiations<MaskedSoftmaxKernel<?>> MASKED_SOFTMAX =
      Instantiations.of(
          "softmax",
          "x",
          new MaskedSoftmaxKernel<>(F32.class, Cuda::kj_softmax_len_f32),
          new MaskedSoftmaxKernel<>(F16.class, Cuda::kj_softmax_len_f16),
          new MaskedSoftmaxKernel<>(BF16.class, Cuda::kj_softmax_len_bf16));

  /**
   * @param lengths I32 valid columns per {@code rowsPerLength} rows, or null for none
   * @param causalQueries 0 for no causal mask
   */
  public static void softmax(
      Cuda k,
      StreamRef stream,
      Tensor out,
      Tensor x,
      Tensor lengths,
      int rows,
      int cols,
      long ldx,
      long ldo,
      int causalQueries,
      int causalOffset,
      int rowsPerLength) {
    LaunchMath.requireFloating("softmax", "x", x.dtype());
    LaunchMath.requireNonNegative("softmax", "rows", rows);
    LaunchMath.requireNonNegative("softmax", "cols", cols);
    LaunchMath.requireNonNegative("softmax", "causalQueries", causalQueries);
    LaunchMath.requireAddress("softmax", "out", out);
    LaunchMath.requireAddress("softmax", "x", x);
    if (lengths != null && rowsPerLength < 1) {
      throw new dev.kernelj.ops.OpArgumentException(
          "softmax", "rowsPerLength", "must be >= 1 with lengths, got " + rowsPerLength);
    }
    if (rows == 0 || cols == 0) {
      return;
    }
    Launch l =
        Launch.grid(rows)
            .block((int) Math.min(1024, Math.max(32, (cols + 31L) / 32 * 32)))
            .on(stream);
    if (lengths == null) {
      SOFTMAX.get(x.dtype()).launch(k, l, out, x, cols, ldx, ldo, causalQueries, causalOffset);
    } else {
      MASKED_SOFTMAX
          .get(x.dtype())
          .launch(
              k, l, out, x, lengths, cols, ldx, ldo, causalQueries, causalOffset, rowsPerLength);
    }
  }

  /**
   * The number of leading columns row {@code r} keeps; shared by the reference twin and the tests.
   */
  public static int validColumns(
      int r,
      int cols,
      int[] lengths,
      int lengthsOff,
      int causalQueries,
      int causalOffset,
      int rowsPerLength) {
    long valid = cols;
    if (causalQueries > 0) {
      valid = Math.min(valid, (long) causalOffset + (r % causalQueries) + 1);
    }
    if (lengths != null) {
      valid = Math.min(valid, lengths[lengthsOff + r / rowsPerLength]);
    }
    return (int) Math.max(0, valid);
  }

  /** Reference twin: max and exponentials in f32 as the kernel forms them, the sum in f64. */
  public static void softmaxReference(
      DType t,
      float[] out,
      int outOff,
      int ldo,
      float[] x,
      int xOff,
      int ldx,
      int[] lengths,
      int lengthsOff,
      int rows,
      int cols,
      int causalQueries,
      int causalOffset,
      int rowsPerLength) {
    float[] e = new float[cols];
    for (int r = 0; r < rows; r++) {
      int keep =
          validColumns(r, cols, lengths, lengthsOff, causalQueries, causalOffset, rowsPerLength);
      float m = Float.NEGATIVE_INFINITY;
      for (int c = 0; c < keep; c++) {
        m = Math.max(m, x[xOff + r * ldx + c]);
      }
      double s = 0;
      for (int c = 0; c < keep; c++) {
        e[c] = (float) Math.exp(x[xOff + r * ldx + c] - m);
        s += e[c];
      }
      float inv = (float) (1.0 / (float) s);
      for (int c = 0; c < cols; c++) {
        out[outOff + r * ldo + c] = DTypes.round(t, c < keep ? e[c] * inv : 0f);
      }
    }
  }
}
