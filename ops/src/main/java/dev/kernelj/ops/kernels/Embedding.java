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
import java.util.List;

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

      template <typename TT, typename TO>
      __global__ void kj_embedding(TO* out, const TT* table, const int* ids, int tokens, int vocab, int dim) { lookup<TT, TO>(out, table, ids, tokens, vocab, dim); }
      """)
  public interface Cuda {
    @Global("kj_embedding<float, float>")
    void kj_embedding_f32_f32(
        Launch l,
        Ptr<F32> out,
        ConstPtr<F32> table,
        ConstPtr<I32> ids,
        int tokens,
        int vocab,
        int dim);

    @Global("kj_embedding<float, __half>")
    void kj_embedding_f32_f16(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F32> table,
        ConstPtr<I32> ids,
        int tokens,
        int vocab,
        int dim);

    @Global("kj_embedding<float, __nv_bfloat16>")
    void kj_embedding_f32_bf16(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<F32> table,
        ConstPtr<I32> ids,
        int tokens,
        int vocab,
        int dim);

    @Global("kj_embedding<__half, float>")
    void kj_embedding_f16_f32(
        Launch l,
        Ptr<F32> out,
        ConstPtr<F16> table,
        ConstPtr<I32> ids,
        int tokens,
        int vocab,
        int dim);

    @Global("kj_embedding<__half, __half>")
    void kj_embedding_f16_f16(
        Launch l,
        Ptr<F16> out,
        ConstPtr<F16> table,
        ConstPtr<I32> ids,
        int tokens,
        int vocab,
        int dim);

    @Global("kj_embedding<__half, __nv_bfloat16>")
    void kj_embedding_f16_bf16(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<F16> table,
        ConstPtr<I32> ids,
        int tokens,
        int vocab,
        int dim);

    @Global("kj_embedding<__nv_bfloat16, float>")
    void kj_embedding_bf16_f32(
        Launch l,
        Ptr<F32> out,
        ConstPtr<BF16> table,
        ConstPtr<I32> ids,
        int tokens,
        int vocab,
        int dim);

    @Global("kj_embedding<__nv_bfloat16, __half>")
    void kj_embedding_bf16_f16(
        Launch l,
        Ptr<F16> out,
        ConstPtr<BF16> table,
        ConstPtr<I32> ids,
        int tokens,
        int vocab,
        int dim);

    @Global("kj_embedding<__nv_bfloat16, __nv_bfloat16>")
    void kj_embedding_bf16_bf16(
        Launch l,
        Ptr<BF16> out,
        ConstPtr<BF16> table,
        ConstPtr<I32> ids,
        int tokens,
        int vocab,
        int dim);
  }

  @FunctionalInterface
  private interface LookupFn<T extends Element, O extends Element> {
    void launch(
        Cuda k,
        Launch l,
        Ptr<O> out,
        ConstPtr<T> table,
        ConstPtr<I32> ids,
        int tokens,
        int vocab,
        int dim);
  }

  /**
   * One instantiation of {@code kj_embedding}: table element {@code T}, output element {@code O}.
   */
  private record LookupKernel<T extends Element, O extends Element>(
      Class<T> table, Class<O> out, LookupFn<T, O> fn) implements Instantiations.Entry {
    @Override
    public List<DType> dtypes() {
      return List.of(DType.of(table), DType.of(out));
    }

    void launch(
        Cuda k,
        Launch l,
        Tensor outTensor,
        Tensor tableTensor,
        Tensor ids,
        int tokens,
        int vocab,
        int dim) {
      fn.launch(
          k,
          l,
          outTensor.ptr(out),
          tableTensor.constPtr(table),
          ids.constPtr(I32.class),
          tokens,
          vocab,
          dim);
    }
  }

  private static final Instantiations<LookupKernel<?, ?>> LOOKUPS =
      Instantiations.of(
          "embedding",
          "table,out",
          new LookupKernel<>(F32.class, F32.class, Cuda::kj_embedding_f32_f32),
          new LookupKernel<>(F32.class, F16.class, Cuda::kj_embedding_f32_f16),
          new LookupKernel<>(F32.class, BF16.class, Cuda::kj_embedding_f32_bf16),
          new LookupKernel<>(F16.class, F32.class, Cuda::kj_embedding_f16_f32),
          new LookupKernel<>(F16.class, F16.class, Cuda::kj_embedding_f16_f16),
          new LookupKernel<>(F16.class, BF16.class, Cuda::kj_embedding_f16_bf16),
          new LookupKernel<>(BF16.class, F32.class, Cuda::kj_embedding_bf16_f32),
          new LookupKernel<>(BF16.class, F16.class, Cuda::kj_embedding_bf16_f16),
          new LookupKernel<>(BF16.class, BF16.class, Cuda::kj_embedding_bf16_bf16));

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
      Tensor out,
      Tensor table,
      Tensor ids,
      int tokens,
      int vocab,
      int dim) {
    DType tableType = table.dtype();
    DType outType = out.dtype();
    if (!supports(tableType, outType)) {
      throw new OpArgumentException(
          "embedding",
          "table,out",
          "have dtypes " + tableType + " and " + outType + "; both must be F32, F16 or BF16");
    }
    LaunchMath.requireNonNegative("embedding", "tokens", tokens);
    LaunchMath.requireNonNegative("embedding", "vocab", vocab);
    LaunchMath.requireNonNegative("embedding", "dim", dim);
    LaunchMath.requireAddress("embedding", "out", out);
    LaunchMath.requireAddress("embedding", "table", table);
    LaunchMath.requireAddress("embedding", "ids", ids);
    if (tokens == 0 || dim == 0) {
      return;
    }
    Launch l =
        Launch.grid(tokens).block(Math.min(256, Math.max(32, (dim / 8 + 31) / 32 * 32))).on(stream);
    LOOKUPS.get(tableType, outType).launch(k, l, out, table, ids, tokens, vocab, dim);
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
