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

      template <typename T, int OP>
      __global__ void kj_binary(T* out, const T* a, const T* b, long long n, long long bcols) { binary<T, OP>(out, a, b, n, bcols); }
      template <typename T>
      __global__ void kj_scale(T* out, const T* x, float s, long long n) { scale<T>(out, x, s, n); }
      """)
  public interface Cuda {
    @Global("kj_binary<float, 0>")
    void kj_add_f32(Launch l, Ptr<F32> out, ConstPtr<F32> a, ConstPtr<F32> b, long n, long bcols);

    @Global("kj_binary<__half, 0>")
    void kj_add_f16(Launch l, Ptr<F16> out, ConstPtr<F16> a, ConstPtr<F16> b, long n, long bcols);

    @Global("kj_binary<__nv_bfloat16, 0>")
    void kj_add_bf16(
        Launch l, Ptr<BF16> out, ConstPtr<BF16> a, ConstPtr<BF16> b, long n, long bcols);

    @Global("kj_binary<float, 1>")
    void kj_mul_f32(Launch l, Ptr<F32> out, ConstPtr<F32> a, ConstPtr<F32> b, long n, long bcols);

    @Global("kj_binary<__half, 1>")
    void kj_mul_f16(Launch l, Ptr<F16> out, ConstPtr<F16> a, ConstPtr<F16> b, long n, long bcols);

    @Global("kj_binary<__nv_bfloat16, 1>")
    void kj_mul_bf16(
        Launch l, Ptr<BF16> out, ConstPtr<BF16> a, ConstPtr<BF16> b, long n, long bcols);

    @Global("kj_scale<float>")
    void kj_scale_f32(Launch l, Ptr<F32> out, ConstPtr<F32> x, float s, long n);

    @Global("kj_scale<__half>")
    void kj_scale_f16(Launch l, Ptr<F16> out, ConstPtr<F16> x, float s, long n);

    @Global("kj_scale<__nv_bfloat16>")
    void kj_scale_bf16(Launch l, Ptr<BF16> out, ConstPtr<BF16> x, float s, long n);
  }

  @FunctionalInterface
  private interface BinaryFn<T extends Element> {
    void launch(Cuda k, Launch l, Ptr<T> out, ConstPtr<T> a, ConstPtr<T> b, long n, long bcols);
  }

  /** One instantiation of {@code kj_binary}. */
  private record BinaryKernel<T extends Element>(Class<T> t, BinaryFn<T> fn)
      implements Instantiations.OfElement {
    void launch(Cuda k, Launch l, Tensor out, Tensor a, Tensor b, long n, long bcols) {
      fn.launch(k, l, out.ptr(t), a.constPtr(t), b.constPtr(t), n, bcols);
    }
  }

  @FunctionalInterface
  private interface ScaleFn<T extends Element> {
    void launch(Cuda k, Launch l, Ptr<T> out, ConstPtr<T> x, float s, long n);
  }

  /** One instantiation of {@code kj_scale}. */
  private record ScaleKernel<T extends Element>(Class<T> t, ScaleFn<T> fn)
      implements Instantiations.OfElement {
    void launch(Cuda k, Launch l, Tensor out, Tensor x, float s, long n) {
      fn.launch(k, l, out.ptr(t), x.constPtr(t), s, n);
    }
  }

  private static final Instantiations<BinaryKernel<?>> ADD =
      Instantiations.of(
          "add",
          "out",
          new BinaryKernel<>(F32.class, Cuda::kj_add_f32),
          new BinaryKernel<>(F16.class, Cuda::kj_add_f16),
          new BinaryKernel<>(BF16.class, Cuda::kj_add_bf16));

  private static final Instantiations<BinaryKernel<?>> MUL =
      Instantiations.of(
          "mul",
          "out",
          new BinaryKernel<>(F32.class, Cuda::kj_mul_f32),
          new BinaryKernel<>(F16.class, Cuda::kj_mul_f16),
          new BinaryKernel<>(BF16.class, Cuda::kj_mul_bf16));

  private static final Instantiations<ScaleKernel<?>> SCALE =
      Instantiations.of(
          "scale",
          "out",
          new ScaleKernel<>(F32.class, Cuda::kj_scale_f32),
          new ScaleKernel<>(F16.class, Cuda::kj_scale_f16),
          new ScaleKernel<>(BF16.class, Cuda::kj_scale_bf16));

  /**
   * {@code out[i] = a[i] (op) b[bcols == 0 ? i : i % bcols]} on the device, for {@code i < n}.
   * {@code n} must be a multiple of {@code bcols} when broadcasting.
   */
  public static void binary(
      Cuda k, StreamRef stream, BinaryOp op, Tensor out, Tensor a, Tensor b, long n, long bcols) {
    String name = op == BinaryOp.ADD ? "add" : "mul";
    DType t = out.dtype();
    LaunchMath.requireFloating(name, "out", t);
    LaunchMath.requireNonNegative(name, "n", n);
    if (bcols < 0 || (bcols > 0 && n % bcols != 0)) {
      throw new OpArgumentException(
          name, "b", "broadcast row of " + bcols + " elements does not divide " + n + " elements");
    }
    LaunchMath.requireAddress(name, "out", out);
    LaunchMath.requireAddress(name, "a", a);
    LaunchMath.requireAddress(name, "b", b);
    if (n == 0) {
      return;
    }
    Launch l = LaunchMath.elementwise(n, BINARY_CHUNKS_PER_THREAD, stream);
    (op == BinaryOp.ADD ? ADD : MUL).get(t).launch(k, l, out, a, b, n, bcols);
  }

  /** {@code out[i] = x[i] * s} on the device. */
  public static void scale(Cuda k, StreamRef stream, Tensor out, Tensor x, float s, long n) {
    LaunchMath.requireFloating("scale", "out", out.dtype());
    LaunchMath.requireNonNegative("scale", "n", n);
    LaunchMath.requireAddress("scale", "out", out);
    LaunchMath.requireAddress("scale", "x", x);
    if (n == 0) {
      return;
    }
    SCALE.get(out.dtype()).launch(k, LaunchMath.elementwise(n, stream), out, x, s, n);
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
