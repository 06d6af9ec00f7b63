package dev.kernelj.ops.kernels.attention;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.Global;
import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.Kernel;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;

/**
 * Writes new key and value rows into their pages of a paged KV cache. Launch it through {@link
 * KvCacheAppend}.
 *
 * <p>New rows: {@code [tokens, nKvHeads, headDim]} bf16. Caches: {@code [numBlocks, blockSize,
 * nKvHeads, headDim]} bf16, so the cache row of slot {@code s = block * blockSize + offset} starts
 * at {@code s * nKvHeads * headDim} and the block size never enters the kernel. {@code slotMapping
 * [tokens]} int32; a negative slot (a padding token) or one at or past {@code numSlots} is skipped,
 * so a bad mapping cannot write outside the cache. One thread moves 16 bytes when the row length
 * allows it, else one element.
 */
@Kernel(
    source =
        """
    #include <cuda_bf16.h>
    #include <stdint.h>

    extern "C" __global__ void kv_cache_append(
        const __nv_bfloat16* __restrict__ k_new, const __nv_bfloat16* __restrict__ v_new,
        __nv_bfloat16* __restrict__ k_cache, __nv_bfloat16* __restrict__ v_cache,
        const int* __restrict__ slot_mapping, int tokens, int row_elems, long long num_slots) {
      const bool vectors = (row_elems % 8) == 0;
      const int per_row = vectors ? row_elems / 8 : row_elems;
      const long long total = (long long) tokens * per_row;
      for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < total;
           i += (long long) gridDim.x * blockDim.x) {
        const int token = (int) (i / per_row);
        const int piece = (int) (i % per_row);
        const long long slot = slot_mapping[token];
        if (slot < 0 || slot >= num_slots) continue;
        const size_t src = (size_t) token * row_elems;
        const size_t dst = (size_t) slot * row_elems;
        if (vectors) {
          reinterpret_cast<uint4*>(k_cache + dst)[piece] = reinterpret_cast<const uint4*>(k_new + src)[piece];
          reinterpret_cast<uint4*>(v_cache + dst)[piece] = reinterpret_cast<const uint4*>(v_new + src)[piece];
        } else {
          k_cache[dst + piece] = k_new[src + piece];
          v_cache[dst + piece] = v_new[src + piece];
        }
      }
    }
    """)
public interface KvCacheAppendKernels {
  /** Threads per block. */
  int THREADS = 256;

  @Global(value = "kv_cache_append", maxThreadsPerBlock = THREADS)
  void append(
      Launch launch,
      ConstPtr<BF16> kNew,
      ConstPtr<BF16> vNew,
      Ptr<BF16> kCache,
      Ptr<BF16> vCache,
      ConstPtr<I32> slotMapping,
      int tokens,
      int rowElems,
      long numSlots);
}
