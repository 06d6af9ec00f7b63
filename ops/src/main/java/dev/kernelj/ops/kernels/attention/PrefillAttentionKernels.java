package dev.kernelj.ops.kernels.attention;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.Global;
import dev.kernelj.dsl.Kernel;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.ops.kernels.PtxPrelude;

/**
 * Prefill attention as one fused flash-attention kernel per head dimension: bf16 Q/K/V/O, f32
 * accumulation, online softmax in registers, no S x S matrix in memory. Launch it through {@link
 * PrefillAttention}, which computes the grid and checks the shapes.
 *
 * <p>Layout: Q and O are {@code [batch, seqQ, nHeads, headDim]}, K and V {@code [batch, seqKv,
 * nKvHeads, headDim]}, all contiguous. Query head {@code h} reads kv head {@code h / (nHeads /
 * nKvHeads)} (GQA; MQA when nKvHeads is 1). With {@code causal != 0}, query {@code i} sees keys
 * {@code j <= i + (seqKv - seqQ)} (the causal diagonal aligned to the bottom right, so a chunk of
 * new queries sees the whole cached prefix). With {@code window > 0} (causal launches only) query
 * {@code i} also drops keys {@code j <= i + (seqKv - seqQ) - window}, the sliding window of {@link
 * PrefillAttention}; key tiles that lie wholly before the window of a block's first query are never
 * loaded, so the work grows with the window, not the prompt.
 *
 * <p>How it runs (one block = 4 warps = 128 query rows of one (batch, head)): each warp owns 32
 * rows (two m16 tiles of {@code mma.sync.m16n8k16} bf16); K/V tiles of 64 keys stream through
 * shared memory double-buffered with {@code cp.async}; fragments come from shared memory by {@code
 * ldmatrix} (transposed for V); shared rows are XOR-swizzled in 16-byte chunks so that neither the
 * copies nor {@code ldmatrix} hit bank conflicts. Scores are kept in log2 units (the scale carries
 * log2(e)) so the softmax uses {@code exp2f}. Blocks of causal launches run the longest query tiles
 * first, which evens out the tail. A row's bits do not depend on which query tile or chunk it falls
 * in: key tiles are aligned to key 0, and tiles that show a row nothing leave it exactly as it was
 * (an unchanged maximum rescales by 1), so chunked prefill matches an unchunked one bit for bit.
 *
 * <p>The kernel was issue-bound on address arithmetic, not on the tensor cores: every row a lane
 * reads or copies shares one swizzle, so each lane computes its {@code ldmatrix} and {@code
 * cp.async} addresses once and steps them by an XOR or an added constant; row maxima and sums are
 * pairwise trees rather than chains. On an H100 that took B4 H32 S4096 D128 from 274 to 336 TFLOP/s
 * causal and from 308 to 351 non-causal (0.60x and 0.53x PyTorch SDPA in the same run).
 */
@Kernel(
    source =
        PtxPrelude.PTX
            + """
    namespace kj_prefill {

    #ifndef KJ_PREFILL_QK_UNROLL
    #define KJ_PREFILL_QK_UNROLL 8   // full unroll measured fastest on an H200
    #endif
    constexpr int WARPS = 4;
    constexpr int THREADS = WARPS * 32;
    constexpr int M_TILES = 2;                 // m16 tiles per warp
    constexpr int QK_UNROLL = KJ_PREFILL_QK_UNROLL;
    constexpr int BLOCK_M = WARPS * M_TILES * 16;
    constexpr int BLOCK_N = 64;

    using namespace kj_ptx;

    // Copies rows [row0, row0 + ROWS) of a [seq, stride] bf16 matrix into a swizzled tile;
    // rows at or past `rows_valid` become zeros.
    template <int D, int ROWS>
    __device__ __forceinline__ void load_tile(__nv_bfloat16* tile, const __nv_bfloat16* base, size_t stride,
                                              int row0, int rows_valid) {
      constexpr int CHUNKS = D / 8;
      for (int i = threadIdx.x; i < ROWS * CHUNKS; i += THREADS) {
        int row = i / CHUNKS;
        int chunk = i % CHUNKS;
        int global_row = row0 + row;
        bool valid = global_row < rows_valid;
        const __nv_bfloat16* src = base + (valid ? (size_t) global_row * stride + chunk * 8 : 0);
        cp_async_16(smem_addr(tile + swizzle<D>(row, chunk)), src, valid);
      }
    }

    // One thread's share of copying a BLOCK_N-row K or V tile: a fixed 16-byte chunk of every
    // ROW_STEP-th row. ROW_STEP is a multiple of 8, so the swizzle is the same for all of them and
    // both addresses advance by constants instead of being recomputed per copy.
    template <int D>
    struct TileCopy {
      static constexpr int CHUNKS = D / 8;
      static constexpr int ROW_STEP = THREADS / CHUNKS;
      static constexpr int COPIES = BLOCK_N / ROW_STEP;
      static_assert(ROW_STEP % 8 == 0 && BLOCK_N % ROW_STEP == 0, "copy rows must share their swizzle");
      int row;                        // the thread's first row in a tile
      uint32_t dst;                   // its swizzled byte offset in a tile
      const __nv_bfloat16* src;       // that row and chunk of tile 0
      size_t step;                    // elements between rows ROW_STEP apart
      size_t tile_step;               // elements between tiles

      __device__ TileCopy(const __nv_bfloat16* base, size_t stride) {
        row = threadIdx.x / CHUNKS;
        const int chunk = threadIdx.x % CHUNKS;
        dst = swizzle<D>(row, chunk) * 2;
        src = base + (size_t) row * stride + chunk * 8;
        step = ROW_STEP * stride;
        tile_step = BLOCK_N * stride;
      }

      // Tile `tile` into the shared tile at `tile_addr`; rows at or past `rows_valid` become zeros.
      __device__ __forceinline__ void copy(uint32_t tile_addr, int tile, int rows_valid) const {
        const __nv_bfloat16* p = src + tile * tile_step;
        const int first = tile * BLOCK_N + row;
        if (first + BLOCK_N - ROW_STEP < rows_valid) {
    #pragma unroll
          for (int j = 0; j < COPIES; j++) cp_async_16(tile_addr + dst + j * ROW_STEP * D * 2, p + j * step, true);
        } else {
    #pragma unroll
          for (int j = 0; j < COPIES; j++) {
            const bool valid = first + j * ROW_STEP < rows_valid;
            cp_async_16(tile_addr + dst + j * ROW_STEP * D * 2, valid ? p + j * step : src, valid);
          }
        }
      }
    };

    template <int D>
    __device__ __forceinline__ void prefill(
        const __nv_bfloat16* __restrict__ q, const __nv_bfloat16* __restrict__ k,
        const __nv_bfloat16* __restrict__ v, __nv_bfloat16* __restrict__ o,
        int seq_q, int seq_kv, int n_heads, int n_kv_heads, float scale_log2, int causal, int window) {
      extern __shared__ __align__(1024) unsigned char smem_raw[];
      __nv_bfloat16* s_q = reinterpret_cast<__nv_bfloat16*>(smem_raw);
      __nv_bfloat16* s_k = s_q + BLOCK_M * D;          // two buffers of BLOCK_N x D
      __nv_bfloat16* s_v = s_k + 2 * BLOCK_N * D;      // two buffers of BLOCK_N x D

      const int warp = threadIdx.x / 32;
      const int lane = threadIdx.x % 32;
      const int q_tile = gridDim.x - 1 - blockIdx.x;   // longest causal tiles first
      const int batch = blockIdx.y / n_heads;
      const int head = blockIdx.y % n_heads;
      const int kv_head = head / (n_heads / n_kv_heads);
      const size_t q_stride = (size_t) n_heads * D;
      const size_t kv_stride = (size_t) n_kv_heads * D;
      const __nv_bfloat16* q_base = q + ((size_t) batch * seq_q * n_heads + head) * D;
      const __nv_bfloat16* k_base = k + ((size_t) batch * seq_kv * n_kv_heads + kv_head) * D;
      const __nv_bfloat16* v_base = v + ((size_t) batch * seq_kv * n_kv_heads + kv_head) * D;
      __nv_bfloat16* o_base = o + ((size_t) batch * seq_q * n_heads + head) * D;

      const int q0 = q_tile * BLOCK_M;
      const int diagonal = seq_kv - seq_q;             // query i sees keys <= i + diagonal
      const int kv_end = causal ? min(seq_kv, q0 + BLOCK_M + diagonal) : seq_kv;
      const int n_tiles = (kv_end + BLOCK_N - 1) / BLOCK_N;
      // Sliding window: row r keeps keys > r + diagonal - window. Without one, `reach` lies past
      // every row's diagonal, so the same test never masks and W = 0 pays one compare per tile.
      const int reach = window > 0 ? window : seq_kv + BLOCK_M;
      // The block's first row sees the earliest keys: tiles wholly before its window are skipped.
      const int first_tile = window > 0 ? max(0, q0 + diagonal - window + 1) / BLOCK_N : 0;

      // ldmatrix addresses, precomputed per lane. Every row a lane points at has (row & 7) ==
      // (lane & 7), so chunk 2 * kk + j of it is swizzled to (j ^ (lane & 7)) ^ 2 * kk; tiles
      // start on multiples of the row length (D * 2 bytes), so step kk is one XOR of (kk << 5) on a
      // base address, and further 16-row steps are additions the ldmatrix immediate absorbs.
      constexpr uint32_t ROW_BYTES = D * 2;
      const uint32_t r7 = lane & 7;
      const uint32_t q_lane = smem_addr(s_q) + (warp * M_TILES * 16 + (lane & 15)) * ROW_BYTES + (((lane >> 4) ^ r7) << 4);
      const uint32_t k_lane = ((lane & 7) + ((lane >> 4) << 3)) * ROW_BYTES + ((((lane >> 3) & 1) ^ r7) << 4);
      const uint32_t v_lane = ((lane & 7) + (((lane >> 3) & 1) << 3)) * ROW_BYTES + (((lane >> 4) ^ r7) << 4);
      const uint32_t k_tiles = smem_addr(s_k);
      const uint32_t v_tiles = smem_addr(s_v);
      constexpr uint32_t TILE_BYTES = BLOCK_N * D * 2;

      load_tile<D, BLOCK_M>(s_q, q_base, q_stride, q0, seq_q);
      const TileCopy<D> k_copy(k_base, kv_stride);
      const TileCopy<D> v_copy(v_base, kv_stride);
      k_copy.copy(k_tiles, first_tile, seq_kv);
      v_copy.copy(v_tiles, first_tile, seq_kv);
      cp_async_commit();

      float acc[M_TILES][D / 8][4];
      float row_max[M_TILES][2];
      float row_sum[M_TILES][2];   // per-thread partial sums; the quad reduces them at the end
    #pragma unroll
      for (int mt = 0; mt < M_TILES; mt++) {
    #pragma unroll
        for (int dt = 0; dt < D / 8; dt++) {
          acc[mt][dt][0] = acc[mt][dt][1] = acc[mt][dt][2] = acc[mt][dt][3] = 0.f;
        }
        row_max[mt][0] = row_max[mt][1] = -INFINITY;
        row_sum[mt][0] = row_sum[mt][1] = 0.f;
      }
      const int warp_row0 = warp * M_TILES * 16;

      cp_async_wait_all();
      __syncthreads();

      for (int t = first_tile; t < n_tiles; t++) {
        const int buf = (t - first_tile) & 1;
        if (t + 1 < n_tiles) {
          k_copy.copy(k_tiles + (buf ^ 1) * TILE_BYTES, t + 1, seq_kv);
          v_copy.copy(v_tiles + (buf ^ 1) * TILE_BYTES, t + 1, seq_kv);
        }
        cp_async_commit();
        const uint32_t k_addr = k_tiles + buf * TILE_BYTES + k_lane;
        const uint32_t v_addr = v_tiles + buf * TILE_BYTES + v_lane;

        // S = Q K^T for this warp's rows and the 64 keys of the tile.
        float s[M_TILES][BLOCK_N / 8][4];
    #pragma unroll
        for (int mt = 0; mt < M_TILES; mt++) {
    #pragma unroll
          for (int nt = 0; nt < BLOCK_N / 8; nt++) {
            s[mt][nt][0] = s[mt][nt][1] = s[mt][nt][2] = s[mt][nt][3] = 0.f;
          }
        }
    #pragma unroll QK_UNROLL
        for (int kk = 0; kk < D / 16; kk++) {
          uint32_t a[M_TILES][4];
    #pragma unroll
          for (int mt = 0; mt < M_TILES; mt++) {
            ldmatrix_x4((q_lane ^ (kk << 5)) + mt * 16 * ROW_BYTES, a[mt]);
          }
    #pragma unroll
          for (int nt2 = 0; nt2 < BLOCK_N / 16; nt2++) {
            uint32_t b[4];
            ldmatrix_x4((k_addr ^ (kk << 5)) + nt2 * 16 * ROW_BYTES, b);
    #pragma unroll
            for (int mt = 0; mt < M_TILES; mt++) {
              mma_bf16(s[mt][2 * nt2], a[mt], b[0], b[1]);
              mma_bf16(s[mt][2 * nt2 + 1], a[mt], b[2], b[3]);
            }
          }
        }

        // Mask keys past the end, causally past each row's diagonal, and before each row's window
        // (raw, unscaled scores).
        const int key0 = t * BLOCK_N;
        const bool needs_mask = key0 + BLOCK_N > seq_kv || (causal && key0 + BLOCK_N - 1 > q0 + diagonal)
                                || key0 <= q0 + BLOCK_M - 1 + diagonal - reach;
        if (needs_mask) {
    #pragma unroll
          for (int mt = 0; mt < M_TILES; mt++) {
    #pragma unroll
            for (int nt = 0; nt < BLOCK_N / 8; nt++) {
    #pragma unroll
              for (int e = 0; e < 4; e++) {
                int key = key0 + nt * 8 + (lane & 3) * 2 + (e & 1);
                int row = q0 + warp_row0 + mt * 16 + (lane >> 2) + (e >> 1) * 8;
                if (key >= seq_kv || (causal && key > row + diagonal) || key <= row + diagonal - reach) s[mt][nt][e] = -INFINITY;
              }
            }
          }
        }

        // Online softmax: new running max per row, rescale what was accumulated, exponentiate.
    #pragma unroll
        for (int mt = 0; mt < M_TILES; mt++) {
    #pragma unroll
          for (int half = 0; half < 2; half++) {
            // Pairwise trees, not chains: short dependency chains keep the pipes busy.
            float part[BLOCK_N / 8];
    #pragma unroll
            for (int nt = 0; nt < BLOCK_N / 8; nt++) part[nt] = fmaxf(s[mt][nt][2 * half], s[mt][nt][2 * half + 1]);
    #pragma unroll
            for (int w = BLOCK_N / 16; w > 0; w /= 2) {
    #pragma unroll
              for (int i = 0; i < w; i++) part[i] = fmaxf(part[i], part[i + w]);
            }
            float m = fmaxf(row_max[mt][half], part[0]);
            m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 1));
            m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 2));
            // Maxima stay in raw units; scaling and the subtraction fold into one FFMA per score.
            const float m_scaled = (m == -INFINITY) ? 0.f : m * scale_log2;   // nothing visible yet
            // An unchanged maximum rescales by exactly 1. exp2 of (old max * scale - m_scaled) would
            // not: the FFMA leaves m_scaled's rounding error, so a tile that adds nothing to a row
            // (wholly past its diagonal, which happens or not with where a chunk starts) would still
            // move its bits, and a row's output would depend on how its prompt was chunked.
            const float correction =
                m == row_max[mt][half] ? 1.f : fast_exp2(row_max[mt][half] * scale_log2 - m_scaled);
            row_max[mt][half] = m;
    #pragma unroll
            for (int nt = 0; nt < BLOCK_N / 8; nt++) {
              s[mt][nt][2 * half] = fast_exp2(fmaf(s[mt][nt][2 * half], scale_log2, -m_scaled));
              s[mt][nt][2 * half + 1] = fast_exp2(fmaf(s[mt][nt][2 * half + 1], scale_log2, -m_scaled));
              part[nt] = s[mt][nt][2 * half] + s[mt][nt][2 * half + 1];
            }
    #pragma unroll
            for (int w = BLOCK_N / 16; w > 0; w /= 2) {
    #pragma unroll
              for (int i = 0; i < w; i++) part[i] += part[i + w];
            }
            const float sum = part[0];
            row_sum[mt][half] = row_sum[mt][half] * correction + sum;
            // Once the maxima settle most tiles move none of them: skip the rescale (a warp vote
            // keeps the branch uniform).
            if (__any_sync(0xffffffffu, correction != 1.f)) {
    #pragma unroll
              for (int dt = 0; dt < D / 8; dt++) {
                acc[mt][dt][2 * half] *= correction;
                acc[mt][dt][2 * half + 1] *= correction;
              }
            }
          }
        }

        // O += P V: the score accumulators are already laid out as the A operand.
    #pragma unroll
        for (int kk = 0; kk < BLOCK_N / 16; kk++) {
          uint32_t p[M_TILES][4];
    #pragma unroll
          for (int mt = 0; mt < M_TILES; mt++) {
            p[mt][0] = pack_bf16(s[mt][2 * kk][0], s[mt][2 * kk][1]);
            p[mt][1] = pack_bf16(s[mt][2 * kk][2], s[mt][2 * kk][3]);
            p[mt][2] = pack_bf16(s[mt][2 * kk + 1][0], s[mt][2 * kk + 1][1]);
            p[mt][3] = pack_bf16(s[mt][2 * kk + 1][2], s[mt][2 * kk + 1][3]);
          }
    #pragma unroll
          for (int dt2 = 0; dt2 < D / 16; dt2++) {
            uint32_t b[4];
            ldmatrix_x4_trans((v_addr ^ (dt2 << 5)) + kk * 16 * ROW_BYTES, b);
    #pragma unroll
            for (int mt = 0; mt < M_TILES; mt++) {
              mma_bf16(acc[mt][2 * dt2], p[mt], b[0], b[1]);
              mma_bf16(acc[mt][2 * dt2 + 1], p[mt], b[2], b[3]);
            }
          }
        }

        cp_async_wait_all();
        __syncthreads();
      }

      // Normalise and store; rows past seq_q were padding.
    #pragma unroll
      for (int mt = 0; mt < M_TILES; mt++) {
    #pragma unroll
        for (int half = 0; half < 2; half++) {
          float l = row_sum[mt][half];
          l += __shfl_xor_sync(0xffffffffu, l, 1);
          l += __shfl_xor_sync(0xffffffffu, l, 2);
          const float inv = l > 0.f ? 1.f / l : 0.f;
          const int row = q0 + warp_row0 + mt * 16 + (lane >> 2) + half * 8;
          if (row < seq_q) {
            __nv_bfloat16* out_row = o_base + (size_t) row * q_stride + (lane & 3) * 2;
    #pragma unroll
            for (int dt = 0; dt < D / 8; dt++) {
              *reinterpret_cast<__nv_bfloat162*>(out_row + dt * 8) =
                  __floats2bfloat162_rn(acc[mt][dt][2 * half] * inv, acc[mt][dt][2 * half + 1] * inv);
            }
          }
        }
      }
    }

    }  // namespace kj_prefill

    extern "C" __global__ void __launch_bounds__(128, 2) flash_attention_prefill_d64(
        const __nv_bfloat16* q, const __nv_bfloat16* k, const __nv_bfloat16* v, __nv_bfloat16* o,
        int seq_q, int seq_kv, int n_heads, int n_kv_heads, float scale_log2, int causal, int window) {
      kj_prefill::prefill<64>(q, k, v, o, seq_q, seq_kv, n_heads, n_kv_heads, scale_log2, causal, window);
    }

    extern "C" __global__ void __launch_bounds__(128, 2) flash_attention_prefill_d128(
        const __nv_bfloat16* q, const __nv_bfloat16* k, const __nv_bfloat16* v, __nv_bfloat16* o,
        int seq_q, int seq_kv, int n_heads, int n_kv_heads, float scale_log2, int causal, int window) {
      kj_prefill::prefill<128>(q, k, v, o, seq_q, seq_kv, n_heads, n_kv_heads, scale_log2, causal, window);
    }
    """)
public interface PrefillAttentionKernels {
  /**
   * Dynamic shared memory of the head-dim-128 kernel: a 128-row Q tile and two K and two V tiles of
   * 64 rows.
   */
  int SHARED_BYTES_D128 = (128 + 4 * 64) * 128 * 2;

  /** Dynamic shared memory of the head-dim-64 kernel. */
  int SHARED_BYTES_D64 = (128 + 4 * 64) * 64 * 2;

  /** Query rows per block; the grid's x extent is ceil(seqQ / this). */
  int BLOCK_M = 128;

  /** Threads per block. */
  int THREADS = 128;

  @Global(
      value = "flash_attention_prefill_d64",
      maxThreadsPerBlock = THREADS,
      maxDynamicSharedBytes = SHARED_BYTES_D64)
  void prefillD64(
      Launch launch,
      ConstPtr<BF16> q,
      ConstPtr<BF16> k,
      ConstPtr<BF16> v,
      Ptr<BF16> o,
      int seqQ,
      int seqKv,
      int nHeads,
      int nKvHeads,
      float scaleLog2,
      int causal,
      int window);

  @Global(
      value = "flash_attention_prefill_d128",
      maxThreadsPerBlock = THREADS,
      maxDynamicSharedBytes = SHARED_BYTES_D128)
  void prefillD128(
      Launch launch,
      ConstPtr<BF16> q,
      ConstPtr<BF16> k,
      ConstPtr<BF16> v,
      Ptr<BF16> o,
      int seqQ,
      int seqKv,
      int nHeads,
      int nKvHeads,
      float scaleLog2,
      int causal,
      int window);
}
