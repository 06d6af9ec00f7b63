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
import dev.kernelj.ops.OpArgumentException;

/**
 * Rotary position embedding, in place, on {@code x [tokens, heads, headDim]} (token rows
 * {@code ldt} elements apart, heads {@code ldh} apart, dims contiguous). For pair {@code (a, b)} of
 * frequency {@code i} at position {@code p}: {@code angle = (float) p * invFreq[i]} in f32,
 * {@code a' = a cos - b sin}, {@code b' = b cos + a sin}, in f32, one rounding. Pairs are
 * {@code (i, i + rot/2)} (rotate-half) or {@code (2i, 2i + 1)} (interleaved); dims at and beyond
 * {@code rotaryDim} are left alone. The frequency table (scaling applied) comes from
 * {@link dev.kernelj.ops.RopeConfig#inverseFrequencies()}.
 */
public final class Rope {
  private Rope() {}

  @Kernel(source = CudaPrelude.PRELUDE + """
      template <typename T>
      __device__ __forceinline__ void rope(T* x, const int* positions, const float* inv_freq, int tokens, int heads,
                                           int rotary_dim, long long ldt, long long ldh, int interleaved) {
        const int half = rotary_dim / 2;
        const long long total = (long long)tokens * heads * half;
        const long long stride = (long long)gridDim.x * blockDim.x;
        for (long long p = blockIdx.x * (long long)blockDim.x + threadIdx.x; p < total; p += stride) {
          const int i = (int)(p % half);
          const long long th = p / half;
          const int h = (int)(th % heads);
          const int t = (int)(th / heads);
          T* head = x + t * ldt + h * ldh;
          const int ia = interleaved ? 2 * i : i;
          const int ib = interleaved ? 2 * i + 1 : i + half;
          float s, c;
          sincosf(__fmul_rn((float)positions[t], inv_freq[i]), &s, &c);
          const float a = kj::to_f32(head[ia]), b = kj::to_f32(head[ib]);
          head[ia] = kj::from_f32<T>(__fsub_rn(__fmul_rn(a, c), __fmul_rn(b, s)));
          head[ib] = kj::from_f32<T>(__fadd_rn(__fmul_rn(b, c), __fmul_rn(a, s)));
        }
      }

      extern "C" __global__ void kj_rope_f32(float* x, const int* positions, const float* inv_freq, int tokens, int heads, int rotary_dim, long long ldt, long long ldh, int interleaved) { rope<float>(x, positions, inv_freq, tokens, heads, rotary_dim, ldt, ldh, interleaved); }
      extern "C" __global__ void kj_rope_f16(__half* x, const int* positions, const float* inv_freq, int tokens, int heads, int rotary_dim, long long ldt, long long ldh, int interleaved) { rope<__half>(x, positions, inv_freq, tokens, heads, rotary_dim, ldt, ldh, interleaved); }
      extern "C" __global__ void kj_rope_bf16(__nv_bfloat16* x, const int* positions, const float* inv_freq, int tokens, int heads, int rotary_dim, long long ldt, long long ldh, int interleaved) { rope<__nv_bfloat16>(x, positions, inv_freq, tokens, heads, rotary_dim, ldt, ldh, interleaved); }
      """)
  public interface Cuda {
    void kj_rope_f32(Launch l, Ptr<F32> x, ConstPtr<I32> positions, ConstPtr<F32> invFreq, int tokens, int heads, int rotaryDim, long ldt, long ldh, int interleaved);
    void kj_rope_f16(Launch l, Ptr<F16> x, ConstPtr<I32> positions, ConstPtr<F32> invFreq, int tokens, int heads, int rotaryDim, long ldt, long ldh, int interleaved);
    void kj_rope_bf16(Launch l, Ptr<BF16> x, ConstPtr<I32> positions, ConstPtr<F32> invFreq, int tokens, int heads, int rotaryDim, long ldt, long ldh, int interleaved);
  }

  /**
   * @param invFreq device address of {@code rotaryDim / 2} f32 inverse frequencies
   * @param positions device address of {@code tokens} i32 positions
   */
  public static void rope(Cuda k, StreamRef stream, DType t, long x, long positions, long invFreq, int tokens, int heads,
      int headDim, int rotaryDim, long ldt, long ldh, boolean interleaved) {
    LaunchMath.requireFloating("rope", "x", t);
    LaunchMath.requireNonNegative("rope", "tokens", tokens);
    LaunchMath.requireNonNegative("rope", "heads", heads);
    if (rotaryDim <= 0 || rotaryDim % 2 != 0 || rotaryDim > headDim) {
      throw new OpArgumentException("rope", "rotaryDim", rotaryDim + " must be even and in (0, headDim " + headDim + "]");
    }
    if (ldh < headDim || (heads > 1 && ldt < (long) heads * ldh) || (heads == 1 && ldt < headDim)) {
      throw new OpArgumentException("rope", "x", "strides (token " + ldt + ", head " + ldh + ") overlap heads of " + headDim + " dims");
    }
    LaunchMath.requireAddress("rope", "x", x, t);
    LaunchMath.requireAddress("rope", "positions", positions, DType.I32);
    LaunchMath.requireAddress("rope", "invFreq", invFreq, DType.F32);
    long pairs = (long) tokens * heads * (rotaryDim / 2);
    if (pairs == 0) {
      return;
    }
    Launch l = Launch.grid((int) Math.min(Launch.blocksFor(pairs, 256), 8192)).block(256).on(stream);
    int il = interleaved ? 1 : 0;
    switch (t) {
      case F32 -> k.kj_rope_f32(l, ptr(x, F32.class), cptr(positions, I32.class), cptr(invFreq, F32.class), tokens, heads, rotaryDim, ldt, ldh, il);
      case F16 -> k.kj_rope_f16(l, ptr(x, F16.class), cptr(positions, I32.class), cptr(invFreq, F32.class), tokens, heads, rotaryDim, ldt, ldh, il);
      default -> k.kj_rope_bf16(l, ptr(x, BF16.class), cptr(positions, I32.class), cptr(invFreq, F32.class), tokens, heads, rotaryDim, ldt, ldh, il);
    }
  }

  /** Reference twin: the same f32 angle and products; sin/cos of that f32 angle in f64, narrowed. */
  public static void ropeReference(DType t, float[] x, int xOff, int[] positions, int posOff, float[] invFreq,
      int tokens, int heads, int rotaryDim, int ldt, int ldh, boolean interleaved) {
    int half = rotaryDim / 2;
    for (int tok = 0; tok < tokens; tok++) {
      for (int h = 0; h < heads; h++) {
        int base = xOff + tok * ldt + h * ldh;
        for (int i = 0; i < half; i++) {
          int ia = base + (interleaved ? 2 * i : i);
          int ib = base + (interleaved ? 2 * i + 1 : i + half);
          float angle = (float) positions[posOff + tok] * invFreq[i];
          float c = (float) Math.cos(angle);
          float s = (float) Math.sin(angle);
          float a = x[ia];
          float b = x[ib];
          x[ia] = DTypes.round(t, a * c - b * s);
          x[ib] = DTypes.round(t, b * c + a * s);
        }
      }
    }
  }
}
