package dev.kernelj.ops.kernels.quant;

/**
 * The CUDA C of the few-row GEMM with x held in registers ({@code kj_qxr::xreg}): 4-bit weights
 * against 2 to 16 rows of x. Same packed layout ({@link QuantLayout}) and the same arithmetic as
 * {@link QuantFewSource}'s {@code few} (the zero taken off the codes before the mma, the group's
 * scale on its f32 sum), so the same results up to the order of the f32 additions.
 *
 * <p>What differs is which operand stays. {@code few} and {@code fewx} give a warp a row tile and
 * walk k, so every 64-input tile of weights costs the B fragments of x again (from L1 and L2 in
 * {@code few}, from shared memory in {@code fewx}): at 16 rows 2 KB of x for each 512 bytes of
 * weights, and ~100 warp instructions a tile where the dequantization and the mmas need ~50. Here a
 * warp takes two k tiles (128 inputs, one group at group size 128) and keeps their B fragments in
 * 32 registers for the whole launch, then walks the row tiles of its block's range: a row tile
 * costs its two weight tiles, its group's meta, the dequantization and the mmas, nothing else. The
 * {@code W} warps of a block sit side by side over {@code 2 W} k tiles; each row tile's W partial
 * sums (already scaled) meet in shared memory, {@code NB} row tiles at a time, and are added in
 * warp order. A k longer than a block's range is split across blocks: each leaves its partials for
 * its whole run of row tiles, and the last block of the run to finish adds them in block order
 * ({@code kj_q::last_of_split}, one ticket a run), so the split costs a block one fence and one
 * ticket.
 *
 * <p>Grid: {@code runs x kblocks} blocks of {@code 32 W} threads, {@code kblocks = ceil(ktiles / 2
 * W)} and {@code runs = gridDim.x / kblocks} contiguous runs of row tiles. Each warp keeps {@code
 * U} row tiles of weights in flight in registers; the first {@code U} go out before the grid wait.
 * A row tile's mmas alternate between {@code CH} accumulator chains, added at its end. The last
 * block of a split run adds the partials {@code TAIL} cells a thread at a time, the loads of up to
 * four k blocks of them in flight together. A group must not begin inside a warp's pair of tiles
 * ({@link QuantGemmPlan} checks it): group sizes that are multiples of 128 inputs, or one group
 * over all of k.
 *
 * <p>Measured (qgemm_bench.cu, BENCHMARKS.md, twenty-fifth session). Under ncu on an H100, the
 * kernel as first built (four row tiles in flight, one chain) ran gate/up (28672 x 4096) at 16 rows
 * with half its issue slots busy and 138 warp instructions a 512-byte weight tile, so instruction
 * issue, not memory, bounds it. Against that build, in the same runs (H100): two row tiles in
 * flight (106-110 registers against 126-128) were 3-10 % faster at 16 rows on all shapes but one,
 * and up to 8 % faster at 8 rows on Llama-3.2-1B's shapes, level on Llama-3-8B's largest; two
 * chains a further 1-2.5 % at 16 rows. The end-of-run sum at 4 cells a thread with four k blocks of
 * loads in flight was 3-7 % faster than a cell at a time on gate/up and down (14-27 row tiles a
 * run) and within 4 % either way elsewhere (H200). Lost and not kept: taking the zero off the sums
 * by sums of x (4 FMAs a row tile instead of 32 subtractions: up to 3 % faster on the 8B shapes, up
 * to 10 % slower on the small 1B ones) and adding the warps' sums four cells a thread with 16-byte
 * loads (2-22 % slower); and, in the twenty-sixth session (H100), the load addresses stepped a row
 * tile a load with U + 1 ring slots, which took the row tile's SASS from 195 to ~172 instructions
 * but was no faster at two tiles in flight (so latency bounds the kernel as much as issue does) and
 * up to 30 % slower at 8 rows on the 1B shapes (larger code). On an H200 the final kernel ran
 * Llama-3.2-1B's shapes at 16 and 8 rows up to 13 % faster than with four tiles in flight and one
 * chain, and 13-25 % faster than the other kernels ({@link QuantGemmPlan}); on Llama-3-8B's, where
 * k is split over hundreds of row tiles, it stays 6-19 % slower at 16 rows on all but o.
 */
final class QuantXRegSource {
  private QuantXRegSource() {}

  /** k tiles (of 64 inputs) whose x a warp holds. */
  static final int WARP_KTILES = 2;

  /** Warps a block ({@code W}): 512 threads, one block an SM at 128 registers a thread. */
  static final int WARPS = 16;

  /** k tiles a block covers; a longer k is split across blocks. */
  static final int BLOCK_KTILES = WARP_KTILES * WARPS;

  /** Threads a block. */
  static final int THREADS = 32 * WARPS;

  /** Cells of the end-of-run sum a thread takes at a time ({@code TAIL}). */
  static final int TAIL = 4;

  /** {@code W, U, NB, TAIL, CH} of the 1-8 row instantiation. */
  static final String XREG_M8 = WARPS + ", 2, 4, " + TAIL + ", 2";

  /** {@code W, U, NB, TAIL, CH} of the 9-16 row instantiation. */
  static final String XREG_M16 = WARPS + ", 2, 2, " + TAIL + ", 2";

  static final String SOURCE =
      """
      namespace kj_qxr {
      using namespace kj_q;

      constexpr int WARP_KTILES = 2;
      constexpr int TAIL_KBLOCKS = 4;  // k blocks of the end-of-run sum whose loads go out together

      /* out[r, n] as qgemm gives it for up to 8 MT rows of x (MT 1 or 2), 4-bit codes: W warps a block side by side over
         k, x of each warp's two k tiles in registers, U row tiles of weights in flight a warp, partial sums through shared
         memory NB row tiles at a time; k split across blocks meets once at the end of each run. */
      template <typename T, int MT, int W, int U, int NB, int TAIL, int CH>
      __device__ __forceinline__ void xreg(T* out, const T* x, const unsigned* wwords, const unsigned* mwords, float* partials,
                                           unsigned* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks,
                                           long long ldx, long long ldo, int scale_bf16) {
        constexpr int SPT = 4, KT = 64, TOK = 8 * MT, KPB = WARP_KTILES * W;
        __shared__ float red[NB][W][16][TOK];
        __shared__ unsigned last_block;
        const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, g = lane >> 2, t = lane & 3;
        const int tiles = (n + 15) / 16;
        const int kblocks = (ktiles + KPB - 1) / KPB;
        const int run = blockIdx.x / kblocks, kblk = blockIdx.x - run * kblocks;
        const int per = (tiles + (int)gridDim.x / kblocks - 1) / ((int)gridDim.x / kblocks);
        const int nt0 = min(tiles, run * per), count = min(tiles, nt0 + per) - nt0;
        const int kt0 = kblk * KPB + warp * WARP_KTILES;
        const int nkt = max(0, min(WARP_KTILES, ktiles - kt0));
        const int grp = nkt > 0 ? kt0 * SPT / group_steps : 0;

        /* Row tile nt0 + j's two weight tiles and its group's meta for this lane; zeros where the warp has no tile. */
        const uint4* wbase = reinterpret_cast<const uint4*>(wwords) + (size_t)kt0 * 32 + lane;
        const unsigned char* mbase = reinterpret_cast<const unsigned char*>(mwords) + g * 64 + meta_byte(grp);
        uint4 wbuf[U][WARP_KTILES];
        uint2 mbuf[U];
        auto load = [&](int j, uint4 (&wb)[WARP_KTILES], uint2& mv) {
          const size_t nt = (size_t)(nt0 + j);
      #pragma unroll
          for (int i = 0; i < WARP_KTILES; ++i)
            wb[i] = i < nkt ? load_w(wbase + (nt * ktiles + i) * 32) : make_uint4(0u, 0u, 0u, 0u);
          mv = nkt > 0 ? __ldg(reinterpret_cast<const uint2*>(mbase + nt * chunks * 512)) : make_uint2(0u, 0u);
        };
      #pragma unroll
        for (int i = 0; i < U; ++i)
          if (i < count) load(i, wbuf[i], mbuf[i]);
        KJ_GRID_WAIT();  // x and out may belong to the kernel before

        /* The B fragments of the warp's k tiles (QuantLayout.stepInput: a lane's 8 consecutive inputs feed two steps),
           zero past m and past k. */
        const bool x16 = ((reinterpret_cast<unsigned long long>(x) | (unsigned long long)ldx * sizeof(T)) & 15) == 0;
        uint2 xv[WARP_KTILES][SPT][MT];
      #pragma unroll
        for (int c = 0; c < MT; ++c) {
          const bool has_row = 8 * c + g < m;
          const T* row = x + (has_row ? (long long)(8 * c + g) * ldx : 0);
      #pragma unroll
          for (int i = 0; i < WARP_KTILES; ++i)
      #pragma unroll
            for (int h = 0; h < SPT / 2; ++h) {
              const uint4 v = load_x_pair(row, (kt0 + i) * KT + 32 * h + 8 * t, kx, has_row && i < nkt, x16);
              xv[i][2 * h][c] = make_uint2(v.x, v.y);
              xv[i][2 * h + 1][c] = make_uint2(v.z, v.w);
            }
        }
        KJ_GRID_LAUNCH_DEPENDENTS();

        /* Row tiles [jb, jb + cnt) in red: add the warps' sums in warp order, into out (one k block) or into the partials
           (the last k block of the run adds them once the loop is done). */
        const int rows = min(m, TOK);
        auto flush = [&](int jb, int cnt) {
          __syncthreads();
          for (int idx = threadIdx.x; idx < cnt * 16 * TOK; idx += 32 * W) {
            const int jj = idx / (16 * TOK), cell = idx - jj * 16 * TOK, row = cell / TOK, tok = cell % TOK;
            float s = 0.f;
      #pragma unroll
            for (int w = 0; w < W; ++w) s += red[jj][w][row][tok];
            const int nt = nt0 + jb + jj;
            if (kblocks > 1)
              partials[((size_t)nt * kblocks + kblk) * (16 * TOK) + cell] = s;
            else if (tok < rows && nt * 16 + row < n)
              out[tok * ldo + nt * 16 + row] = kj::from_f32<T>(s);
          }
          __syncthreads();
        };

        /* Row tile j from ring slot i: dequantize, mma against the held x, scale, leave the sums in red. */
        auto tile = [&](const int j, const int i) {
          uint4 wv[WARP_KTILES];
      #pragma unroll
          for (int q = 0; q < WARP_KTILES; ++q) wv[q] = wbuf[i][q];
          const uint2 mv = mbuf[i];
          if (j + U < count) load(j + U, wbuf[i], mbuf[i]);
          Group gr;
          decode_group<T, 4>(gr, mv.x, mv.y, scale_bf16 != 0);
      #pragma unroll
          for (int q = 0; q < 4; ++q) gr.c[q] ^= 0x80008000u;  // +(offset + zero), for codes_minus_zero
          /* CH chains of mmas over the steps (alternate steps), added at the end. */
          float acc[CH][MT][4];
      #pragma unroll
          for (int h = 0; h < CH; ++h)
      #pragma unroll
            for (int c = 0; c < MT; ++c)
      #pragma unroll
              for (int q = 0; q < 4; ++q) acc[h][c][q] = 0.f;
      #pragma unroll
          for (int q = 0; q < WARP_KTILES; ++q)
      #pragma unroll
            for (int s = 0; s < SPT; ++s) {
              unsigned a[4];
              kj_qf::codes_minus_zero<T>(s == 0 ? wv[q].x : s == 1 ? wv[q].y : s == 2 ? wv[q].z : wv[q].w, gr.c, a);
              const int h = (q * SPT + s) % CH;
      #pragma unroll
              for (int c = 0; c < MT; ++c) kj::mma<T>(acc[h][c], a, xv[q][s][c].x, xv[q][s][c].y);
            }
          float part[MT][4];
      #pragma unroll
          for (int c = 0; c < MT; ++c)
      #pragma unroll
            for (int q = 0; q < 4; ++q) part[c][q] = CH == 2 ? acc[0][c][q] + acc[1][c][q] : acc[0][c][q];
          const int b = j % NB;
      #pragma unroll
          for (int c = 0; c < MT; ++c) {
            red[b][warp][g][8 * c + 2 * t] = part[c][0] * gr.s0;
            red[b][warp][g][8 * c + 2 * t + 1] = part[c][1] * gr.s0;
            red[b][warp][g + 8][8 * c + 2 * t] = part[c][2] * gr.s1;
            red[b][warp][g + 8][8 * c + 2 * t + 1] = part[c][3] * gr.s1;
          }
          if (b == NB - 1 || j == count - 1) flush(j - b, b + 1);
        };
        for (int j0 = 0; j0 < count; j0 += U) {
      #pragma unroll
          for (int i = 0; i < U; ++i)
            if (j0 + i < count) tile(j0 + i, i);
        }

        /* k split across blocks: one ticket a run (counter nt0); the last block adds the run's partials in block order,
           TAIL cells a thread at a time, the loads of TAIL_KBLOCKS k blocks of them in flight together, so the run's end
           waits on L2 about once a TAIL cells and TAIL_KBLOCKS k blocks rather than once a cell. */
        if (kblocks == 1 || count == 0 || !last_of_split(counters, nt0, kblocks, last_block)) return;
        const int cells = count * 16 * TOK;
        for (int first = threadIdx.x; first < cells; first += TAIL * 32 * W) {
          float s[TAIL];
      #pragma unroll
          for (int u = 0; u < TAIL; ++u) s[u] = 0.f;
          for (int q0 = 0; q0 < kblocks; q0 += TAIL_KBLOCKS) {
            float v[TAIL_KBLOCKS][TAIL];
      #pragma unroll
            for (int dq = 0; dq < TAIL_KBLOCKS; ++dq)
      #pragma unroll
              for (int u = 0; u < TAIL; ++u) {
                const int idx = first + u * 32 * W, jj = idx / (16 * TOK), cell = idx - jj * 16 * TOK, q = q0 + dq;
                v[dq][u] = idx < cells && q < kblocks
                               ? __ldcg(partials + ((size_t)(nt0 + jj) * kblocks + q) * (16 * TOK) + cell)
                               : 0.f;
              }
      #pragma unroll
            for (int dq = 0; dq < TAIL_KBLOCKS; ++dq)
      #pragma unroll
              for (int u = 0; u < TAIL; ++u)
                if (q0 + dq < kblocks) s[u] += v[dq][u];
          }
      #pragma unroll
          for (int u = 0; u < TAIL; ++u) {
            const int idx = first + u * 32 * W, jj = idx / (16 * TOK), cell = idx - jj * 16 * TOK, row = cell / TOK,
                      tok = cell % TOK, nt = nt0 + jj;
            if (idx < cells && tok < rows && nt * 16 + row < n) out[tok * ldo + nt * 16 + row] = kj::from_f32<T>(s[u]);
          }
        }
        if (threadIdx.x == 0) counters[nt0] = 0u;
      }
      }  // namespace kj_qxr
      """;
}
