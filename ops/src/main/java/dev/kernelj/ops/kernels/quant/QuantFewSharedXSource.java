package dev.kernelj.ops.kernels.quant;

/**
 * The CUDA C of the few-row GEMM with x shared by the block ({@code kj_qfx::fewx}): 4-bit weights
 * against 2 to 32 rows of x through wide weights. Same packed layout ({@link QuantLayout}) and the
 * same arithmetic as {@link QuantFewSource}'s {@code few} (two row tiles a warp, the zero taken off
 * the codes before the mma, one accumulator chain, the group's scale on its f32 sum), and so the
 * same results up to the order of the f32 additions across k.
 *
 * <p>What differs is the block and the loads. In {@code few} the 8 warps of a block split k over
 * the same two row tiles, so every warp loads its own fragments of x from global memory in its
 * loop. Here the 8 warps sit side by side over 16 row tiles and walk the same k range: the block
 * copies that range of x into shared memory once (then one barrier), and every warp reads its B
 * fragments there. k is split across blocks instead ({@code splits}); the last block of a tile adds
 * the partials in split order with every load of a thread in flight at once (a loop of dependent
 * loads per cell made the split cost ~10 us on an H200). The weights and their meta come through a
 * ring of {@code U} slots a warp in shared memory, copied with {@code cp.async} as {@link
 * QuantStreamSource}'s kernel copies them, so that {@code U - 1} tiles are in flight without
 * holding registers.
 *
 * <p>Shared memory: the rings ({@link #ringBytes}), then {@code 8 * MT} rows of the split's k range
 * of x, each row padded by 32 elements so that rows start 64 bytes apart modulo 128 and a quarter
 * warp's 16-byte loads (rows g and g + 1, t = 0..3) fall into different banks.
 *
 * <p>Measured on an H200 (qgemm_bench.cu, BENCHMARKS.md, sixteenth session), µs at the best split,
 * rings against the earlier loads into registers (two tiles in flight) in the same run: at 16 rows
 * Llama-3-8B's gate/up (28672 x 4096) 27.6 against 30.3, 14336 x 4096 16.9 against 18.0, 16384 x
 * 2048 11.8 against 11.9; at 32 rows gate/up 46.4 against 52.8, 14336 x 4096 23.5 against 27.1, qkv
 * (6144 x 4096) 15.3 against 17.0, down (4096 x 14336) 24.4 against 27.3. Three slots were best at
 * 16 rows (four, six and eight slower: the deeper rings cost blocks an SM) and four at 32. What
 * bounds it now is not memory: ncu at 16 rows (gate/up) puts 7 % of a warp's stalls on long
 * scoreboards; a row tile's 64-input tile costs ~100 warp instructions, 8 of them mmas, 45 on the
 * integer pipe (48 % busy) and 36 on the FMA pipe, with 4 warps a scheduler to hide their
 * latencies. Tried and slower: sums of x per tile taking off the zero after the mma (2 % fewer
 * instructions, 5-7 % slower), two accumulator chains a row tile (3-6 % slower). {@link
 * QuantGemmPlan} keeps {@code few} where the weight is small (qkv and down at 16 rows, 4096 x 4096
 * and 3072 x 2048 at 32).
 */
final class QuantFewSharedXSource {
  private QuantFewSharedXSource() {}

  /** Row tiles a block: 8 warps of {@link QuantFewSource#ROW_TILES} each. */
  static final int ROW_TILES = QuantGemmSource.WARPS * QuantFewSource.ROW_TILES;

  /** Elements a staged row of x is padded by (see the class comment). */
  static final int X_ROW_PAD = 32;

  /**
   * Ring slots ({@code U}) of the 1-8 row instantiation (one block an SM: the rings alone take 96
   * KiB). On an H200 (qgemm_bench.cu, BENCHMARKS.md, sixteenth session) gate/up at 8 rows took
   * 23.67 us at eight slots against {@code few}'s 27.82 (no other shape was recorded at 8 rows).
   */
  static final int SLOTS_M8 = 8;

  /** Ring slots ({@code U}) of the 9-16 row instantiations (two blocks an SM). */
  static final int SLOTS_M16 = 3;

  /** Ring slots ({@code U}) of the 17-32 row instantiations (one block an SM). */
  static final int SLOTS_M32 = 4;

  /**
   * Most dynamic shared memory a launch takes: the plan splits k further when a split's rows of x
   * and the rings would not fit this, nor the share of an SM of the blocks an SM the kernel runs.
   */
  static final int SHARED_MAX = 220 * 1024;

  /**
   * The kernel's static shared memory: the split's {@code last_block} flag, which ptxas places in
   * 16 bytes (QuantStaticSharedMemoryTest).
   */
  static final int STATIC_BYTES = 16;

  /** The ring slots of the instantiation for {@code columnTiles} column tiles (1, 2 or 4). */
  static int slots(int columnTiles) {
    return columnTiles == 1 ? SLOTS_M8 : columnTiles == 2 ? SLOTS_M16 : SLOTS_M32;
  }

  /**
   * Bytes of the rings at {@code slots} slots ({@code kj_qfx::ring_bytes}): a slot holds 512 bytes
   * of codes and 256 of meta for each row tile of each warp.
   */
  static int ringBytes(int slots) {
    return QuantGemmSource.WARPS * slots * QuantFewSource.ROW_TILES * (512 + 256);
  }

  /**
   * Dynamic shared memory of the instantiation for {@code columnTiles} column tiles over {@code
   * tiles} 64-input tiles: its rings and {@code 8 * columnTiles} rows of x.
   */
  static long sharedBytes(int columnTiles, int tiles) {
    long x = 8L * columnTiles * ((long) tiles * QuantLayout.tileK(4) + X_ROW_PAD) * 2;
    return ringBytes(slots(columnTiles)) + x;
  }

  static final String SOURCE =
      """
      namespace kj_qfx {
      using namespace kj_q;

      constexpr int ROW_TILES = 2 * WARPS;  // two a warp
      __host__ __device__ constexpr int x_stride(int tiles) { return tiles * 64 + 32; }

      /* Bytes of fewx's rings at U slots: a slot holds, for each warp and each of its two row tiles, 512 bytes
         of codes and 256 of meta (8 a lane). */
      __host__ __device__ constexpr int ring_bytes(int u) { return WARPS * u * 2 * (512 + 256); }

      /* x[0, TOK) x the block's tiles [kb, ke) into shared memory xs (rows `stride` apart), rows past m and inputs past kx
         as zeros: 16-byte pieces where x's rows are 16-byte aligned and kx a multiple of 8, else 8-byte ones (ldx and kx
         are multiples of 4). A thread's LOADS loads of a round go out together before their stores (gate/up at 16 rows
         2 % faster than one load at a time, H200). Plain loads and stores: through cp.async the kernel was 2-13 %
         slower on an H200 (BENCHMARKS.md). */
      template <typename T, int TOK, typename V>
      __device__ __forceinline__ void stage_pieces(T* xs, const T* x, int rows, int kx, int k0, int span, int stride, long long ldx) {
        constexpr int LOADS = 8, PIECE = sizeof(V) / sizeof(T);
        const int pieces = span / PIECE, total = TOK * pieces;
        for (int i0 = threadIdx.x; i0 < total; i0 += LOADS * THREADS) {
          V v[LOADS];
      #pragma unroll
          for (int j = 0; j < LOADS; ++j) {
            const int i = i0 + j * THREADS, r = i / pieces, c = PIECE * (i - r * pieces);
            v[j] = V{};
            if (i < total && r < rows && k0 + c < kx) v[j] = __ldg(reinterpret_cast<const V*>(x + (long long)r * ldx + k0 + c));
          }
      #pragma unroll
          for (int j = 0; j < LOADS; ++j) {
            const int i = i0 + j * THREADS, r = i / pieces, c = PIECE * (i - r * pieces);
            if (i < total) *reinterpret_cast<V*>(xs + r * stride + c) = v[j];
          }
        }
      }
      template <typename T, int TOK>
      __device__ __forceinline__ void stage_rows(T* xs, const T* x, int m, int kx, int kb, int ke, int stride, long long ldx) {
        constexpr int KT = 64;
        const int span = (ke - kb) * KT, k0 = kb * KT, rows = min(m, TOK);
        const bool x16 = ((reinterpret_cast<unsigned long long>(x) | (unsigned long long)ldx * sizeof(T)) & 15) == 0 && kx % 8 == 0;
        if (x16)
          stage_pieces<T, TOK, uint4>(xs, x, rows, kx, k0, span, stride, ldx);
        else
          stage_pieces<T, TOK, uint2>(xs, x, rows, kx, k0, span, stride, ldx);
      }

      /* A warp's B fragments of tile kt (xr: its rows of the staged x at the block's first tile kb). */
      template <typename T, int MT>
      __device__ __forceinline__ void staged_fragments(const T* (&xr)[MT], int kt, int kb, uint2 (&xv)[4][MT]) {
        constexpr int SPT = 4, KT = 64;
      #pragma unroll
        for (int h = 0; h < SPT / 2; ++h)
      #pragma unroll
          for (int c = 0; c < MT; ++c) {
            const uint4 v = *reinterpret_cast<const uint4*>(xr[c] + (kt - kb) * KT + 32 * h);
            xv[2 * h][c] = make_uint2(v.x, v.y);
            xv[2 * h + 1][c] = make_uint2(v.z, v.w);
          }
      }

      /* The block's sums into out. acc[r][c]: weight rows 16 (nt0 + r) + g (q 0, 1) and + 8 (q 2, 3); x rows 8 c + 2 t (q 0,
         2) and + 1 (q 1, 3). Without a split each lane stores its own; split k: each block leaves its partials (cell tok *
         BROWS + row of the block's rows) and the last block of the tile (last_of_split, counter bt) adds them in split
         order, with every load of a thread in flight at once. */
      template <typename T, int MT>
      __device__ __forceinline__ void finish(T* out, const float (&acc)[2][MT][4], float* partials, unsigned* counters,
                                             unsigned& last_block, int m, int n, long long ldo, int bt, int split, int splits,
                                             int nt0) {
        constexpr int RW = 2, TOK = 8 * MT, BROWS = 16 * ROW_TILES;
        const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, g = lane >> 2, t = lane & 3;
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
        const int n0 = bt * BROWS, rows = min(m, TOK);
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

      /* out[r, n] as few gives it, for 8 MT rows of x: 16 row tiles a block, k split across blocks (grid: ceil(row tiles /
         16) x splits). Groups of whole 64-input tiles, 4-bit codes. Each lane copies its 16 bytes of each of its warp's
         two row tiles a tile (and its 8 of meta for a tile that opens a group) with cp.async into a ring of U slots, as
         qstream does: U - 1 tiles in flight without holding registers, each lane reading back only what it copied, so no
         barriers. The ring comes first in the dynamic shared memory (ring_bytes(U)), the staged x after it. */
      template <typename T, int MT, int U>
      __device__ __forceinline__ void fewx(T* out, const T* x, const unsigned* wwords, const unsigned* mwords, float* partials,
                                           unsigned* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks,
                                           long long ldx, long long ldo, int scale_bf16, int splits) {
        constexpr int RW = 2, SPT = 4;
      #if defined(KJ_HOST_EMULATION)
        KJ_DYNAMIC_SHARED(smem_words);
        unsigned char* smem = reinterpret_cast<unsigned char*>(smem_words);
      #else
        extern __shared__ __align__(16) unsigned char fewx_smem[];
        unsigned char* smem = fewx_smem;
      #endif
        __shared__ unsigned last_block;
        const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, g = lane >> 2, t = lane & 3;
        const int tiles = (n + 15) / 16;
        const int bt = blockIdx.x / splits, split = blockIdx.x - bt * splits, nt0 = bt * ROW_TILES + warp * RW;
        const int per_split = (ktiles + splits - 1) / splits;
        const int kb = min(ktiles, split * per_split), ke = min(ktiles, kb + per_split);
        /* Slot i of row tile r: the lane's 16 bytes of codes at wslot[(i * RW + r) * 32], its 8 of meta at mslot[...]. */
        uint4* wslot = reinterpret_cast<uint4*>(smem) + warp * U * RW * 32 + lane;
        uint2* mslot = reinterpret_cast<uint2*>(smem + WARPS * U * RW * 512) + warp * U * RW * 32 + lane;
        T* xs = reinterpret_cast<T*>(smem + ring_bytes(U));

        /* The copy cursor: each row tile's next tile of codes and the meta of its group (igrp, isig steps into it); only
           tiles that open a group for this warp (the first one does) copy meta. Row tiles past the matrix copy the block's
           first row tile; their sums are never stored. */
        const uint4* wsrc[RW];
        const unsigned char* msrc[RW];
        int igrp = kb * SPT / group_steps, isig = kb * SPT - igrp * group_steps;
        const int sig_start = isig;
      #pragma unroll
        for (int r = 0; r < RW; ++r) {
          const int nt = nt0 + r < tiles ? nt0 + r : bt * ROW_TILES;
          wsrc[r] = reinterpret_cast<const uint4*>(wwords) + ((size_t)nt * ktiles + kb) * 32 + lane;
          msrc[r] = reinterpret_cast<const unsigned char*>(mwords) + (size_t)nt * chunks * 512 + g * 64 + meta_byte(igrp);
        }
        bool opens = true;
        auto issue = [&](int slot, bool valid) {
      #pragma unroll
          for (int r = 0; r < RW; ++r) {
            kj_qs::cp16(wslot + (slot * RW + r) * 32, wsrc[r], valid);
            kj_qs::cp8(mslot + (slot * RW + r) * 32, msrc[r], valid && opens);
            wsrc[r] += 32;
          }
          kj_qs::cp_commit();
          isig += SPT;
          opens = isig >= group_steps;
          if (opens) {
            isig = 0;
            ++igrp;
      #pragma unroll
            for (int r = 0; r < RW; ++r) msrc[r] += meta_step(igrp);
          }
        };
        /* Weights and meta are never written by earlier kernels: their first copies go out before the grid wait. */
      #pragma unroll
        for (int i = 0; i < U - 1; ++i) issue(i, kb + i < ke);
        KJ_GRID_WAIT();  // x and out may belong to the kernel before

        const int stride = x_stride(per_split);
        stage_rows<T, 8 * MT>(xs, x, m, kx, kb, ke, stride, ldx);
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
        /* Each row tile's group: scales as decode_group gives them, and c turned into +(offset + zero) (its signs flipped)
           for codes_minus_zero. The first tile opens its group (sig), so the scales folded before it are zeros. */
        Group gr[RW];
      #pragma unroll
        for (int r = 0; r < RW; ++r) gr[r].s0 = gr[r].s1 = 0.f;
        int sig = group_steps, reset = sig_start;
        auto fold = [&]() {
      #pragma unroll
          for (int r = 0; r < RW; ++r) fold_group<MT, 1>(acc[r], part[r], gr[r]);
        };

        /* Tile kt from ring slot i into the chains. */
        auto tile = [&](const int kt, const int i) {
          uint2 xv[SPT][MT];
          staged_fragments<T, MT>(xr, kt, kb, xv);
          uint4 wv[RW];
      #pragma unroll
          for (int r = 0; r < RW; ++r) wv[r] = wslot[(i * RW + r) * 32];
          if (sig == group_steps) {
            fold();
      #pragma unroll
            for (int r = 0; r < RW; ++r) {
              const uint2 mv = mslot[(i * RW + r) * 32];
              decode_group<T, 4>(gr[r], mv.x, mv.y, scale_bf16 != 0);
      #pragma unroll
              for (int j = 0; j < 4; ++j) gr[r].c[j] ^= 0x80008000u;
            }
            sig = reset;
            reset = 0;
          }
      #pragma unroll
          for (int s = 0; s < SPT; ++s)
      #pragma unroll
            for (int r = 0; r < RW; ++r) {
              unsigned a[4];
              kj_qf::codes_minus_zero<T>(s == 0 ? wv[r].x : s == 1 ? wv[r].y : s == 2 ? wv[r].z : wv[r].w, gr[r].c, a);
      #pragma unroll
              for (int c = 0; c < MT; ++c) kj::mma<T>(part[r][0][c], a, xv[s][c].x, xv[s][c].y);
            }
          sig += SPT;
        };
        /* Whole rounds of U tiles without bounds checks, then the last tiles (fewer than U, nothing left to copy). */
        int kt = kb;
        for (; kt + U <= ke; kt += U) {
      #pragma unroll
          for (int i = 0; i < U; ++i) {
            issue((i + U - 1) % U, kt + i + U - 1 < ke);
            kj_qs::cp_wait<U - 1>();  // this lane's copies of tile kt + i have landed
            tile(kt + i, i);
          }
        }
      #pragma unroll
        for (int i = 0; i < U - 1; ++i) {
          if (kt + i < ke) {
            issue((i + U - 1) % U, false);
            kj_qs::cp_wait<U - 1>();
            tile(kt + i, i);
          }
        }
        fold();
        kj_qs::cp_wait<0>();
        KJ_GRID_LAUNCH_DEPENDENTS();
        finish<T, MT>(out, acc, partials, counters, last_block, m, n, ldo, bt, split, splits, nt0);
      }
      }  // namespace kj_qfx
      """;
}
