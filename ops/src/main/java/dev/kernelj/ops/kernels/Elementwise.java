package dev.kernelj.ops.kernels;

import static dev.kernelj.ops.kernels.LaunchMath.cptr;
import static dev.kernelj.ops.kernels.LaunchMath.ptr;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.F16;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Kernel;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.DTypes;
import dev.kernelj.ops.OpArgumentException;

/**
 * Elementwise add, multiply and scale over {@code n} elements of one floating dtype, computed in
 * f32 and rounded once to the output dtype. The second operand of add/mul may be one row of {@code
 * bcols} elements broadcast over every row ({@code bcols = 0}: same length as the first), which is
 * how a bias is added. {@code out} may alias {@code a} or {@code b}: a residual add is {@code
 * add(out = residual, a = residual, b = x)}.
 */
public final class Elementwise {
  private Elementwise() {}

  /**
   * 16-byte chunks of each operand one thread of add/mul has in flight ({@code BINARY_UNROLL} in
   * the CUDA C).
   */
  public static final int BINARY_CHUNKS_PER_THREAD = 4;

  /** 0 = add, 1 = multiply; the CUDA C's {@code OP} template argument. */
  public enum BinaryOp {
    ADD,
    MUL
  }

  @Kernel(
      source =
          CudaPrelude.PRELUDE
              + """
      constexpr int BINARY_UNROLL = 4;   // Elementwise.BINARY_CHUNKS_PER_THREAD

      /* Each thread loads BINARY_UNROLL 16-byte chunks of a and of b (a grid's width apart, so every
         load of a warp is coalesced) before it computes and stores any: eight loads in flight per
         thread. out may be a or b: every element is read and written by one thread, reads first. */
      template <typename T, int OP>
      __device__ __forceinline__ void binary(T* out, const T* a, const T* b, long long n, long long bcols) {
        const long long tid = blockIdx.x * (long long)blockDim.x + threadIdx.x;
        const long long stride = (long long)gridDim.x * blockDim.x;
        const bool vec = kj::aligned16(out) && kj::aligned16(a) && kj::aligned16(b) && (bcols % 8 == 0);
        long long done = 0;
        if (vec) {
          const long long groups = n / 8;
          for (long long g0 = tid; g0 < groups; g0 += stride * BINARY_UNROLL) {
            float x[BINARY_UNROLL][8], y[BINARY_UNROLL][8];
      #pragma unroll
            for (int u = 0; u < BINARY_UNROLL; ++u) {
              const long long i = (g0 + u * stride) * 8;
              if (i < groups * 8) {
                kj::load8(a + i, x[u]);
                kj::load8(b + (bcols ? i % bcols : i), y[u]);
              }
            }
      #pragma unroll
            for (int u = 0; u < BINARY_UNROLL; ++u) {
              const long long i = (g0 + u * stride) * 8;
              if (i < groups * 8) {
      #pragma unroll
                for (int e = 0; e < 8; ++e) x[u][e] = OP == 0 ? x[u][e] + y[u][e] : x[u][e] * y[u][e];
                kj::store8(out + i, x[u]);
              }
            }
          }
          done = groups * 8;
        }
        for (long long i = done + tid; i < n; i += stride) {
          const float x = kj::to_f32(a[i]), y = kj::to_f32(b[bcols ? i % bcols : i]);
          out[i] = kj::from_f32<T>(OP == 0 ? x + y : x * y);
        }
      }

      template <typename T>
      __device__ __forceinline__ void scale(T* out, const T* x, float s, long long n) {
        const long long tid = blockIdx.x * (long long)blockDim.x + threadIdx.x;
        const long long stride = (long long)gridDim.x * blockDim.x;
        long long done = 0;
        if (kj::aligned16(out) && kj::aligned16(x)) {
          const long long groups = n / 8;
          for (long long g = tid; g < groups; g += stride) {
            float v[8];
            kj::load8(x + g * 8, v);
      #pragma unroll
            for (int e = 0; e < 8; ++e) v[e] *= s;
            kj::store8(out + g * 8, v);
          }
          done = groups * 8;
        }
        for (long long i = done + tid; i < n; i += stride) out[i] = kj::from_f32<T>(kj::to_f32(x[i]) * s);
      }

      extern "C" __global__ void kj_add_f32(float* out, const float* a, const float* b, long long n, long long bcols) { binary<float, 0>(out, a, b, n, bcols); }
      extern "C" __global__ void kj_add_f16(__half* out, const __half* a, const __half* b, long long n, long long bcols) { binary<__half, 0>(out, a, b, n, bcols); }
      extern "C" __global__ void kj_add_bf16(__nv_bfloat16* out, const __nv_bfloat16* a, const __nv_bfloat16* b, long long n, long long bcols) { binary<__nv_bfloat16, 0>(out, a, b, n, bcols); }
      extern "C" __global__ void kj_mul_f32(float* out, const float* a, const float* b, long long n, long long bcols) { binary<float, 1>(out, a, b, n, bcols); }
      extern "C" __global__ void kj_mul_f16(__half* out, const __half* a, const __half* b, long long n, long long bcols) { binary<__half, 1>(out, a, b, n, bcols); }
      extern "C" __global__ void kj_mul_bf16(__nv_bfloat16* out, const __nv_bfloat16* a, const __nv_bfloat16* b, long long n, long long bcols) { binary<__nv_bfloat16, 1>(out, a, b, n, bcols); }
      extern "C" __global__ void kj_scale_f32(float* out, const float* x, float s, long long n) { scale<float>(out, x, s, n); }
      extern "C" __global__ void kj_scale_f16(__half* out, const __half* x, float s, long long n) { scale<__half>(out, x, s, n); }
      extern "C" __global__ void kj_scale_bf16(__nv_bfloat16* out, const __nv_bfloat16* x, float s, long long n) { scale<__nv_bfloat16>(out, x, s, n); }
      """)
  public interface Cuda {
    void kj_add_f32(Launch l, Ptr<F32> out, ConstPtr<F32> a, ConstPtr<F32> b, long n, long bcols);

    void kj_add_f16(Launch l, Ptr<F16> out, ConstPtr<F16> a, ConstPtr<F16> b, long n, long bcols);

    void kj_add_bf16(
        Launch l, Ptr<BF16> out, ConstPtr<BF16> a, ConstPtr<BF16> b, long n, long bcols);

    void kj_mul_f32(Launch l, Ptr<F32> out, ConstPtr<F32> a, ConstPtr<F32> b, long n, long bcols);

    void kj_mul_f16(Launch l, Ptr<F16> out, ConstPtr<F16> a, ConstPtr<F16> b, long n, long bcols);

    void kj_mul_bf16(
        Launch l, Ptr<BF16> out, ConstPtr<BF16> a, ConstPtr<BF16> b, long n, long bcols);

    void kj_scale_f32(Launch l, Ptr<F32> out, ConstPtr<F32> x, float s, long n);

    void kj_scale_f16(Launch l, Ptr<F16> out, ConstPtr<F16> x, float s, long n);

    void kj_scale_bf16(Launch l, Ptr<BF16> out, ConstPtr<BF16> x, float s, long n);
  }

  /**
   * {@code out[i] = a[i] (op) b[bcols == 0 ? i : i % bcols]} on the device, for {@code i < n}.
   * {@code n} must be a multiple of {@code bcols} when broadcasting.
   */
  public static void binary(
      Cuda k,
      StreamRef stream,
      BinaryOp op,
      DType t,
      long out,
      long a,
      long b,
      long n,
      long bcols) {
    String name = op == BinaryOp.ADD ? "add" : "mul";
    LaunchMath.requireFloating(name, "out", t);
    LaunchMath.requireNonNegative(name, "n", n);
    if (bcols < 0 || (bcols > 0 && n % bcols != 0)) {
      throw new OpArgumentException(
          name, "b", "broadcast row of " + bcols + " elements does not divide " + n + " elements");
    }
    LaunchMath.requireAddress(name, "out", out, t);
    LaunchMath.requireAddress(name, "a", a, t);
    LaunchMath.requireAddress(name, "b", b, t);
    if (n == 0) {
      return;
    }
    Launch l = LaunchMath.elementwise(n, BINARY_CHUNKS_PER_THREAD, stream);
    switch (t) {
      case F32 -> {
        if (op == BinaryOp.ADD)
          k.kj_add_f32(l, ptr(out, F32.class), cptr(a, F32.class), cptr(b, F32.class), n, bcols);
        else k.kj_mul_f32(l, ptr(out, F32.class), cptr(a, F32.class), cptr(b, F32.class), n, bcols);
      }
      case F16 -> {
        if (op == BinaryOp.ADD)
          k.kj_add_f16(l, ptr(out, F16.class), cptr(a, F16.class), cptr(b, F16.class), n, bcols);
        else k.kj_mul_f16(l, ptr(out, F16.class), cptr(a, F16.class), cptr(b, F16.class), n, bcols);
      }
      default -> {
        if (op == BinaryOp.ADD)
          k.kj_add_bf16(
              l, ptr(out, BF16.class), cptr(a, BF16.class), cptr(b, BF16.class), n, bcols);
        else
          k.kj_mul_bf16(
              l, ptr(out, BF16.class), cptr(a, BF16.class), cptr(b, BF16.class), n, bcols);
      }
    }
  }

  /** {@code out[i] = x[i] * s} on the device. */
  public static void scale(Cuda k, StreamRef stream, DType t, long out, long x, float s, long n) {
    LaunchMath.requireFloating("scale", "out", t);
    LaunchMath.requireNonNegative("scale", "n", n);
    LaunchMath.requireAddress("scale", "out", out, t);
    LaunchMath.requireAddress("scale", "x", x, t);
    if (n == 0) {
      return;
    }
    Launch l = LaunchMath.elementwise(n, stream);
    switch (t) {
      case F32 -> k.kj_scale_f32(l, ptr(out, F32.class), cptr(x, F32.class), s, n);
      case F16 -> k.kj_scale_f16(l, ptr(out, F16.class), cptr(x, F16.class), s, n);
      default -> k.kj_scale_bf16(l, ptr(out, BF16.class), cptr(x, BF16.class), s, n);
    }
  }

  /**
   * Reference twin of {@link #binary}: same arithmetic in f32, one rounding to {@code t} per
   * element.
   */
  public static void binaryReference(
      BinaryOp op,
      DType t,
      float[] out,
      int outOff,
      float[] a,
      int aOff,
      float[] b,
      int bOff,
      int n,
      int bcols) {
    for (int i = 0; i < n; i++) {
      float x = a[aOff + i];
      float y = b[bOff + (bcols == 0 ? i : i % bcols)];
      out[outOff + i] = DTypes.round(t, op == BinaryOp.ADD ? x + y : x * y);
    }
  }

  /** Reference twin of {@link #scale}. */
  public static void scaleReference(
      DType t, float[] out, int outOff, float[] x, int xOff, float s, int n) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = DTypes.round(t, x[xOff + i] * s);
    }
  }
}
