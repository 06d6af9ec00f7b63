package dev.kernelj.ops.kernels.quant;

/**
 * The CUDA C of the few-row GEMM with x shared by the block ({@code kj_qfx::fewx}): 4-bit weights
 * against 9 to 32 rows of x through wide weights. Same packed layout ({@link QuantLayout}) and the
 * same per-warp loop as {@link QuantFewSource}'s {@code few} ({@code kj_qf::run_tiles}: two row
 * tiles a warp, one accumulator chain, the group's scale on its f32 sum), and so the same results
 * up to the order of the f32 additions across k.
 *
 * <p>What differs is the block. In {@code few} the 8 warps of a block split k over the same two row
 * tiles, so every warp loads its own fragments of x from global memory in its loop, and every block
 * is short-lived (a few tiles a warp). Here the 8 warps sit side by side over 16 row tiles and walk
 * the same k range: the block copies that range of x into shared memory once (then one barrier),
 * and every warp reads its B fragments there. k is split across blocks instead ({@code splits});
 * the last block of a tile adds the partials in split order with every load of a thread in flight
 * at once (a loop of dependent loads per cell made the split cost ~10 us on an H200).
 *
 * <p>Shared memory: {@code 8 * MT} rows of the split's k range, each row padded by 32 elements so
 * that rows start 64 bytes apart modulo 128 and a quarter warp's 16-byte loads (rows g and g + 1, t
 * = 0..3) fall into different banks.
 *
 * <p>Measured on an H200 (qgemm_bench.cu, BENCHMARKS.md, thirteenth session), µs against {@code
 * few}: at 32 rows Llama-3-8B's gate/up (28672 x 4096) 54.2 against 86.4, 14336 x 4096 27.9 against
 * 49.6, qkv (6144 x 4096) 17.4 against 25.3, down (4096 x 14336) 27.7 against 30.9, Llama-3.2-1B's
 * gate/up (16384 x 2048) 16.9 against 35.1; at 16 rows gate/up 31.2 against 37.2, 14336 x 4096 18.5
 * against 20.8, 16384 x 2048 12.1 against 14.6. Slower where the weight is small (4096 x 4096, 3072
 * x 2048 at 32 rows; qkv and down at 16 rows): {@link QuantGemmPlan} keeps {@code few} there.
 */
final class QuantFewSharedXSource {
  private QuantFewSharedXSource() {}

  /** Row tiles a block: 8 warps of {@link QuantFewSource#ROW_TILES} each. */
  static final int ROW_TILES = QuantGemmSource.WARPS * QuantFewSource.ROW_TILES;

  /** Elements a staged row of x is padded by (see the class comment). */
  static final int X_ROW_PAD = 32;

  /**
   * Most dynamic shared memory a launch stages x in: the plan splits k further when a split's rows
   * of x would not fit. 144 KiB holds 32 rows of 2,272 inputs; at 16 rows (two blocks an SM) the
   * plan's splits keep a block under half of an SM's 228 KiB.
   */
  static final int SHARED_MAX = 144 * 1024;

  /**
   * The kernel's static shared memory: the split's {@code last_block} flag, which ptxas places in
   * 16 bytes (QuantStaticSharedMemoryTest).
   */
  static final int STATIC_BYTES = 16;

  /** Dynamic shared memory for {@code rows} rows of x over {@code tiles} 64-input tiles. */
  static long sharedBytes(int rows, int tiles) {
    return (long) rows * ((long) tiles * QuantLayout.tileK(4) + X_ROW_PAD) * 2;
  }

  static final String SOURCE =
      """
      namespace kj_qfx {
      using namespace kj_q;

      constexpr int ROW_TILES = 2 * WARPS;  // two a warp
      __host__ __device__ constexpr int x_stride(int tiles) { return tiles * 64 + 32; }

      /* out[r, n] as few gives it, for 8 MT rows of x: 16 row tiles a block, k split across blocks (grid: ceil(row tiles /
         16) x splits). Groups of whole 64-input tiles, 4-bit codes. */
      template <typename T, int MT, int U>
      __device__ __forceinline__ void fewx(T* out, const T* x, const unsigned* wwords, const unsigned* mwords, float* partials,
                                           unsigned* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks,
                                           long long ldx, long long ldo, int scale_bf16, int splits) {
        constexpr int RW = 2, SPT = 4, KT = 64, TOK = 8 * MT, BROWS = 16 * ROW_TILES;
      #if defined(KJ_HOST_EMULATION)
        KJ_DYNAMIC_SHARED(smem_words);
        T* xs = reinterpret_cast<T*>(smem_words);
      #else
        extern __shared__ __align__(16) unsigned char fewx_smem[];
        T* xs = reinterpret_cast<T*>(fewx_smem);
      #endif
        __shared__ unsigned last_block;
        const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, g = lane >> 2, t = lane & 3;
        const int tiles = (n + 15) / 16;
        const int bt = blockIdx.x / splits, split = blockIdx.x - bt * splits, nt0 = bt * ROW_TILES + warp * RW;
        const int per_split = (ktiles + splits - 1) / splits;
        const int kb = min(ktiles, split * per_split), ke = min(ktiles, kb + per_split);
        const int groups = (ktiles * SPT + group_steps - 1) / group_steps;

        const uint4* wp[RW];
        const unsigned char* mb[RW];
        uint4 buf[U][RW];
        int grp, sig;
        uint2 mnow[RW], mnext[RW];
        kj_qf::start_tiles<RW, U>(wwords, mwords, nt0, bt * ROW_TILES, tiles, ktiles, chunks, kb, ke, group_steps, groups, wp, mb,
                                  buf, grp, sig, mnow, mnext);
        KJ_GRID_WAIT();  // x and out may belong to the kernel before

        /* x[0, TOK) x [kb, ke) tiles into shared memory, rows past m and inputs past kx as zeros: 16-byte pieces where
           x's rows are 16-byte aligned and kx a multiple of 8, else 8-byte ones (ldx and kx are multiples of 4). Plain
           loads and stores: through cp.async the kernel was 2-13 % slower on an H200 (BENCHMARKS.md). */
        const int stride = x_stride(per_split), span = (ke - kb) * KT, k0 = kb * KT, rows = min(m, TOK);
        const bool x16 = ((reinterpret_cast<unsigned long long>(x) | (unsigned long long)ldx * sizeof(T)) & 15) == 0 && kx % 8 == 0;
        if (x16) {
          const int pieces = span / 8;
          for (int i = threadIdx.x; i < TOK * pieces; i += THREADS) {
            const int r = i / pieces, c = 8 * (i - r * pieces);
            T* dst = xs + r * stride + c;
            uint4 v = make_uint4(0u, 0u, 0u, 0u);
            if (r < rows && k0 + c < kx) v = __ldg(reinterpret_cast<const uint4*>(x + (long long)r * ldx + k0 + c));
            *reinterpret_cast<uint4*>(dst) = v;
          }
        } else {
          const int pieces = span / 4;
          for (int i = threadIdx.x; i < TOK * pieces; i += THREADS) {
            const int r = i / pieces, c = 4 * (i - r * pieces);
            T* dst = xs + r * stride + c;
            uint2 v = make_uint2(0u, 0u);
            if (r < rows && k0 + c < kx) v = __ldg(reinterpret_cast<const uint2*>(x + (long long)r * ldx + k0 + c));
            *reinterpret_cast<uint2*>(dst) = v;
          }
        }
        __syncthreads();

        const T* xr[MT];
      #pragma unroll
        for (int c = 0; c < MT; ++c) xr[c] = xs + (8 * c + g) * stride + 8 * t;

        float acc[RW][MT][4], part[RW][1][MT][4];  // part[r]: row tile r's one chain (fold_group's CHAINS = 1)
      #pragma unroll
        for (int r = 0; r < RW; ++r)
      #pragma unroll
          for (int c = 0; c < MT; ++c)
      #pragma unroll
            for (int q = 0; q < 4; ++q) acc[r][c][q] = part[r][0][c][q] = 0.f;

        if (kb < ke)
          kj_qf::run_tiles<T, MT, RW, U>(acc, part, buf, wp, mb, mnow, mnext, kb, ke, grp, sig, group_steps, groups, scale_bf16, true,
                                         [&](const int kt, uint2 (&xv)[SPT][MT], auto) {
      #pragma unroll
            for (int h = 0; h < SPT / 2; ++h)
      #pragma unroll
              for (int c = 0; c < MT; ++c) {
                const uint4 v = *reinterpret_cast<const uint4*>(xr[c] + (kt - kb) * KT + 32 * h);
                xv[2 * h][c] = make_uint2(v.x, v.y);
                xv[2 * h + 1][c] = make_uint2(v.z, v.w);
              }
          });
        KJ_GRID_LAUNCH_DEPENDENTS();

        /* acc[r][c]: weight rows 16 (nt0 + r) + g (q 0, 1) and + 8 (q 2, 3); x rows 8 c + 2 t (q 0, 2) and + 1 (q 1, 3). */
        if (splits == 1) {
      #pragma unroll
          for (int r = 0; r < RW; ++r)
      #pragma unroll
            for (int c = 0; c < MT; ++c)
      #pragma unroll
              for (int q = 0; q < 4; ++q) {
                const int row = 16 * (nt0 + r) + g + 8 * (q >> 1), tok = 8 * c + 2 * t + (q & 1);
                if (tok < m && row < n) out[tok * ldo + row] = kj::from_f32<T>(acc[r][c][q]);
              }
          return;
        }
        /* Split k: each block leaves its partials (cell tok * BROWS + row of the block's rows); the last block of the tile
           (last_of_split, counter bt) adds them in split order. */
        float* mine = partials + ((size_t)bt * splits + split) * (BROWS * TOK);
      #pragma unroll
        for (int r = 0; r < RW; ++r)
      #pragma unroll
          for (int c = 0; c < MT; ++c)
      #pragma unroll
            for (int q = 0; q < 4; ++q)
              mine[(8 * c + 2 * t + (q & 1)) * BROWS + 16 * (warp * RW + r) + g + 8 * (q >> 1)] = acc[r][c][q];
        if (!last_of_split(counters, bt, splits, last_block)) return;
        const float* all = partials + (size_t)bt * splits * (BROWS * TOK);
        const int n0 = bt * BROWS;
        constexpr int PER = BROWS * TOK / THREADS;
        float sum[PER];
      #pragma unroll
        for (int j = 0; j < PER; ++j) sum[j] = 0.f;
        for (int q = 0; q < splits; ++q)
      #pragma unroll
          for (int j = 0; j < PER; ++j) sum[j] += __ldcg(all + (size_t)q * (BROWS * TOK) + threadIdx.x + j * THREADS);
      #pragma unroll
        for (int j = 0; j < PER; ++j) {
          const int idx = threadIdx.x + j * THREADS, tok = idx / BROWS, row = idx - tok * BROWS;
          if (tok < rows && n0 + row < n) out[tok * ldo + n0 + row] = kj::from_f32<T>(sum[j]);
        }
        if (threadIdx.x == 0) counters[bt] = 0u;
      }
      }  // namespace kj_qfx
      """;
}
