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
 * The step between a fused q/k/v projection and decode attention, in one launch: RoPE on the q and
 * k heads of {@code qkv [tokens, heads + 2 * kvHeads, headDim]} (token rows {@code ldt} elements
 * apart, heads contiguous), the roped q into a contiguous {@code qOut [tokens, heads, headDim]},
 * the roped k and the v heads into the paged caches {@code [slots, kvHeads, headDim]} at {@code
 * slots[t]} (negative or past the cache: not written, as {@code kvAppend}). It replaces two {@link
 * Rope} launches and a {@code kvAppend}, and computes what they compute: the same f32 angle,
 * products and one rounding per element.
 *
 * <p>One thread per output element; each finds its rotation partner in the same head, so the kernel
 * needs no alignment and takes both pair layouts and partial rotary dims. It is launched to overlap
 * the projection before it ({@link Launch#overlappingPrevious}) and waits for it first.
 */
public final class RopeKvAppend {
  private RopeKvAppend() {}

  /** Threads per block. */
  static final int BLOCK = 256;

  @Kernel(
      source =
          CudaPrelude.PRELUDE
              + """
      template <typename T>
      __device__ __forceinline__ void rope_kv_append(T* q_out, T* k_cache, T* v_cache, const T* qkv, const int* positions,
                                                     const int* slots, const float* inv_freq, int tokens, int heads, int kv_heads,
                                                     int head_dim, int rotary_dim, long long ldt, long long cache_slots,
                                                     int interleaved) {
        const int width = (heads + 2 * kv_heads) * head_dim, half = rotary_dim / 2;
        const long long total = (long long)tokens * width;
        const long long stride = (long long)gridDim.x * blockDim.x;
        KJ_GRID_WAIT();
        KJ_GRID_LAUNCH_DEPENDENTS();
        for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += stride) {
          const int t = (int)(i / width), e = (int)(i % width);
          const int h = e / head_dim, d = e % head_dim;
          const T* head = qkv + t * ldt + (long long)h * head_dim;
          float v = kj::to_f32(head[d]);
          if (h < heads + kv_heads && d < rotary_dim) {
            const bool first = interleaved ? (d & 1) == 0 : d < half;
            const int f = interleaved ? d / 2 : (first ? d : d - half);
            const int partner = interleaved ? (first ? d + 1 : d - 1) : (first ? d + half : d - half);
            float s, c;
            sincosf(__fmul_rn((float)positions[t], inv_freq[f]), &s, &c);
            const float p = kj::to_f32(head[partner]);
            v = first ? __fsub_rn(__fmul_rn(v, c), __fmul_rn(p, s)) : __fadd_rn(__fmul_rn(v, c), __fmul_rn(p, s));
          }
          const T r = kj::from_f32<T>(v);
          if (h < heads) {
            q_out[((long long)t * heads + h) * head_dim + d] = r;
          } else {
            const long long slot = slots[t];
            if (slot >= 0 && slot < cache_slots) {
              const bool is_k = h < heads + kv_heads;
              const int kh = is_k ? h - heads : h - heads - kv_heads;
              (is_k ? k_cache : v_cache)[(slot * kv_heads + kh) * head_dim + d] = r;
            }
          }
        }
      }

      template <typename T>
      __global__ void kj_rope_kv_append(T* q_out, T* k_cache, T* v_cache, const T* qkv, const int* positions, const int* slots, const float* inv_freq, int tokens, int heads, int kv_heads, int head_dim, int rotary_dim, long long ldt, long long cache_slots, int interleaved) { rope_kv_append<T>(q_out, k_cache, v_cache, qkv, positions, slots, inv_freq, tokens, heads, kv_heads, head_dim, rotary_dim, ldt, cache_slots, interleaved); }
      """)
  public interface Cuda {
    @Global("kj_rope_kv_append<float>")
    void kj_rope_kv_append_f32(
        Launch l,
        Ptr<F32> qOut,
        Ptr<F32> kCache,
        Ptr<F32> vCache,
        ConstPtr<F32> qkv,
        ConstPtr<I32> positions,
        ConstPtr<I32> slots,
        ConstPtr<F32> invFreq,
        int tokens,
        int heads,
        int kvHeads,
        int headDim,
        int rotaryDim,
        long ldt,
        long cacheSlots,
        int interleaved);

    @Global("kj_rope_kv_append<__half>")
    void kj_rope_kv_append_f16(
        Launch l,
        Ptr<F16> qOut,
        Ptr<F16> kCache,
        Ptr<F16> vCache,
        ConstPtr<F16> qkv,
        ConstPtr<I32> positions,
        ConstPtr<I32> slots,
        ConstPtr<F32> invFreq,
        int tokens,
        int heads,
        int kvHeads,
        int headDim,
        int rotaryDim,
        long ldt,
        long cacheSlots,
        int interleaved);

    @Global("kj_rope_kv_append<__nv_bfloat16>")
    void kj_rope_kv_append_bf16(
        Launch l,
        Ptr<BF16> qOut,
        Ptr<BF16> kCache,
        Ptr<BF16> vCache,
        ConstPtr<BF16> qkv,
        ConstPtr<I32> positions,
        ConstPtr<I32> slots,
        ConstPtr<F32> invFreq,
        int tokens,
        int heads,
        int kvHeads,
        int headDim,
        int rotaryDim,
        long ldt,
        long cacheSlots,
        int interleaved);
  }

  @FunctionalInterface
  private interface RopeKvFn<T extends Element> {
    void launch(
        Cuda k,
        Launch l,
        Ptr<T> qOut,
        Ptr<T> kCache,
        Ptr<T> vCache,
        ConstPtr<T> qkv,
        ConstPtr<I32> positions,
        ConstPtr<I32> slots,
        ConstPtr<F32> invFreq,
        int tokens,
        int heads,
        int kvHeads,
        int headDim,
        int rotaryDim,
        long ldt,
        long cacheSlots,
        int interleaved);
  }

  /** One instantiation of {@code kj_rope_kv_append}. */
  private record RopeKvKernel<T extends Element>(Class<T> t, RopeKvFn<T> fn)
      implements Instantiations.OfElement {
    void launch(
        Cuda k,
        Launch l,
        Tensor qOut,
        Tensor kCache,
        Tensor vCache,
        Tensor qkv,
        Tensor positions,
        Tensor slots,
        Tensor invFreq,
        Shape s) {
      fn.launch(
          k,
          l,
          qOut.ptr(t),
          kCache.ptr(t),
          vCache.ptr(t),
          qkv.constPtr(t),
          positions.constPtr(I32.class),
          slots.constPtr(I32.class),
          invFreq.constPtr(F32.class),
          s.tokens(),
          s.heads(),
          s.kvHeads(),
          s.headDim(),
          s.rotaryDim(),
          s.ldt(),
          s.cacheSlots(),
          s.interleaved() ? 1 : 0);
    }
  }

  private static final Instantiations<RopeKvKernel<?>> KERNELS =
      Instantiations.of(
          "ropeKvAppend",
          "qkv",
          new RopeKvKernel<>(F32.class, Cuda::kj_rope_kv_append_f32),
          new RopeKvKernel<>(F16.class, Cuda::kj_rope_kv_append_f16),
          new RopeKvKernel<>(BF16.class, Cuda::kj_rope_kv_append_bf16));

  /** The sizes of one call; the caller has checked the tensors (shapes, dtypes, strides). */
  public record Shape(
      int tokens,
      int heads,
      int kvHeads,
      int headDim,
      int rotaryDim,
      long ldt,
      long cacheSlots,
      boolean interleaved) {
    long elements() {
      return (long) tokens * (heads + 2L * kvHeads) * headDim;
    }
  }

  /**
   * Queues the kernel: {@code invFreq} holds {@code rotaryDim / 2} f32 inverse frequencies, {@code
   * positions} and {@code slots} {@code tokens} i32 each.
   */
  public static void launch(
      Cuda k,
      StreamRef stream,
      Tensor qOut,
      Tensor kCache,
      Tensor vCache,
      Tensor qkv,
      Tensor positions,
      Tensor slots,
      Tensor invFreq,
      Shape s) {
    LaunchMath.requireFloating("ropeKvAppend", "qkv", qkv.dtype());
    if (s.elements() == 0) {
      return;
    }
    Launch l =
        Launch.grid((int) Math.min(Launch.blocksFor(s.elements(), BLOCK), 4096))
            .block(BLOCK)
            .on(stream)
            .overlappingPrevious();
    KERNELS.get(qkv.dtype()).launch(k, l, qOut, kCache, vCache, qkv, positions, slots, invFreq, s);
  }

  /**
   * Reference twin on arrays: {@code qkv} from {@code qkvOff} with token rows {@code ldt} apart,
   * {@code qOut} contiguous, caches {@code [cacheSlots, kvHeads, headDim]}. Each element is rotated
   * with {@link Rope#ropeReference}'s arithmetic and rounded once to {@code t}.
   */
  public static void reference(
      DType t,
      float[] qOut,
      float[] kCache,
      float[] vCache,
      float[] qkv,
      int qkvOff,
      int[] positions,
      int[] slots,
      float[] invFreq,
      Shape s) {
    int width = (s.heads() + 2 * s.kvHeads()) * s.headDim();
    float[] rows = new float[s.tokens() * width];
    for (int tok = 0; tok < s.tokens(); tok++) {
      System.arraycopy(qkv, (int) (qkvOff + tok * s.ldt()), rows, tok * width, width);
    }
    // q and k heads are consecutive in a row: one rotation over heads + kvHeads of them.
    Rope.ropeReference(
        t,
        rows,
        0,
        positions,
        0,
        invFreq,
        s.tokens(),
        s.heads() + s.kvHeads(),
        s.rotaryDim(),
        width,
        s.headDim(),
        s.interleaved());
    int qWidth = s.heads() * s.headDim();
    int kvWidth = s.kvHeads() * s.headDim();
    for (int tok = 0; tok < s.tokens(); tok++) {
      int row = tok * width;
      for (int i = 0; i < qWidth; i++) {
        qOut[tok * qWidth + i] = DTypes.round(t, rows[row + i]);
      }
      long slot = slots[tok];
      if (slot < 0 || slot >= s.cacheSlots()) {
        continue;
      }
      for (int i = 0; i < kvWidth; i++) {
        kCache[(int) (slot * kvWidth + i)] = DTypes.round(t, rows[row + qWidth + i]);
        vCache[(int) (slot * kvWidth + i)] = DTypes.round(t, rows[row + qWidth + kvWidth + i]);
      }
    }
  }
}
