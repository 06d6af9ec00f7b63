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
 * Embedding lookup: {@code out[t, :] = table[ids[t], :]}, converted to the output dtype. The ids
 * live on the device, so a bad id cannot raise an exception before the launch: an id outside {@code
 * [0, vocab)} yields a row of NaN, in both twins, which any later check will notice.
 */
public final class Embedding {
  private Embedding() {}

  @Kernel(
      source =
          CudaPrelude.PRELUDE
              + """
      template <typename TT, typename TO>
      __device__ __forceinline__ void lookup(TO* out, const TT* table, const int* ids, int tokens, int vocab, int dim) {
        const int t = blockIdx.x;
        const int id = ids[t];
        TO* dst = out + (long long)t * dim;
        if (id < 0 || id >= vocab) {
          for (int c = threadIdx.x; c < dim; c += blockDim.x) dst[c] = kj::from_f32<TO>(__int_as_float(0x7fc00000));
          return;
        }
        const TT* src = table + (long long)id * dim;
        int done = 0;
        if (dim % 8 == 0 && kj::aligned16(src) && kj::aligned16(dst)) {
          for (int c = threadIdx.x * 8; c < dim; c += blockDim.x * 8) {
            float v[8];
            kj::load8(src + c, v);
            kj::store8(dst + c, v);
          }
          done = dim;
        }
        for (int c = done + threadIdx.x; c < dim; c += blockDim.x) dst[c] = kj::from_f32<TO>(kj::to_f32(src[c]));
      }

      extern "C" __global__ void kj_embedding_f32_f32(float* out, const float* table, const int* ids, int tokens, int vocab, int dim) { lookup<float, float>(out, table, ids, tokens, vocab, dim); }
      extern "C" __global__ void kj_embedding_f32_f16(__half* out, const float* table, const int* ids, int tokens, int vocab, int dim) { lookup<float, __half>(out, table, ids, tokens, vocab, dim); }
      extern "C" __global__ void kj_embedding_f32_bf16(__nv_bfloat16* out, const float* table, const int* ids, int tokens, int vocab, int dim) { lookup<float, __nv_bfloat16>(out, table, ids, tokens, vocab, dim); }
      extern "C" __global__ void kj_embedding_f16_f32(float* out, const __half* table, const int* ids, int tokens, int vocab, int dim) { lookup<__half, float>(out, table, ids, tokens, vocab, dim); }
      extern "C" __global__ void kj_embedding_f16_f16(__half* out, const __half* table, const int* ids, int tokens, int vocab, int dim) { lookup<__half, __half>(out, table, ids, tokens, vocab, dim); }
      extern "C" __global__ void kj_embedding_f16_bf16(__nv_bfloat16* out, const __half* table, const int* ids, int tokens, int vocab, int dim) { lookup<__half, __nv_bfloat16>(out, table, ids, tokens, vocab, dim); }
      extern "C" __global__ void kj_embedding_bf16_f32(float* out, const __nv_bfloat16* table, const int* ids, int tokens, int vocab, int dim) { lookup<__nv_bfloat16, float>(out, table, ids, tokens, vocab, dim); }
      extern "C" __global__ void kj_embedding_bf16_f16(__half* out, const __nv_bfloat16* table, const int* ids, int tokens, int vocab, int dim) { lookup<__nv_bfloat16, __half>(out, table, ids, tokens, vocab, dim); }
      extern "C" __global__ void kj_embedding_bf16_bf16(__nv_bfloat16* out, const __nv_bfloat16* table, const int* ids, int tokens, int vocab, int dim) { lookup<__nv_bfloat16, __nv_bfloat16>(out, table, ids, tokens, vocab, dim); }
      """)
  public interface Cuda {
    void kj_embedding_f32_f32(
        Launch l,
        Ptr<F32> out,
        ConstPtr<F32> table,
        ConstPtr<I32> ids,
        int tokens,
        int vocab,
        int dim);

    void kj_embedding_f32_f16(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F32> table,
        ConstPtr<I32> ids,
        int tokens,
        int vocab,
        int dim);

    void kj_embedding_f32_bf16(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<F32> table,
        ConstPtr<I32> ids,
        int tokens,
        int vocab,
        int dim);

    void kj_embedding_f16_f32(
        Launch l,
        Ptr<F32> out,
        ConstPtr<F16> table,
        ConstPtr<I32> ids,
        int tokens,
        int vocab,
        int dim);

    void kj_embedding_f16_f16(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> table,
        ConstPtr<I32> ids,
        int tokens,
        int vocab,
        int dim);

    void kj_embedding_f16_bf16(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<F16> table,
        ConstPtr<I32> ids,
        int tokens,
        int vocab,
        int dim);

    void kj_embedding_bf16_f32(
        Launch l,
        Ptr<F32> out,
        ConstPtr<BF16> table,
        ConstPtr<I32> ids,
        int tokens,
        int vocab,
        int dim);

    void kj_embedding_bf16_f16(
        Launch l,
        Ptr<F16> out,
        ConstPtr<BF16> table,
        ConstPtr<I32> ids,
        int tokens,
        int vocab,
        int dim);

    void kj_embedding_bf16_bf16(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> table,
        ConstPtr<I32> ids,
        int tokens,
        int vocab,
        int dim);
  }

  /**
   * Whether a kernel exists for this (table, out) dtype pair: any floating table into any floating
   * out, converted through f32 with one rounding (round to nearest even), as the reference does.
   */
  public static boolean supports(DType table, DType out) {
    return DTypes.isFloating(table) && DTypes.isFloating(out);
  }

  /**
   * Looks up {@code tokens} rows of a contiguous {@code [vocab, dim]} table into contiguous {@code
   * out [tokens, dim]}.
   */
  public static void lookup(
      Cuda k,
      StreamRef stream,
      DType tableType,
      DType outType,
      long out,
      long table,
      long ids,
      int tokens,
      int vocab,
      int dim) {
    if (!supports(tableType, outType)) {
      throw new OpArgumentException(
          "embedding",
          "table,out",
          "have dtypes " + tableType + " and " + outType + "; both must be F32, F16 or BF16");
    }
    LaunchMath.requireNonNegative("embedding", "tokens", tokens);
    LaunchMath.requireNonNegative("embedding", "vocab", vocab);
    LaunchMath.requireNonNegative("embedding", "dim", dim);
    LaunchMath.requireAddress("embedding", "out", out, outType);
    LaunchMath.requireAddress("embedding", "table", table, tableType);
    LaunchMath.requireAddress("embedding", "ids", ids, DType.I32);
    if (tokens == 0 || dim == 0) {
      return;
    }
    Launch l =
        Launch.grid(tokens).block(Math.min(256, Math.max(32, (dim / 8 + 31) / 32 * 32))).on(stream);
    switch (tableType.name() + ">" + outType.name()) {
      case "F32>F32" ->
          k.kj_embedding_f32_f32(
              l,
              ptr(out, F32.class),
              cptr(table, F32.class),
              cptr(ids, I32.class),
              tokens,
              vocab,
              dim);
      case "F32>F16" ->
          k.kj_embedding_f32_f16(
              l,
              ptr(out, F16.class),
              cptr(table, F32.class),
              cptr(ids, I32.class),
              tokens,
              vocab,
              dim);
      case "F32>BF16" ->
          k.kj_embedding_f32_bf16(
              l,
              ptr(out, BF16.class),
              cptr(table, F32.class),
              cptr(ids, I32.class),
              tokens,
              vocab,
              dim);
      case "F16>F32" ->
          k.kj_embedding_f16_f32(
              l,
              ptr(out, F32.class),
              cptr(table, F16.class),
              cptr(ids, I32.class),
              tokens,
              vocab,
              dim);
      case "F16>F16" ->
          k.kj_embedding_f16_f16(
              l,
              ptr(out, F16.class),
              cptr(table, F16.class),
              cptr(ids, I32.class),
              tokens,
              vocab,
              dim);
      case "F16>BF16" ->
          k.kj_embedding_f16_bf16(
              l,
              ptr(out, BF16.class),
              cptr(table, F16.class),
              cptr(ids, I32.class),
              tokens,
              vocab,
              dim);
      case "BF16>F32" ->
          k.kj_embedding_bf16_f32(
              l,
              ptr(out, F32.class),
              cptr(table, BF16.class),
              cptr(ids, I32.class),
              tokens,
              vocab,
              dim);
      case "BF16>F16" ->
          k.kj_embedding_bf16_f16(
              l,
              ptr(out, F16.class),
              cptr(table, BF16.class),
              cptr(ids, I32.class),
              tokens,
              vocab,
              dim);
      case "BF16>BF16" ->
          k.kj_embedding_bf16_bf16(
              l,
              ptr(out, BF16.class),
              cptr(table, BF16.class),
              cptr(ids, I32.class),
              tokens,
              vocab,
              dim);
      default ->
          throw new IllegalStateException("no embedding kernel for " + tableType + " > " + outType);
    }
  }

  /** Reference twin of {@link #lookup}. */
  public static void lookupReference(
      DType outType,
      float[] out,
      int outOff,
      float[] table,
      int tableOff,
      int[] ids,
      int idsOff,
      int tokens,
      int vocab,
      int dim) {
    for (int t = 0; t < tokens; t++) {
      int id = ids[idsOff + t];
      for (int c = 0; c < dim; c++) {
        float v = id < 0 || id >= vocab ? Float.NaN : table[tableOff + id * dim + c];
        out[outOff + t * dim + c] = DTypes.round(outType, v);
      }
    }
  }
}
