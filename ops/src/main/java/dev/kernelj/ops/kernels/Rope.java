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
import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.Tensor;

/**
 * Rotary position embedding, in place, on {@code x [tokens, heads, headDim]} (token rows {@code
 * ldt} elements apart, heads {@code ldh} apart, dims contiguous). For pair {@code (a, b)} of
 * frequency {@code i} at position {@code p}: {@code angle = (float) p * invFreq[i]} in f32, {@code
 * a' = a cos - b sin}, {@code b' = b cos + a sin}, in f32, one rounding. Pairs are {@code (i, i +
 * rot/2)} (rotate-half) or {@code (2i, 2i + 1)} (interleaved); dims at and beyond {@code rotaryDim}
 * are left alone. The frequency table (scaling applied) comes from {@link
 * dev.kernelj.ops.RopeConfig#inverseFrequencies()}.
 *
 * <p>How it runs ({@link #vectorized}): when the rows are 16-byte aligned and {@code rotaryDim} is
 * a multiple of 16, each thread takes 8 pairs of one token (two 16-byte chunks of a head) for
 * {@value #HEADS_PER_THREAD} heads: it computes the 8 angles' sine and cosine once, loads all its
 * chunks, then rotates and stores them. Otherwise one thread per pair with scalar loads.
 */
public final class Rope {
  private Rope() {}

  @Kernel(
      source =
          CudaPrelude.PRELUDE
              + """
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

      namespace kj_rope {
      constexpr int HEADS = 4;   // Rope.HEADS_PER_THREAD

      /* Rotates the 8 pairs of one unit, held as two chunks of 8 elements in f32. */
      __device__ __forceinline__ void rotate(float (&a)[8], float (&b)[8], const float (&c)[8], const float (&s)[8], bool interleaved) {
        if (!interleaved) {
      #pragma unroll
          for (int e = 0; e < 8; ++e) {
            const float x = a[e], y = b[e];
            a[e] = __fsub_rn(__fmul_rn(x, c[e]), __fmul_rn(y, s[e]));
            b[e] = __fadd_rn(__fmul_rn(y, c[e]), __fmul_rn(x, s[e]));
          }
        } else {
      #pragma unroll
          for (int e = 0; e < 8; e += 2) {
            const int f = e / 2;          // a holds pairs 0..3 of the unit, b pairs 4..7
            float x = a[e], y = a[e + 1];
            a[e] = __fsub_rn(__fmul_rn(x, c[f]), __fmul_rn(y, s[f]));
            a[e + 1] = __fadd_rn(__fmul_rn(y, c[f]), __fmul_rn(x, s[f]));
            x = b[e]; y = b[e + 1];
            b[e] = __fsub_rn(__fmul_rn(x, c[f + 4]), __fmul_rn(y, s[f + 4]));
            b[e + 1] = __fadd_rn(__fmul_rn(y, c[f + 4]), __fmul_rn(x, s[f + 4]));
          }
        }
      }

      /* One thread: unit u (8 pairs, frequencies 8u..8u+7) of token t for heads [HEADS*g, HEADS*g + HEADS).
         Rotate-half: chunk a = dims [8u, 8u+8), b = [half + 8u, ...). Interleaved: a = [16u, 16u+8), b = the next 8. */
      template <typename T>
      __device__ __forceinline__ void rope_vec(T* x, const int* positions, const float* inv_freq, int tokens, int heads,
                                               int rotary_dim, long long ldt, long long ldh, int interleaved) {
        const unsigned units = rotary_dim / 16, groups = (heads + HEADS - 1) / HEADS;
        const unsigned idx = blockIdx.x * blockDim.x + threadIdx.x;
        if (idx >= (unsigned)tokens * groups * units) return;
        const unsigned u = idx % units, rest = idx / units, g = rest % groups, t = rest / groups;
        const int half = rotary_dim / 2;
        const int off_a = interleaved ? 16 * u : 8 * u;
        const int off_b = interleaved ? 16 * u + 8 : half + 8 * u;
        const float pos = (float)positions[t];
        float c[8], s[8];
      #pragma unroll
        for (int e = 0; e < 8; ++e) sincosf(__fmul_rn(pos, inv_freq[8 * u + e]), &s[e], &c[e]);
        T* token = x + (long long)t * ldt;
        float a[HEADS][8], b[HEADS][8];
      #pragma unroll
        for (int k = 0; k < HEADS; ++k) {
          const int h = g * HEADS + k;
          if (h < heads) {
            kj::load8(token + h * ldh + off_a, a[k]);
            kj::load8(token + h * ldh + off_b, b[k]);
          }
        }
      #pragma unroll
        for (int k = 0; k < HEADS; ++k) {
          const int h = g * HEADS + k;
          if (h < heads) {
            rotate(a[k], b[k], c, s, interleaved);
            kj::store8(token + h * ldh + off_a, a[k]);
            kj::store8(token + h * ldh + off_b, b[k]);
          }
        }
      }
      }  // namespace kj_rope

      template <typename T>
      __global__ void kj_rope_scalar(T* x, const int* positions, const float* inv_freq, int tokens, int heads, int rotary_dim, long long ldt, long long ldh, int interleaved) { rope<T>(x, positions, inv_freq, tokens, heads, rotary_dim, ldt, ldh, interleaved); }
      template <typename T>
      __global__ void kj_rope_vec(T* x, const int* positions, const float* inv_freq, int tokens, int heads, int rotary_dim, long long ldt, long long ldh, int interleaved) { kj_rope::rope_vec<T>(x, positions, inv_freq, tokens, heads, rotary_dim, ldt, ldh, interleaved); }
      """)
  public interface Cuda {
    @Global("kj_rope_scalar<float>")
    void kj_rope_f32(
        Launch l,
        Ptr<F32> x,
        ConstPtr<I32> positions,
        ConstPtr<F32> invFreq,
        int tokens,
        int heads,
        int rotaryDim,
        long ldt,
        long ldh,
        int interleaved);

    @Global("kj_rope_scalar<__half>")
    void kj_rope_f16(
        Launch l,
        Ptr<F16> x,
        ConstPtr<I32> positions,
        ConstPtr<F32> invFreq,
        int tokens,
        int heads,
        int rotaryDim,
        long ldt,
        long ldh,
        int interleaved);

    @Global("kj_rope_scalar<__nv_bfloat16>")
    void kj_rope_bf16(
        Launch l,
        Ptr<BF16> x,
        ConstPtr<I32> positions,
        ConstPtr<F32> invFreq,
        int tokens,
        int heads,
        int rotaryDim,
        long ldt,
        long ldh,
        int interleaved);

    @Global("kj_rope_vec<float>")
    void kj_rope_vec_f32(
        Launch l,
        Ptr<F32> x,
        ConstPtr<I32> positions,
        ConstPtr<F32> invFreq,
        int tokens,
        int heads,
        int rotaryDim,
        long ldt,
        long ldh,
        int interleaved);

    @Global("kj_rope_vec<__half>")
    void kj_rope_vec_f16(
        Launch l,
        Ptr<F16> x,
        ConstPtr<I32> positions,
        ConstPtr<F32> invFreq,
        int tokens,
        int heads,
        int rotaryDim,
        long ldt,
        long ldh,
        int interleaved);

    @Global("kj_rope_vec<__nv_bfloat16>")
    void kj_rope_vec_bf16(
        Launch l,
        Ptr<BF16> x,
        ConstPtr<I32> positions,
        ConstPtr<F32> invFreq,
        int tokens,
        int heads,
        int rotaryDim,
        long ldt,
        long ldh,
        int interleaved);
  }

  @FunctionalInterface
  private interface RopeFn<T extends Element> {
    void launch(
        Cuda k,
        Launch l,
        Ptr<T> x,
        ConstPtr<I32> positions,
        ConstPtr<F32> invFreq,
        int tokens,
        int heads,
        int rotaryDim,
        long ldt,
        long ldh,
        int interleaved);
  }

  /** One instantiation of {@code kj_rope_scalar} or {@code kj_rope_vec}. */
  private record RopeKernel<T extends Element>(Class<T> t, RopeFn<T> fn)
      implements Instantiations.OfElement {
    void launch(
        Cuda k,
        Launch l,
        Tensor x,
        Tensor positions,
        Tensor invFreq,
        int tokens,
        int heads,
        int rotaryDim,
        long ldt,
        long ldh,
        int interleaved) {
      fn.launch(
          k,
          l,
          x.ptr(t),
          positions.constPtr(I32.class),
          invFreq.constPtr(F32.class),
          tokens,
          heads,
          rotaryDim,
          ldt,
          ldh,
          interleaved);
    }
  }

  private static final Instantiations<RopeKernel<?>> ROPE =
      Instantiations.of(
          "rope",
          "x",
          new RopeKernel<>(F32.class, Cuda::kj_rope_f32),
          new RopeKernel<>(F16.class, Cuda::kj_rope_f16),
          new RopeKernel<>(BF16.class, Cuda::kj_rope_bf16));

  private static final Instantiations<RopeKernel<?>> VECTOR_ROPE =
      Instantiations.of(
          "rope",
          "x",
          new RopeKernel<>(F32.class, Cuda::kj_rope_vec_f32),
          new RopeKernel<>(F16.class, Cuda::kj_rope_vec_f16),
          new RopeKernel<>(BF16.class, Cuda::kj_rope_vec_bf16));

  /**
   * Heads one thread of the vectorized kernel rotates with the same sines and cosines ({@code
   * HEADS} in the CUDA C).
   */
  public static final int HEADS_PER_THREAD = 4;

  /** Threads per block of the vectorized kernel. */
  public static final int VECTOR_BLOCK = 128;

  /**
   * Whether the vectorized kernel applies: x 16-byte aligned, token and head strides multiples of 8
   * elements, {@code rotaryDim} a multiple of 16, and the thread count within 32 bits.
   */
  public static boolean vectorized(
      long x, int tokens, int heads, int rotaryDim, long ldt, long ldh) {
    long threads =
        (long) tokens * ((heads + HEADS_PER_THREAD - 1) / HEADS_PER_THREAD) * (rotaryDim / 16);
    return x % 16 == 0
        && ldt % 8 == 0
        && ldh % 8 == 0
        && rotaryDim % 16 == 0
        && threads < Integer.MAX_VALUE;
  }

  /**
   * @param invFreq {@code rotaryDim / 2} f32 inverse frequencies
   * @param positions {@code tokens} i32 positions
   */
  public static void rope(
      Cuda k,
      StreamRef stream,
      Tensor x,
      Tensor positions,
      Tensor invFreq,
      int tokens,
      int heads,
      int headDim,
      int rotaryDim,
      long ldt,
      long ldh,
      boolean interleaved) {
    LaunchMath.requireFloating("rope", "x", x.dtype());
    LaunchMath.requireNonNegative("rope", "tokens", tokens);
    LaunchMath.requireNonNegative("rope", "heads", heads);
    if (rotaryDim <= 0 || rotaryDim % 2 != 0 || rotaryDim > headDim) {
      throw new OpArgumentException(
          "rope", "rotaryDim", rotaryDim + " must be even and in (0, headDim " + headDim + "]");
    }
    if (ldh < headDim || (heads > 1 && ldt < (long) heads * ldh) || (heads == 1 && ldt < headDim)) {
      throw new OpArgumentException(
          "rope",
          "x",
          "strides (token " + ldt + ", head " + ldh + ") overlap heads of " + headDim + " dims");
    }
    LaunchMath.requireAddress("rope", "x", x);
    LaunchMath.requireAddress("rope", "positions", positions);
    LaunchMath.requireAddress("rope", "invFreq", invFreq);
    long pairs = (long) tokens * heads * (rotaryDim / 2);
    if (pairs == 0) {
      return;
    }
    int il = interleaved ? 1 : 0;
    if (vectorized(x.address(), tokens, heads, rotaryDim, ldt, ldh)) {
      long threads =
          (long) tokens * ((heads + HEADS_PER_THREAD - 1) / HEADS_PER_THREAD) * (rotaryDim / 16);
      Launch l =
          Launch.grid((int) ((threads + VECTOR_BLOCK - 1) / VECTOR_BLOCK))
              .block(VECTOR_BLOCK)
              .on(stream);
      VECTOR_ROPE
          .get(x.dtype())
          .launch(k, l, x, positions, invFreq, tokens, heads, rotaryDim, ldt, ldh, il);
      return;
    }
    Launch l =
        Launch.grid((int) Math.min(Launch.blocksFor(pairs, 256), 8192)).block(256).on(stream);
    ROPE.get(x.dtype()).launch(k, l, x, positions, invFreq, tokens, heads, rotaryDim, ldt, ldh, il);
  }

  /**
   * Reference twin: the same f32 angle and products; sin/cos of that f32 angle in f64, narrowed.
   */
  public static void ropeReference(
      DType t,
      float[] x,
      int xOff,
      int[] positions,
      int posOff,
      float[] invFreq,
      int tokens,
      int heads,
      int rotaryDim,
      int ldt,
      int ldh,
      boolean interleaved) {
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
