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
 * Activations, in f32 with one rounding: SiLU {@code x * sigmoid(x)}; GELU with the tanh
 * approximation, written as {@code x * sigmoid(2u)} with {@code u = sqrt(2/pi) (x + 0.044715 x^3)}
 * (equal to {@code 0.5 x (1 + tanh u)} without its cancellation for negative x); exact GELU as
 * {@code 0.5 x erfc(-x / sqrt 2)} (again no cancellation); and SwiGLU {@code silu(gate) * up},
 * whose inputs may be row-strided halves of one fused gate/up matmul output.
 */
public final class Activations {
  private Activations() {}

  /** The unary activations; the ordinal is the CUDA C's {@code kind}. */
  public enum Kind {
    SILU,
    GELU_TANH,
    GELU_ERF
  }

  @Kernel(
      source =
          CudaPrelude.PRELUDE
              + """
      __device__ __forceinline__ float activate(float x, int kind) {
        if (kind == 0) return x / (1.f + expf(-x));
        if (kind == 1) {
          const float u = 0.7978845608028654f * (x + 0.044715f * x * x * x);
          return x / (1.f + expf(-2.f * u));
        }
        return 0.5f * x * erfcf(-x * 0.7071067811865476f);
      }

      template <typename T>
      __device__ __forceinline__ void unary(T* out, const T* x, long long n, int kind) {
        const long long tid = blockIdx.x * (long long)blockDim.x + threadIdx.x;
        const long long stride = (long long)gridDim.x * blockDim.x;
        long long done = 0;
        if (kj::aligned16(out) && kj::aligned16(x)) {
          const long long groups = n / 8;
          for (long long g = tid; g < groups; g += stride) {
            float v[8];
            kj::load8(x + g * 8, v);
      #pragma unroll
            for (int e = 0; e < 8; ++e) v[e] = activate(v[e], kind);
            kj::store8(out + g * 8, v);
          }
          done = groups * 8;
        }
        for (long long i = done + tid; i < n; i += stride) out[i] = kj::from_f32<T>(activate(kj::to_f32(x[i]), kind));
      }

      /* One (row, 8 columns) group per thread step; rows may be strided. */
      template <typename T>
      __device__ __forceinline__ void swiglu(T* out, const T* gate, const T* up, int rows, int cols,
                                             long long ldg, long long ldu, long long ldo) {
        const long long tid = blockIdx.x * (long long)blockDim.x + threadIdx.x;
        const long long stride = (long long)gridDim.x * blockDim.x;
        const bool vec = cols % 8 == 0 && ldg % 8 == 0 && ldu % 8 == 0 && ldo % 8 == 0
            && kj::aligned16(out) && kj::aligned16(gate) && kj::aligned16(up);
        if (vec) {
          const long long perRow = cols / 8, total = perRow * rows;
          for (long long g = tid; g < total; g += stride) {
            const long long r = g / perRow, c = (g - r * perRow) * 8;
            float a[8], b[8];
            kj::load8(gate + r * ldg + c, a);
            kj::load8(up + r * ldu + c, b);
      #pragma unroll
            for (int e = 0; e < 8; ++e) a[e] = a[e] / (1.f + expf(-a[e])) * b[e];
            kj::store8(out + r * ldo + c, a);
          }
        } else {
          const long long total = (long long)cols * rows;
          for (long long i = tid; i < total; i += stride) {
            const long long r = i / cols, c = i - r * cols;
            const float a = kj::to_f32(gate[r * ldg + c]);
            out[r * ldo + c] = kj::from_f32<T>(a / (1.f + expf(-a)) * kj::to_f32(up[r * ldu + c]));
          }
        }
      }

      extern "C" __global__ void kj_act_f32(float* out, const float* x, long long n, int kind) { unary<float>(out, x, n, kind); }
      extern "C" __global__ void kj_act_f16(__half* out, const __half* x, long long n, int kind) { unary<__half>(out, x, n, kind); }
      extern "C" __global__ void kj_act_bf16(__nv_bfloat16* out, const __nv_bfloat16* x, long long n, int kind) { unary<__nv_bfloat16>(out, x, n, kind); }
      extern "C" __global__ void kj_swiglu_f32(float* out, const float* gate, const float* up, int rows, int cols, long long ldg, long long ldu, long long ldo) { swiglu<float>(out, gate, up, rows, cols, ldg, ldu, ldo); }
      extern "C" __global__ void kj_swiglu_f16(__half* out, const __half* gate, const __half* up, int rows, int cols, long long ldg, long long ldu, long long ldo) { swiglu<__half>(out, gate, up, rows, cols, ldg, ldu, ldo); }
      extern "C" __global__ void kj_swiglu_bf16(__nv_bfloat16* out, const __nv_bfloat16* gate, const __nv_bfloat16* up, int rows, int cols, long long ldg, long long ldu, long long ldo) { swiglu<__nv_bfloat16>(out, gate, up, rows, cols, ldg, ldu, ldo); }
      """)
  public interface Cuda {
    void kj_act_f32(Launch l, Ptr<F32> out, ConstPtr<F32> x, long n, int kind);

    void kj_act_f16(Launch l, Ptr<F16> out, ConstPtr<F16> x, long n, int kind);

    void kj_act_bf16(Launch l, Ptr<BF16> out, ConstPtr<BF16> x, long n, int kind);

    void kj_swiglu_f32(
        Launch l,
        Ptr<F32> out,
        ConstPtr<F32> gate,
        ConstPtr<F32> up,
        int rows,
        int cols,
        long ldg,
        long ldu,
        long ldo);

    void kj_swiglu_f16(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> gate,
        ConstPtr<F16> up,
        int rows,
        int cols,
        long ldg,
        long ldu,
        long ldo);

    void kj_swiglu_bf16(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> gate,
        ConstPtr<BF16> up,
        int rows,
        int cols,
        long ldg,
        long ldu,
        long ldo);
  }

  public static void activation(
      Cuda k, StreamRef stream, Kind kind, DType t, long out, long x, long n) {
    LaunchMath.requireFloating(name(kind), "x", t);
    LaunchMath.requireNonNegative(name(kind), "n", n);
    LaunchMath.requireAddress(name(kind), "out", out, t);
    LaunchMath.requireAddress(name(kind), "x", x, t);
    if (n == 0) {
      return;
    }
    Launch l = LaunchMath.elementwise(n, stream);
    switch (t) {
      case F32 -> k.kj_act_f32(l, ptr(out, F32.class), cptr(x, F32.class), n, kind.ordinal());
      case F16 -> k.kj_act_f16(l, ptr(out, F16.class), cptr(x, F16.class), n, kind.ordinal());
      default -> k.kj_act_bf16(l, ptr(out, BF16.class), cptr(x, BF16.class), n, kind.ordinal());
    }
  }

  public static void swiglu(
      Cuda k,
      StreamRef stream,
      DType t,
      long out,
      long gate,
      long up,
      int rows,
      int cols,
      long ldg,
      long ldu,
      long ldo) {
    LaunchMath.requireFloating("swiglu", "gate", t);
    LaunchMath.requireNonNegative("swiglu", "rows", rows);
    LaunchMath.requireNonNegative("swiglu", "cols", cols);
    if (ldg < cols || ldu < cols || ldo < cols) {
      throw new OpArgumentException(
          "swiglu",
          "row strides",
          "(" + ldg + ", " + ldu + ", " + ldo + ") must be >= cols " + cols);
    }
    LaunchMath.requireAddress("swiglu", "out", out, t);
    LaunchMath.requireAddress("swiglu", "gate", gate, t);
    LaunchMath.requireAddress("swiglu", "up", up, t);
    if (rows == 0 || cols == 0) {
      return;
    }
    Launch l = LaunchMath.elementwise((long) rows * cols, stream);
    switch (t) {
      case F32 ->
          k.kj_swiglu_f32(
              l,
              ptr(out, F32.class),
              cptr(gate, F32.class),
              cptr(up, F32.class),
              rows,
              cols,
              ldg,
              ldu,
              ldo);
      case F16 ->
          k.kj_swiglu_f16(
              l,
              ptr(out, F16.class),
              cptr(gate, F16.class),
              cptr(up, F16.class),
              rows,
              cols,
              ldg,
              ldu,
              ldo);
      default ->
          k.kj_swiglu_bf16(
              l,
              ptr(out, BF16.class),
              cptr(gate, BF16.class),
              cptr(up, BF16.class),
              rows,
              cols,
              ldg,
              ldu,
              ldo);
    }
  }

  /**
   * The activation in f32, as the kernel computes it (exp and erfc evaluated in f64, then
   * narrowed).
   */
  public static float activate(Kind kind, float x) {
    return switch (kind) {
      case SILU -> x / (1f + (float) Math.exp(-x));
      case GELU_TANH -> {
        float u = 0.7978845608028654f * (x + 0.044715f * x * x * x);
        yield x / (1f + (float) Math.exp(-2f * u));
      }
      case GELU_ERF -> 0.5f * x * (float) Erfc.erfc(-x * 0.7071067811865476);
    };
  }

  public static void activationReference(
      Kind kind, DType t, float[] out, int outOff, float[] x, int xOff, int n) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = DTypes.round(t, activate(kind, x[xOff + i]));
    }
  }

  public static void swigluReference(
      DType t,
      float[] out,
      int outOff,
      int ldo,
      float[] gate,
      int gOff,
      int ldg,
      float[] up,
      int uOff,
      int ldu,
      int rows,
      int cols) {
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        float a = gate[gOff + r * ldg + c];
        out[outOff + r * ldo + c] =
            DTypes.round(t, activate(Kind.SILU, a) * up[uOff + r * ldu + c]);
      }
    }
  }

  private static String name(Kind kind) {
    return switch (kind) {
      case SILU -> "silu";
      case GELU_TANH -> "geluTanh";
      case GELU_ERF -> "geluErf";
    };
  }
}
