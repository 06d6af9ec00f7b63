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
import java.util.List;

/**
 * Conversions between f32, f16 and bf16: widen to f32 exactly, then round to nearest even into the
 * output type (f16 overflow gives infinity, NaN stays NaN). f16 to bf16 goes through f32, which is
 * exact on the way in, so it is a single rounding.
 */
public final class Casts {
  private Casts() {}

  @Kernel(
      source =
          CudaPrelude.PRELUDE
              + """
      template <typename TI, typename TO>
      __device__ __forceinline__ void cast(TO* out, const TI* in, long long n) {
        const long long tid = blockIdx.x * (long long)blockDim.x + threadIdx.x;
        const long long stride = (long long)gridDim.x * blockDim.x;
        long long done = 0;
        if (kj::aligned16(out) && kj::aligned16(in)) {
          const long long groups = n / 8;
          for (long long g = tid; g < groups; g += stride) {
            float v[8];
            kj::load8(in + g * 8, v);
            kj::store8(out + g * 8, v);
          }
          done = groups * 8;
        }
        for (long long i = done + tid; i < n; i += stride) out[i] = kj::from_f32<TO>(kj::to_f32(in[i]));
      }

      template <typename TI, typename TO>
      __global__ void kj_cast(TO* out, const TI* in, long long n) { cast<TI, TO>(out, in, n); }
      """)
  public interface Cuda {
    @Global("kj_cast<float, __half>")
    void kj_cast_f32_f16(Launch l, Ptr<F16> out, ConstPtr<F32> in, long n);

    @Global("kj_cast<float, __nv_bfloat16>")
    void kj_cast_f32_bf16(Launch l, Ptr<BF16> out, ConstPtr<F32> in, long n);

    @Global("kj_cast<__half, float>")
    void kj_cast_f16_f32(Launch l, Ptr<F32> out, ConstPtr<F16> in, long n);

    @Global("kj_cast<__half, __nv_bfloat16>")
    void kj_cast_f16_bf16(Launch l, Ptr<BF16> out, ConstPtr<F16> in, long n);

    @Global("kj_cast<__nv_bfloat16, float>")
    void kj_cast_bf16_f32(Launch l, Ptr<F32> out, ConstPtr<BF16> in, long n);

    @Global("kj_cast<__nv_bfloat16, __half>")
    void kj_cast_bf16_f16(Launch l, Ptr<F16> out, ConstPtr<BF16> in, long n);
  }

  /** A {@code kj_cast} launcher method of input element {@code I} and output element {@code O}. */
  @FunctionalInterface
  private interface CastFn<I extends Element, O extends Element> {
    void launch(Cuda k, Launch l, Ptr<O> out, ConstPtr<I> in, long n);
  }

  /** One instantiation of {@code kj_cast}. */
  private record CastKernel<I extends Element, O extends Element>(
      Class<I> in, Class<O> out, CastFn<I, O> fn) implements Instantiations.Entry {
    @Override
    public List<DType> dtypes() {
      return List.of(DType.of(in), DType.of(out));
    }

    void launch(Cuda k, Launch l, Tensor outTensor, Tensor inTensor, long n) {
      fn.launch(k, l, outTensor.ptr(out), inTensor.constPtr(in), n);
    }
  }

  private static final Instantiations<CastKernel<?, ?>> CASTS =
      Instantiations.of(
          "cast",
          "in,out",
          new CastKernel<>(F32.class, F16.class, Cuda::kj_cast_f32_f16),
          new CastKernel<>(F32.class, BF16.class, Cuda::kj_cast_f32_bf16),
          new CastKernel<>(F16.class, F32.class, Cuda::kj_cast_f16_f32),
          new CastKernel<>(F16.class, BF16.class, Cuda::kj_cast_f16_bf16),
          new CastKernel<>(BF16.class, F32.class, Cuda::kj_cast_bf16_f32),
          new CastKernel<>(BF16.class, F16.class, Cuda::kj_cast_bf16_f16));

  /**
   * Converts the first {@code n} elements of {@code in} into {@code out} on the device. Same-type
   * casts are the caller's copy, not a kernel.
   */
  public static void cast(Cuda k, StreamRef stream, Tensor out, Tensor in, long n) {
    DType from = in.dtype();
    DType to = out.dtype();
    LaunchMath.requireFloating("cast", "in", from);
    LaunchMath.requireFloating("cast", "out", to);
    if (from == to) {
      throw new OpArgumentException(
          "cast", "out", "has the input's dtype " + from + "; use a copy");
    }
    LaunchMath.requireNonNegative("cast", "n", n);
    LaunchMath.requireAddress("cast", "out", out);
    LaunchMath.requireAddress("cast", "in", in);
    if (n == 0) {
      return;
    }
    CASTS.get(from, to).launch(k, LaunchMath.elementwise(n, stream), out, in, n);
  }

  /**
   * Reference twin of {@link #cast}: host values are already exact in {@code from}, so one rounding
   * to {@code to}.
   */
  public static void castReference(
      DType to, float[] out, int outOff, float[] in, int inOff, int n) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = DTypes.round(to, in[inOff + i]);
    }
  }
}
