package dev.kernelj.ops.kernels.attention;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Global;
import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.Kernel;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.ops.kernels.PtxPrelude;

/**
 * Decode attention (one query token per sequence) over a paged KV cache, split along the context
 * (flash-decoding). Launch it through {@link PagedDecodeAttention}, which sizes the partitions and
 * checks the shapes.
 *
 * <p>Layouts: query and output {@code [batch, nHeads, headDim]} bf16; key and value caches {@code
 * [numBlocks, blockSize, nKvHeads, headDim]} bf16 (token {@code t} of a sequence lives in cache
 * block {@code blockTables[b][t / blockSize]} at row {@code t % blockSize}); {@code blockTables
 * [batch, maxBlocksPerSeq]} and {@code contextLens [batch]} int32. Partial results: {@code
 * partialOut [batch, nHeads, maxPartitions, headDim]} f32 (each partition's output, already divided
 * by its own sum), {@code partialMax}/{@code partialSum} {@code [batch, nHeads, maxPartitions]} f32
 * (running max in log2 units and the sum of exponentials).
 *
 * <p>With a sliding window ({@code window > 0}) a sequence of length {@code n} attends to its
 * tokens {@code max(0, n - window) .. n - 1} only, and partition {@code p} covers tokens {@code p *
 * partitionSize ..} counted from that first one: the grid, planned for at most {@code window}
 * tokens, stays fixed while the window slides with the lengths.
 *
 * <p>How it runs: one block (4 or 8 warps) handles one partition of one sequence for up to 16 query
 * heads that share one kv head, so each K/V row is read from memory once for the whole group. The
 * query heads are the M dimension of tensor-core products ({@code mma.sync.m16n8k16} bf16, rows
 * past the group are zero): each warp streams its own 16-token tiles of K and V into shared memory
 * with {@code cp.async}, several tiles in flight, and keeps an online softmax and a 16 x headDim
 * output in registers, so the memory system never waits on arithmetic and no barrier stops the
 * block until the end. Page lookups use a multiply-shift division by the block size, computed once.
 * The warps merge their partial results through shared memory; with a single partition the kernel
 * writes the bf16 output itself, otherwise the reduce kernel combines the partitions.
 *
 * <p>At head dim 128, eight warps ({@code _w8}) run twice the tiles of a partition at once for
 * twice the shared memory (193 KiB); {@link PagedDecodeAttention#warps} takes them where the device
 * gives a block that much (H100, H200). Measured on an H200 ({@code kernelj bench}, GPTQ 8B shape,
 * 512-token prompts, fifteenth session): batch-16 decode, one partition of ~580 tokens a block,
 * +5.2 % (4,649 against 4,420 tok/s, three pairs in one call) and +4.3 % (two pairs in another);
 * batch 1 (partitions of 64 tokens) level. More stages a warp instead (5, four tiles in flight)
 * moved nothing: the warps' own chains of dependent steps (scores, softmax, P V) bound a block, not
 * the bytes in flight. Eight warps at head dim 64 were level on a Llama-3.2-1B shape (bf16, batch 1
 * and 16) and are not built.
 */
@Kernel(
    source =
        PtxPrelude.PTX
            +
"""
    namespace kj_decode {

    #ifndef KJ_DECODE_STAGES
    #define KJ_DECODE_STAGES 3    // tiles per warp in shared memory: two in flight while one is used
    #endif
    constexpr int MAX_GROUP = 16;             // query heads per block: one m16 tile
    constexpr int TILE = 16;                  // tokens per warp step (the k of the P V product)
    constexpr int STAGES = KJ_DECODE_STAGES;

    using namespace kj_ptx;

    // n / d for 0 <= n < 2^31 by a multiply and a shift (d >= 1 fixed for the whole launch).
    struct FastDiv {
      uint32_t d, magic, shift;
      __device__ explicit FastDiv(uint32_t divisor) : d(divisor), shift(0) {
        while ((1u << shift) < d) shift++;
        magic = (uint32_t) ((((uint64_t) 1 << 32) * (((uint64_t) 1 << shift) - d)) / d + 1);
      }
      __device__ __forceinline__ uint32_t div(uint32_t n) const { return (__umulhi(n, magic) + n) >> shift; }
    };

    // WARPS 4 or 8 (PagedDecodeAttention.warps): each warp owns its stages, so 8 warps take twice the shared memory.
    template <int D, int WARPS>
    __device__ __forceinline__ void decode_partition(
        const __nv_bfloat16* __restrict__ q, const __nv_bfloat16* __restrict__ k_cache,
        const __nv_bfloat16* __restrict__ v_cache, const int* __restrict__ block_tables,
        const int* __restrict__ context_lens, __nv_bfloat16* __restrict__ out,
        float* __restrict__ partial_out, float* __restrict__ partial_max, float* __restrict__ partial_sum,
        int n_heads, int n_kv_heads, int block_size, int max_blocks_per_seq,
        int partition_size, int max_partitions, float scale_log2, int window) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
      // Launched to overlap the kernel before it (PagedDecodeAttention): wait for q (RoPE + KV append).
      asm volatile("griddepcontrol.wait;" ::: "memory");
      asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
      constexpr int THREADS = WARPS * 32;
      constexpr int CHUNKS = D / 8;                    // 16-byte pieces of one cache row
      constexpr int ROW_STEP = 32 / CHUNKS;            // tile rows one pass of the warp copies
      constexpr int ROWS_PER_LANE = TILE / ROW_STEP;
      constexpr int TILE_ELEMS = TILE * D;
      // All shared memory is dynamic: the K/V stages, then the merge statistics. A static array here
      // would add to the dynamic size and push the d64 kernel (exactly 48 KiB of stages) past the
      // limit a launch may use without an opt-in.
      extern __shared__ __align__(128) unsigned char smem_raw[];
      float (*warp_max)[MAX_GROUP] = reinterpret_cast<float (*)[MAX_GROUP]>(smem_raw + (size_t) WARPS * STAGES * 2 * TILE_ELEMS * 2);
      float (*warp_sum)[MAX_GROUP] = warp_max + WARPS;

      const int part = blockIdx.x;
      const int group_size = n_heads / n_kv_heads;
      const int chunks_per_kv = (group_size + MAX_GROUP - 1) / MAX_GROUP;
      const int kv_head = blockIdx.y / chunks_per_kv;
      const int head0 = kv_head * group_size + (blockIdx.y % chunks_per_kv) * MAX_GROUP;
      const int heads = min(MAX_GROUP, kv_head * group_size + group_size - head0);
      const int b = blockIdx.z;
      const int ctx = context_lens[b];
      // The decode step of the prefill window: the query (position ctx - 1) keeps keys > ctx - 1 - window.
      const int first = window > 0 ? max(0, ctx - window) : 0;
      const int start = first + part * partition_size;
      if (start >= ctx && !(max_partitions == 1 && part == 0)) return;   // the reduce ignores this partition
      const int n = max(0, min(ctx, start + partition_size) - start);
      const int* table = block_tables + (size_t) b * max_blocks_per_seq;

      const int warp = threadIdx.x / 32;
      const int lane = threadIdx.x % 32;
      // This warp's K and V stages: [STAGES][2][TILE][D] bf16.
      __nv_bfloat16* stages = reinterpret_cast<__nv_bfloat16*>(smem_raw) + (size_t) warp * STAGES * 2 * TILE_ELEMS;

      // The query heads as the A operand (rows = heads, zero past the group), held for the whole partition.
      uint32_t qa[D / 16][4];
      {
        const int r0 = lane / 4;
        const __nv_bfloat16* q_rows = q + ((size_t) b * n_heads + head0) * D + (lane % 4) * 2;
    #pragma unroll
        for (int kk = 0; kk < D / 16; kk++) {
    #pragma unroll
          for (int i = 0; i < 4; i++) {
            const int row = r0 + (i & 1) * 8;
            const int col = kk * 16 + (i >> 1) * 8;
            qa[kk][i] = row < heads ? *reinterpret_cast<const uint32_t*>(q_rows + (size_t) row * D + col) : 0u;
          }
        }
      }

      // Tiles of the partition go round-robin to the warps; each warp pipelines its own.
      const int n_tiles = (n + TILE - 1) / TILE;
      const int my_tiles = n_tiles > warp ? (n_tiles - warp + WARPS - 1) / WARPS : 0;
      const FastDiv by_block(block_size);
      const size_t kv_row_stride = (size_t) n_kv_heads * D;
      const int copy_chunk = lane % CHUNKS;
      const int copy_row0 = lane / CHUNKS;

      auto issue = [&](int local, int stage) {
        const int tile = warp + local * WARPS;
        __nv_bfloat16* k_dst = stages + stage * 2 * TILE_ELEMS;
        __nv_bfloat16* v_dst = k_dst + TILE_ELEMS;
    #pragma unroll
        for (int i = 0; i < ROWS_PER_LANE; i++) {
          const int row = copy_row0 + i * ROW_STEP;
          const int token = tile * TILE + row;                 // within the partition
          const bool valid = token < n;
          size_t offset = 0;
          if (valid) {
            const uint32_t t = (uint32_t) (start + token);
            const uint32_t page_index = by_block.div(t);
            const uint32_t in_page = t - page_index * by_block.d;
            const size_t cache_row = (size_t) table[page_index] * block_size + in_page;
            offset = cache_row * kv_row_stride + (size_t) kv_head * D + copy_chunk * 8;
          }
          const int dst = swizzle<D>(row, copy_chunk);
          cp_async_16(smem_addr(k_dst + dst), k_cache + offset, valid);
          cp_async_16(smem_addr(v_dst + dst), v_cache + offset, valid);
        }
      };

    #pragma unroll
      for (int s = 0; s < STAGES - 1; s++) {
        if (s < my_tiles) issue(s, s);
        cp_async_commit();
      }

      float acc[D / 8][4];
    #pragma unroll
      for (int dt = 0; dt < D / 8; dt++) acc[dt][0] = acc[dt][1] = acc[dt][2] = acc[dt][3] = 0.f;
      float row_max[2] = {-INFINITY, -INFINITY};   // raw (unscaled) score units
      float row_sum[2] = {0.f, 0.f};               // per-thread partial sums; the quad reduces them at the end

      for (int local = 0; local < my_tiles; local++) {
        cp_async_wait<STAGES - 2>();
        __syncwarp();    // the tile's copies by every lane are visible; the stage reused below is free
        if (local + STAGES - 1 < my_tiles) issue(local + STAGES - 1, (local + STAGES - 1) % STAGES);
        cp_async_commit();
        const __nv_bfloat16* tile_k = stages + (local % STAGES) * 2 * TILE_ELEMS;
        const __nv_bfloat16* tile_v = tile_k + TILE_ELEMS;

        // S = Q K^T: 16 heads x 16 tokens.
        float s[2][4] = {{0.f, 0.f, 0.f, 0.f}, {0.f, 0.f, 0.f, 0.f}};
    #pragma unroll
        for (int kk = 0; kk < D / 16; kk++) {
          uint32_t kb[4];
          const int key = (lane & 7) + ((lane >> 4) << 3);
          ldmatrix_x4(smem_addr(tile_k + swizzle<D>(key, 2 * kk + ((lane >> 3) & 1))), kb);
          mma_bf16(s[0], qa[kk], kb[0], kb[1]);
          mma_bf16(s[1], qa[kk], kb[2], kb[3]);
        }
        const int token0 = (warp + local * WARPS) * TILE;
        if (token0 + TILE > n) {
    #pragma unroll
          for (int nt = 0; nt < 2; nt++) {
    #pragma unroll
            for (int e = 0; e < 4; e++) {
              if (token0 + nt * 8 + (lane & 3) * 2 + (e & 1) >= n) s[nt][e] = -INFINITY;
            }
          }
        }

        // Online softmax per head row (rows lane/4 and lane/4 + 8).
    #pragma unroll
        for (int half = 0; half < 2; half++) {
          float m = fmaxf(row_max[half], fmaxf(fmaxf(s[0][2 * half], s[0][2 * half + 1]),
                                               fmaxf(s[1][2 * half], s[1][2 * half + 1])));
          m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 1));
          m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 2));
          const float m_scaled = (m == -INFINITY) ? 0.f : m * scale_log2;
          const float correction = fast_exp2(row_max[half] * scale_log2 - m_scaled);
          row_max[half] = m;
          float sum = 0.f;
    #pragma unroll
          for (int nt = 0; nt < 2; nt++) {
            s[nt][2 * half] = fast_exp2(fmaf(s[nt][2 * half], scale_log2, -m_scaled));
            s[nt][2 * half + 1] = fast_exp2(fmaf(s[nt][2 * half + 1], scale_log2, -m_scaled));
            sum += s[nt][2 * half] + s[nt][2 * half + 1];
          }
          row_sum[half] = row_sum[half] * correction + sum;
    #pragma unroll
          for (int dt = 0; dt < D / 8; dt++) {
            acc[dt][2 * half] *= correction;
            acc[dt][2 * half + 1] *= correction;
          }
        }

        // O += P V over the tile's 16 tokens; the score accumulators are already the A operand.
        uint32_t p[4] = {pack_bf16(s[0][0], s[0][1]), pack_bf16(s[0][2], s[0][3]),
                         pack_bf16(s[1][0], s[1][1]), pack_bf16(s[1][2], s[1][3])};
    #pragma unroll
        for (int dt2 = 0; dt2 < D / 16; dt2++) {
          uint32_t vb[4];
          const int key = (lane & 7) + (((lane >> 3) & 1) << 3);
          ldmatrix_x4_trans(smem_addr(tile_v + swizzle<D>(key, 2 * dt2 + (lane >> 4))), vb);
          mma_bf16(acc[2 * dt2], p, vb[0], vb[1]);
          mma_bf16(acc[2 * dt2 + 1], p, vb[2], vb[3]);
        }
      }
      cp_async_wait<0>();

      // Merge the warps: each writes its max, sum and unnormalised output rows to shared memory.
    #pragma unroll
      for (int half = 0; half < 2; half++) {
        float l = row_sum[half];
        l += __shfl_xor_sync(0xffffffffu, l, 1);
        l += __shfl_xor_sync(0xffffffffu, l, 2);
        row_sum[half] = l;
      }
      __syncthreads();   // every warp is done with its stages; the same memory holds the merge
      float* merge = reinterpret_cast<float*>(smem_raw);   // [WARPS][MAX_GROUP][D]
    #pragma unroll
      for (int half = 0; half < 2; half++) {
        const int row = lane / 4 + half * 8;
        if ((lane & 3) == 0) {
          warp_max[warp][row] = row_max[half] == -INFINITY ? -INFINITY : row_max[half] * scale_log2;
          warp_sum[warp][row] = row_sum[half];
        }
        float* dst = merge + ((size_t) warp * MAX_GROUP + row) * D + (lane & 3) * 2;
    #pragma unroll
        for (int dt = 0; dt < D / 8; dt++) {
          *reinterpret_cast<float2*>(dst + dt * 8) = make_float2(acc[dt][2 * half], acc[dt][2 * half + 1]);
        }
      }
      __syncthreads();

      for (int idx = threadIdx.x; idx < heads * D; idx += THREADS) {
        const int g = idx / D;
        const int d = idx % D;
        float m = -INFINITY;
    #pragma unroll
        for (int w = 0; w < WARPS; w++) m = fmaxf(m, warp_max[w][g]);
        float l = 0.f;
        float total = 0.f;
    #pragma unroll
        for (int w = 0; w < WARPS; w++) {
          const float weight = warp_max[w][g] == -INFINITY ? 0.f : fast_exp2(warp_max[w][g] - m);
          l = fmaf(weight, warp_sum[w][g], l);
          total = fmaf(weight, merge[((size_t) w * MAX_GROUP + g) * D + d], total);
        }
        const float value = l > 0.f ? total / l : 0.f;
        const int head = head0 + g;
        if (max_partitions == 1) {
          out[((size_t) b * n_heads + head) * D + d] = __float2bfloat16(value);
        } else {
          const size_t slot = ((size_t) b * n_heads + head) * max_partitions + part;
          partial_out[slot * D + d] = value;
          if (d == 0) {
            partial_max[slot] = m;
            partial_sum[slot] = l;
          }
        }
      }
    }

    // Combines the partitions of one (sequence, head): weights 2^(m_p - M) * l_p.
    __device__ __forceinline__ void reduce_partitions(
        const float* __restrict__ partial_out, const float* __restrict__ partial_max,
        const float* __restrict__ partial_sum, const int* __restrict__ context_lens, __nv_bfloat16* __restrict__ out,
        int n_heads, int head_dim, int partition_size, int max_partitions, int window) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
      // Launched to overlap the kernel before it (PagedDecodeAttention): wait for the partials.
      asm volatile("griddepcontrol.wait;" ::: "memory");
      asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
      const int head = blockIdx.x;
      const int b = blockIdx.y;
      const int ctx = context_lens[b];
      const int span = window > 0 ? min(ctx, window) : ctx;   // tokens attended, from the window's start
      const int parts = min(max_partitions, (span + partition_size - 1) / partition_size);
      const size_t slot0 = ((size_t) b * n_heads + head) * max_partitions;
      if (parts == 1) {
        // The partition's own output, rounded as the partition kernel rounds it when it writes the
        // output itself (a one-partition launch): the same bits on both paths, where the weighted
        // form below would give w * v / w, not always v in f32.
        for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
          out[((size_t) b * n_heads + head) * head_dim + d] = __float2bfloat16(partial_out[slot0 * head_dim + d]);
        }
        return;
      }
      float m = -INFINITY;
      for (int p = 0; p < parts; p++) m = fmaxf(m, partial_max[slot0 + p]);
      for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
        float weight_sum = 0.f;
        float value = 0.f;
        for (int p = 0; p < parts; p++) {
          float w = exp2f(partial_max[slot0 + p] - m) * partial_sum[slot0 + p];
          weight_sum += w;
          value = fmaf(w, partial_out[(slot0 + p) * head_dim + d], value);
        }
        out[((size_t) b * n_heads + head) * head_dim + d] = __float2bfloat16(weight_sum > 0.f ? value / weight_sum : 0.f);
      }
    }

    }  // namespace kj_decode

    // Four warps a block; the _w8 entry eight (PagedDecodeAttention.warps picks it where its stages fit).
    extern "C" __global__ void __launch_bounds__(128) paged_decode_attention_d64(
        const __nv_bfloat16* q, const __nv_bfloat16* k_cache, const __nv_bfloat16* v_cache,
        const int* block_tables, const int* context_lens, __nv_bfloat16* out,
        float* partial_out, float* partial_max, float* partial_sum,
        int n_heads, int n_kv_heads, int block_size, int max_blocks_per_seq,
        int partition_size, int max_partitions, float scale_log2, int window) {
      kj_decode::decode_partition<64, 4>(q, k_cache, v_cache, block_tables, context_lens, out, partial_out, partial_max,
          partial_sum, n_heads, n_kv_heads, block_size, max_blocks_per_seq, partition_size, max_partitions, scale_log2, window);
    }

    extern "C" __global__ void __launch_bounds__(128) paged_decode_attention_d128(
        const __nv_bfloat16* q, const __nv_bfloat16* k_cache, const __nv_bfloat16* v_cache,
        const int* block_tables, const int* context_lens, __nv_bfloat16* out,
        float* partial_out, float* partial_max, float* partial_sum,
        int n_heads, int n_kv_heads, int block_size, int max_blocks_per_seq,
        int partition_size, int max_partitions, float scale_log2, int window) {
      kj_decode::decode_partition<128, 4>(q, k_cache, v_cache, block_tables, context_lens, out, partial_out, partial_max,
          partial_sum, n_heads, n_kv_heads, block_size, max_blocks_per_seq, partition_size, max_partitions, scale_log2, window);
    }

    extern "C" __global__ void __launch_bounds__(256) paged_decode_attention_d128_w8(
        const __nv_bfloat16* q, const __nv_bfloat16* k_cache, const __nv_bfloat16* v_cache,
        const int* block_tables, const int* context_lens, __nv_bfloat16* out,
        float* partial_out, float* partial_max, float* partial_sum,
        int n_heads, int n_kv_heads, int block_size, int max_blocks_per_seq,
        int partition_size, int max_partitions, float scale_log2, int window) {
      kj_decode::decode_partition<128, 8>(q, k_cache, v_cache, block_tables, context_lens, out, partial_out, partial_max,
          partial_sum, n_heads, n_kv_heads, block_size, max_blocks_per_seq, partition_size, max_partitions, scale_log2, window);
    }

    extern "C" __global__ void paged_decode_reduce(
        const float* partial_out, const float* partial_max, const float* partial_sum, const int* context_lens,
        __nv_bfloat16* out, int n_heads, int head_dim, int partition_size, int max_partitions, int window) {
      kj_decode::reduce_partitions(partial_out, partial_max, partial_sum, context_lens, out,
          n_heads, head_dim, partition_size, max_partitions, window);
    }
    """)
public interface PagedDecodeAttentionKernels {
  /** Threads per block of the partition kernels {@link #decodeD64} and {@link #decodeD128}. */
  int THREADS = 128;

  /** Threads per block of the eight-warp partition kernel {@link #decodeD128Wide}. */
  int WIDE_THREADS = 256;

  /**
   * Query heads one block handles (one m16 tile); larger GQA groups are split over several blocks.
   */
  int MAX_GROUP = 16;

  /** Largest partition the launch math hands out; the kernel itself has no limit. */
  int MAX_PARTITION = 1024;

  /**
   * Tiles of 16 tokens each warp keeps in shared memory ({@code KJ_DECODE_STAGES} in the CUDA C).
   */
  int STAGES = 3;

  /** Bytes after the K/V stages: each warp's running max and sum for the 16 query heads, in f32. */
  int MERGE_STAT_BYTES = 2 * (THREADS / 32) * MAX_GROUP * 4;

  /** {@link #MERGE_STAT_BYTES} of the eight-warp kernel. */
  int WIDE_MERGE_STAT_BYTES = 2 * (WIDE_THREADS / 32) * MAX_GROUP * 4;

  /**
   * Dynamic shared memory of the head-dim-128 partition kernel: per warp, STAGES K and V tiles of
   * 16 rows, then the merge statistics. The kernel declares no static shared memory.
   */
  int SHARED_BYTES_D128 = (THREADS / 32) * STAGES * 2 * 16 * 128 * 2 + MERGE_STAT_BYTES;

  /**
   * Dynamic shared memory of the head-dim-64 partition kernel (48 KiB of stages plus the
   * statistics: above the 48 KiB default, so the runtime raises the function's limit at load).
   */
  int SHARED_BYTES_D64 = (THREADS / 32) * STAGES * 2 * 16 * 64 * 2 + MERGE_STAT_BYTES;

  /**
   * Dynamic shared memory of the eight-warp head-dim-128 kernel, 193 KiB: Hopper gives a block that
   * much, an A100 and the sm_86/sm_89 GPUs do not.
   */
  int WIDE_SHARED_BYTES_D128 =
      (WIDE_THREADS / 32) * STAGES * 2 * 16 * 128 * 2 + WIDE_MERGE_STAT_BYTES;

  @Global(
      value = "paged_decode_attention_d64",
      maxThreadsPerBlock = THREADS,
      maxDynamicSharedBytes = SHARED_BYTES_D64)
  void decodeD64(
      Launch launch,
      ConstPtr<BF16> q,
      ConstPtr<BF16> kCache,
      ConstPtr<BF16> vCache,
      ConstPtr<I32> blockTables,
      ConstPtr<I32> contextLens,
      Ptr<BF16> out,
      Ptr<F32> partialOut,
      Ptr<F32> partialMax,
      Ptr<F32> partialSum,
      int nHeads,
      int nKvHeads,
      int blockSize,
      int maxBlocksPerSeq,
      int partitionSize,
      int maxPartitions,
      float scaleLog2,
      int window);

  @Global(
      value = "paged_decode_attention_d128",
      maxThreadsPerBlock = THREADS,
      maxDynamicSharedBytes = SHARED_BYTES_D128)
  void decodeD128(
      Launch launch,
      ConstPtr<BF16> q,
      ConstPtr<BF16> kCache,
      ConstPtr<BF16> vCache,
      ConstPtr<I32> blockTables,
      ConstPtr<I32> contextLens,
      Ptr<BF16> out,
      Ptr<F32> partialOut,
      Ptr<F32> partialMax,
      Ptr<F32> partialSum,
      int nHeads,
      int nKvHeads,
      int blockSize,
      int maxBlocksPerSeq,
      int partitionSize,
      int maxPartitions,
      float scaleLog2,
      int window);

  @Global(
      value = "paged_decode_attention_d128_w8",
      maxThreadsPerBlock = WIDE_THREADS,
      maxDynamicSharedBytes = WIDE_SHARED_BYTES_D128)
  void decodeD128Wide(
      Launch launch,
      ConstPtr<BF16> q,
      ConstPtr<BF16> kCache,
      ConstPtr<BF16> vCache,
      ConstPtr<I32> blockTables,
      ConstPtr<I32> contextLens,
      Ptr<BF16> out,
      Ptr<F32> partialOut,
      Ptr<F32> partialMax,
      Ptr<F32> partialSum,
      int nHeads,
      int nKvHeads,
      int blockSize,
      int maxBlocksPerSeq,
      int partitionSize,
      int maxPartitions,
      float scaleLog2,
      int window);

  @Global(value = "paged_decode_reduce")
  void reduce(
      Launch launch,
      ConstPtr<F32> partialOut,
      ConstPtr<F32> partialMax,
      ConstPtr<F32> partialSum,
      ConstPtr<I32> contextLens,
      Ptr<BF16> out,
      int nHeads,
      int headDim,
      int partitionSize,
      int maxPartitions,
      int window);
}
