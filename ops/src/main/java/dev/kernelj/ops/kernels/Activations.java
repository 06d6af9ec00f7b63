package dev.kernelj.ops.kernels;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.Element;
import dev.kernelj.dsl.F16;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Global;
import dev.kernelj.dsl.Kernel;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.DTypes;
import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.Tensor;

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
        KJ_GRID_WAIT();  // launched to overlap the kernel before (programmatic dependent launch)
        KJ_GRID_LAUNCH_DEPENDENTS();
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

      template <typename T>
      __global__ void kj_act(T* out, const T* x, long long n, int kind) { unary<T>(out, x, n, kind); }
      template <typename T>
      __global__ void kj_swiglu(T* out, const T* gate, const T* up, int rows, int cols, long long ldg, long long ldu, long long ldo) { swiglu<T>(out, gate, up, rows, cols, ldg, ldu, ldo); }
      """)
  public interface Cuda {
    @Global("kj_act<float>")
    void kj_act_f32(Launch l, Ptr<F32> out, ConstPtr<F32> x, long n, int kind);

    @Global("kj_act<__half>")
    void kj_act_f16(Launch l, Ptr<F16> out, ConstPtr<F16> x, long n, int kind);

    @Global("kj_act<__nv_bfloat16>")
    void kj_act_bf16(Launch l, Ptr<BF16> out, ConstPtr<BF16> x, long n, int kind);

    @Global("kj_swiglu<float>")
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

    @Global("kj_swiglu<__half>")
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

    @Global("kj_swiglu<__nv_bfloat16>")
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

  @FunctionalInterface
  private interface ActFn<T extends Element> {
    void launch(Cuda k, Launch l, Ptr<T> out, ConstPtr<T> x, long n, int kind);
  }

  /** One instantiation of {@code kj_act}. */
  private record ActKernel<T extends Element>(Class<T> t, ActFn<T> fn)
      implements Instantiations.OfElement {
    void launch(Cuda k, Launch l, Tensor out, Tensor x, long n, Kind kind) {
      fn.launch(k, l, out.ptr(t), x.constPtr(t), n, kind.ordinal());
    }
  }

  @FunctionalInterface
  private interface SwigluFn<T extends Element> {
    void launch(
        Cuda k,
        Launch l,
        Ptr<T> out,
        ConstPtr<T> gate,
        ConstPtr<T> up,
        int rows,
        int cols,
        long ldg,
        long ldu,
        long ldo);
  }

  /** One instantiation of {@code kj_swiglu}. */
  private record SwigluKernel<T extends Element>(Class<T> t, SwigluFn<T> fn)
      implements Instantiations.OfElement {
    void launch(
        Cuda k,
        Launch l,
        Tensor out,
        Tensor gate,
        Tensor up,
        int rows,
        int cols,
        long ldg,
        long ldu,
        long ldo) {
      fn.launch(k, l, out.ptr(t), gate.constPtr(t), up.constPtr(t), rows, cols, ldg, ldu, ldo);
    }
  }

  private static final Instantiations<ActKernel<?>> ACTIVATIONS =
      Instantiations.of(
          "activation",
          "x",
          new ActKernel<>(F32.class, Cuda::kj_act_f32),
          new ActKernel<>(F16.class, Cuda::kj_act_f16),
          new ActKernel<>(BF16.class, Cuda::kj_act_bf16));

  private static final Instantiations<SwigluKernel<?>> SWIGLU =
      Instantiations.of(
          "swiglu",
          "gate",
          new SwigluKernel<>(F32.class, Cuda::kj_swiglu_f32),
          new SwigluKernel<>(F16.class, Cuda::kj_swiglu_f16),
          new SwigluKernel<>(BF16.class, Cuda::kj_swiglu_bf16));

  /** {@code out[i] = kind(x[i])} for the first {@code n} elements. */
  public static void activation(Cuda k, StreamRef stream, Kind kind, Tensor out, Tensor x, long n) {
    LaunchMath.requireFloating(name(kind), "x", x.dtype());
    LaunchMath.requireNonNegative(name(kind), "n", n);
    LaunchMath.requireAddress(name(kind), "out", out);
    LaunchMath.requireAddress(name(kind), "x", x);
    if (n == 0) {
      return;
    }
    ACTIVATIONS.get(x.dtype()).launch(k, LaunchMath.elementwise(n, stream), out, x, n, kind);
  }

  /** {@code out = silu(gate) * up} over {@code rows} rows of {@code cols}, each strided. */
  public static void swiglu(
      Cuda k,
      StreamRef stream,
      Tensor out,
      Tensor gate,
      Tensor up,
      int rows,
      int cols,
      long ldg,
      long ldu,
      long ldo) {
    LaunchMath.requireFloating("swiglu", "gate", gate.dtype());
    LaunchMath.requireNonNegative("swiglu", "rows", rows);
    LaunchMath.requireNonNegative("swiglu", "cols", cols);
    if (ldg < cols || ldu < cols || ldo < cols) {
      throw new OpArgumentException(
          "swiglu",
          "row strides",
          "(" + ldg + ", " + ldu + ", " + ldo + ") must be >= cols " + cols);
    }
    LaunchMath.requireAddress("swiglu", "out", out);
    LaunchMath.requireAddress("swiglu", "gate", gate);
    LaunchMath.requireAddress("swiglu", "up", up);
    if (rows == 0 || cols == 0) {
      return;
    }
    Launch l = LaunchMath.elementwise((long) rows * cols, stream).overlappingPrevious();
    SWIGLU.get(gate.dtype()).launch(k, l, out, gate, up, rows, cols, ldg, ldu, ldo);
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
