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

      extern "C" __global__ void kj_cast_f32_f16(__half* out, const float* in, long long n) { cast<float, __half>(out, in, n); }
      extern "C" __global__ void kj_cast_f32_bf16(__nv_bfloat16* out, const float* in, long long n) { cast<float, __nv_bfloat16>(out, in, n); }
      extern "C" __global__ void kj_cast_f16_f32(float* out, const __half* in, long long n) { cast<__half, float>(out, in, n); }
      extern "C" __global__ void kj_cast_f16_bf16(__nv_bfloat16* out, const __half* in, long long n) { cast<__half, __nv_bfloat16>(out, in, n); }
      extern "C" __global__ void kj_cast_bf16_f32(float* out, const __nv_bfloat16* in, long long n) { cast<__nv_bfloat16, float>(out, in, n); }
      extern "C" __global__ void kj_cast_bf16_f16(__half* out, const __nv_bfloat16* in, long long n) { cast<__nv_bfloat16, __half>(out, in, n); }
      """)
  public interface Cuda {
    void kj_cast_f32_f16(Launch l, Ptr<F16> out, ConstPtr<F32> in, long n);

    void kj_cast_f32_bf16(Launch l, Ptr<BF16> out, ConstPtr<F32> in, long n);

    void kj_cast_f16_f32(Launch l, Ptr<F32> out, ConstPtr<F16> in, long n);

    void kj_cast_f16_bf16(Launch l, Ptr<BF16> out, ConstPtr<F16> in, long n);

    void kj_cast_bf16_f32(Launch l, Ptr<F32> out, ConstPtr<BF16> in, long n);

    void kj_cast_bf16_f16(Launch l, Ptr<F16> out, ConstPtr<BF16> in, long n);
  }

  /**
   * Converts {@code n} elements from {@code from} to {@code to} on the device. Same-type casts are
   * the caller's copy, not a kernel.
   */
  public static void cast(
      Cuda k, StreamRef stream, DType from, DType to, long out, long in, long n) {
    LaunchMath.requireFloating("cast", "in", from);
    LaunchMath.requireFloating("cast", "out", to);
    if (from == to) {
      throw new OpArgumentException(
          "cast", "out", "has the input's dtype " + from + "; use a copy");
    }
    LaunchMath.requireNonNegative("cast", "n", n);
    LaunchMath.requireAddress("cast", "out", out, to);
    LaunchMath.requireAddress("cast", "in", in, from);
    if (n == 0) {
      return;
    }
    Launch l = LaunchMath.elementwise(n, stream);
    switch (from.name() + ">" + to.name()) {
      case "F32>F16" -> k.kj_cast_f32_f16(l, ptr(out, F16.class), cptr(in, F32.class), n);
      case "F32>BF16" -> k.kj_cast_f32_bf16(l, ptr(out, BF16.class), cptr(in, F32.class), n);
      case "F16>F32" -> k.kj_cast_f16_f32(l, ptr(out, F32.class), cptr(in, F16.class), n);
      case "F16>BF16" -> k.kj_cast_f16_bf16(l, ptr(out, BF16.class), cptr(in, F16.class), n);
      case "BF16>F32" -> k.kj_cast_bf16_f32(l, ptr(out, F32.class), cptr(in, BF16.class), n);
      default -> k.kj_cast_bf16_f16(l, ptr(out, F16.class), cptr(in, BF16.class), n);
    }
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
