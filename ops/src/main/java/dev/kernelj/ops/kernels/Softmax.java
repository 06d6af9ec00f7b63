package dev.kernelj.ops.kernels;

import static dev.kernelj.ops.kernels.LaunchMath.cptr;
import static dev.kernelj.ops.kernels.LaunchMath.ptr;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.F16;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.Kernel;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.DTypes;

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

      extern "C" __global__ void kj_softmax_f32(float* out, const float* x, int cols, long long ldx, long long ldo, int causalQueries, int causalOffset) { softmax_row<float>(out, x, nullptr, cols, ldx, ldo, causalQueries, causalOffset, 1); }
      extern "C" __global__ void kj_softmax_f16(__half* out, const __half* x, int cols, long long ldx, long long ldo, int causalQueries, int causalOffset) { softmax_row<__half>(out, x, nullptr, cols, ldx, ldo, causalQueries, causalOffset, 1); }
      extern "C" __global__ void kj_softmax_bf16(__nv_bfloat16* out, const __nv_bfloat16* x, int cols, long long ldx, long long ldo, int causalQueries, int causalOffset) { softmax_row<__nv_bfloat16>(out, x, nullptr, cols, ldx, ldo, causalQueries, causalOffset, 1); }
      extern "C" __global__ void kj_softmax_len_f32(float* out, const float* x, const int* lengths, int cols, long long ldx, long long ldo, int causalQueries, int causalOffset, int rowsPerLength) { softmax_row<float>(out, x, lengths, cols, ldx, ldo, causalQueries, causalOffset, rowsPerLength); }
      extern "C" __global__ void kj_softmax_len_f16(__half* out, const __half* x, const int* lengths, int cols, long long ldx, long long ldo, int causalQueries, int causalOffset, int rowsPerLength) { softmax_row<__half>(out, x, lengths, cols, ldx, ldo, causalQueries, causalOffset, rowsPerLength); }
      extern "C" __global__ void kj_softmax_len_bf16(__nv_bfloat16* out, const __nv_bfloat16* x, const int* lengths, int cols, long long ldx, long long ldo, int causalQueries, int causalOffset, int rowsPerLength) { softmax_row<__nv_bfloat16>(out, x, lengths, cols, ldx, ldo, causalQueries, causalOffset, rowsPerLength); }
      """)
  public interface Cuda {
    void kj_softmax_f32(
        Launch l,
        Ptr<F32> out,
        ConstPtr<F32> x,
        int cols,
        long ldx,
        long ldo,
        int causalQueries,
        int causalOffset);

    void kj_softmax_f16(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> x,
        int cols,
        long ldx,
        long ldo,
        int causalQueries,
        int causalOffset);

    void kj_softmax_bf16(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> x,
        int cols,
        long ldx,
        long ldo,
        int causalQueries,
        int causalOffset);

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

  /**
   * @param lengths device address of i32 lengths, or 0 for none
   * @param causalQueries 0 for no causal mask
   */
  public static void softmax(
      Cuda k,
      StreamRef stream,
      DType t,
      long out,
      long x,
      long lengths,
      int rows,
      int cols,
      long ldx,
      long ldo,
      int causalQueries,
      int causalOffset,
      int rowsPerLength) {
    LaunchMath.requireFloating("softmax", "x", t);
    LaunchMath.requireNonNegative("softmax", "rows", rows);
    LaunchMath.requireNonNegative("softmax", "cols", cols);
    LaunchMath.requireNonNegative("softmax", "causalQueries", causalQueries);
    LaunchMath.requireAddress("softmax", "out", out, t);
    LaunchMath.requireAddress("softmax", "x", x, t);
    if (lengths != 0 && rowsPerLength < 1) {
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
    if (lengths == 0) {
      switch (t) {
        case F32 ->
            k.kj_softmax_f32(
                l,
                ptr(out, F32.class),
                cptr(x, F32.class),
                cols,
                ldx,
                ldo,
                causalQueries,
                causalOffset);
        case F16 ->
            k.kj_softmax_f16(
                l,
                ptr(out, F16.class),
                cptr(x, F16.class),
                cols,
                ldx,
                ldo,
                causalQueries,
                causalOffset);
        default ->
            k.kj_softmax_bf16(
                l,
                ptr(out, BF16.class),
                cptr(x, BF16.class),
                cols,
                ldx,
                ldo,
                causalQueries,
                causalOffset);
      }
      return;
    }
    ConstPtr<I32> len = cptr(lengths, I32.class);
    switch (t) {
      case F32 ->
          k.kj_softmax_len_f32(
              l,
              ptr(out, F32.class),
              cptr(x, F32.class),
              len,
              cols,
              ldx,
              ldo,
              causalQueries,
              causalOffset,
              rowsPerLength);
      case F16 ->
          k.kj_softmax_len_f16(
              l,
              ptr(out, F16.class),
              cptr(x, F16.class),
              len,
              cols,
              ldx,
              ldo,
              causalQueries,
              causalOffset,
              rowsPerLength);
      default ->
          k.kj_softmax_len_bf16(
              l,
              ptr(out, BF16.class),
              cptr(x, BF16.class),
              len,
              cols,
              ldx,
              ldo,
              causalQueries,
              causalOffset,
              rowsPerLength);
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
