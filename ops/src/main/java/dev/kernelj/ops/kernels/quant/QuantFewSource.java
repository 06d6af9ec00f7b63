package dev.kernelj.ops.kernels.quant;

/**
 * The CUDA C of the few-row GEMM ({@code kj_qf::few}): 4- and 8-bit weights against 2 to 32 rows of
 * x, the decode of a small batch. Same packed layout ({@link QuantLayout}) and the same results as
 * {@link QuantGemmSource}'s {@code qgemm} up to the order of f32 additions.
 *
 * <p>Why a second kernel: at 8 to 16 rows {@code qgemm}'s warp streams one weight row tile and
 * loads the B fragments of every row of x for each of its tiles, so the L1 pipe carries 2 to 4
 * bytes of x for each byte of weight and runs near full (ncu on an H200: L1/TEX 73 %, DRAM 22 % at
 * 16 rows). Here a warp streams {@code RW} row tiles side by side over the same k range and each
 * fragment of x it loads feeds all of them: {@code RW} times less x traffic a weight byte.
 *
 * <p>The registers that costs come from the 4-bit path's second accumulator chain: {@code qgemm}
 * runs an offset mma per step ({@code Offset4}: codes as {@code offset + q}, then a constant A
 * fragment {@code -(offset + zero)}). Here one {@code sub2} a register takes {@code offset + zero}
 * off the codes before the mma (exact: both are small integers in the half type, as the 8-bit path
 * does), so there is one chain. A lane reads its group meta (scale and zero of its rows g and g +
 * 8, 8 bytes) straight from global memory one group ahead. k is split across blocks as {@code
 * qgemm} splits it, through the same {@code kj_q::store_tile}. {@link QuantFewSharedXSource}'s
 * kernel takes off the zero the same way ({@code codes_minus_zero}), on x staged in shared memory.
 * 8-bit codes come as {@code qgemm}'s do ({@code Dequant}: {@code q - zero} exact in the half
 * type), 32 inputs a 512-byte tile. On an H200 (QuantGemmBench, nineteenth session) 8-bit, bf16 x,
 * at 16 rows took 29.5 us on 14336 x 4096 (50.8 % of copy) and at 32 rows 60.8: no gain from the
 * wider tile there; Llama-3-8B-shaped decode at batch 8 and 16 ran 31 % and 25 % faster than on the
 * GEMM kernel.
 *
 * <p>When x's rows are 16-byte aligned and the warp's k range holds whole tiles of x (always, for
 * contiguous activations), x is read with plain 16-byte loads, rows past m reading row 0 (their
 * sums are never stored), and whole rounds of {@code U} tiles run without bounds checks; otherwise
 * every load is checked.
 *
 * <p>Measured on an H200 (qgemm_bench.cu, BENCHMARKS.md, tenth session), 2 row tiles a warp, 3
 * loads in flight at 8 rows and 2 from 16 rows (two blocks an SM up to 16 rows, {@code
 * blocks_per_sm}): at 8 rows Llama-3-8B's qkv (6144 x 4096) 8.7 against {@code qgemm}'s 13.1 us,
 * down (4096 x 14336, k split 2 ways) 15.7 against 23.3, gate/up (28672 x 4096) 28.1 against 40.0;
 * at 16 rows 11.0 / 16.6, 18.6 / 23.4, 37.2 / 51.6. Slower with fewer blocks than SMs and a k too
 * short to split: 4096 x 4096 (128 blocks) 7.9 against 7.4 at 8 rows, so {@link QuantGemmPlan}
 * keeps {@code qgemm} there. At 32 rows (the accumulators take the registers) {@code qgemm} falls
 * to 12 % of copy and this kernel wins with fewer blocks: 4096 x 4096 13.6 against 19.2 us, down
 * 30.9 against 53.3 (no split), gate/up 86.6 against 126.7.
 */
final class QuantFewSource {
  private QuantFewSource() {}

  /** Weight row tiles a block (and each of its warps) streams side by side. */
  static final int ROW_TILES = 2;

  static final String SOURCE =
      """
      namespace kj_qf {
      using namespace kj_q;

      /* Up to 16 rows (MT 2) two blocks an SM: without the bound the 16-row kernel takes 168 registers and one block, 7 to
         12 % slower on the 8B shapes (H200); with it 128 and no spills at 2 loads in flight (3 spill). 32 rows need their
         registers. */
      constexpr int blocks_per_sm(int mt) { return mt > 2 ? 1 : 2; }
      /* kj_qfew's: at one row tile a warp (RW 1, half the accumulators) four blocks an SM up to 8 rows and three up to 16,
         so that more warps wait on their loads at once (ncu on an H200 had the RW 2 kernel at two warps a scheduler,
         stalled on its own loads). ptxas (CUDA 13.0) fits RW 1 U 3 in 64 registers at 8 rows and, for sm_90, in 80 at
         16 without spills; for sm_80 the 80 registers of three blocks spill 20 bytes at 16 rows, so there it runs two.
         (U 2 at 16 rows, 9 % faster on an H100, spills 8 bytes for sm_90.) */
      constexpr int few_blocks_per_sm(int mt, int rw) {
      #if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 900
        return rw == 1 && mt == 1 ? 4 : blocks_per_sm(mt);
      #else
        return rw == 1 && mt <= 2 ? (mt == 1 ? 4 : 3) : blocks_per_sm(mt);
      #endif
      }

      /* Compile-time flags for a generic lambda's variants. */
      struct kj_true { static constexpr bool value = true; };
      struct kj_false { static constexpr bool value = false; };

      /* One 32-bit word of 4-bit codes as the A fragment of (q - zero): Offset4's LOP3s give offset + q, and
         zp holds offset + zero in the same halves (a Group's c with its signs flipped). */
      template <typename T>
      __device__ __forceinline__ void codes_minus_zero(unsigned w, const unsigned (&zp)[4], unsigned (&a)[4]) {
        Offset4<T>::codes(w, a);
      #pragma unroll
        for (int j = 0; j < 4; ++j) a[j] = sub2<T>(a[j], zp[j]);
      }

      /* The A fragment (q - zero, exact in T) of mma step s of a lane's 16 bytes: 4-bit through codes_minus_zero with
         gr.c (+(offset + zero), signs flipped at decode), 8-bit as Dequant gives it. */
      template <typename T, int BITS>
      __device__ __forceinline__ void step_codes(const uint4& wv, int s, const Group& gr, unsigned (&a)[4]) {
        if (BITS == 4)
          codes_minus_zero<T>(s == 0 ? wv.x : s == 1 ? wv.y : s == 2 ? wv.z : wv.w, gr.c, a);
        else
          Dequant<T, 8>::step(wv, s, gr, a);
      }

      /* Group grp's meta (scale and zero of the lane's rows g and g + 8, 8 bytes) from mb, the lane's place in its row tile's
         meta chunks. */
      __device__ __forceinline__ uint2 group_meta(const unsigned char* mb, int grp) {
        return __ldg(reinterpret_cast<const uint2*>(mb + meta_byte(grp)));
      }

      /* A warp's start on row tiles nt0 .. nt0 + RW - 1 over k-tiles [kb, ke): each row tile's weight and meta pointers
         (row tiles past the matrix read row tile nt0, and their sums are never stored), the first U tiles loaded
         into buf, and the meta of the first group (grp, sig steps into it) and the next. Weights and meta are never
         written by earlier kernels, so all of this goes out before the grid wait. */
      template <int SPT, int RW, int U>
      __device__ __forceinline__ void start_tiles(const unsigned* wwords, const unsigned* mwords, int nt0, int tiles,
                                                  int ktiles, int chunks, int kb, int ke, int group_steps, int groups,
                                                  const uint4* (&wp)[RW], const unsigned char* (&mb)[RW], uint4 (&buf)[U][RW],
                                                  int& grp, int& sig, uint2 (&mnow)[RW], uint2 (&mnext)[RW]) {
        const int lane = threadIdx.x & 31, g = lane >> 2;
      #pragma unroll
        for (int r = 0; r < RW; ++r) {
          const int nt = nt0 + r < tiles ? nt0 + r : nt0;
          wp[r] = reinterpret_cast<const uint4*>(wwords) + (size_t)nt * ktiles * 32 + lane;
          mb[r] = reinterpret_cast<const unsigned char*>(mwords) + (size_t)nt * chunks * 512 + g * 64;
        }
      #pragma unroll
        for (int i = 0; i < U; ++i)
      #pragma unroll
          for (int r = 0; r < RW; ++r)
            if (kb + i < ke) buf[i][r] = load_w(wp[r] + (size_t)(kb + i) * 32);
        grp = kb * SPT / group_steps;
        sig = kb * SPT - grp * group_steps;
      #pragma unroll
        for (int r = 0; r < RW; ++r) {
          mnow[r] = kb < ke ? group_meta(mb[r], grp) : make_uint2(0u, 0u);
          mnext[r] = kb < ke && grp + 1 < groups ? group_meta(mb[r], grp + 1) : make_uint2(0u, 0u);
        }
      }

      /* One warp's run over k-tiles [kb, ke) of RW row tiles against 8 MT rows of x into acc (part: each row tile's
         chain of the group in progress, zero before), U tiles of each in flight (the first U already loaded into buf;
         mnow and mnext hold the meta of groups grp and grp + 1). load_x(kt, xv, fast) fills tile kt's B fragments; FAST
         (whole tiles, no bounds checks) runs whole rounds of U tiles and then the rest, otherwise every tile is checked. */
      template <typename T, int BITS, int MT, int RW, int U, typename LoadX>
      __device__ __forceinline__ void run_tiles(float (&acc)[RW][MT][4], float (&part)[RW][1][MT][4], uint4 (&buf)[U][RW],
                                                const uint4* (&wp)[RW], const unsigned char* (&mb)[RW], uint2 (&mnow)[RW],
                                                uint2 (&mnext)[RW], int kb, int ke, int& grp, int& sig, int group_steps,
                                                int groups, int scale_bf16, bool fast, const LoadX& load_x) {
        constexpr int SPT = BITS == 4 ? 4 : 2;
        /* Each row tile's group: scales as decode_group gives them, and (4-bit) c turned into +(offset + zero) (its
           signs flipped) for codes_minus_zero. */
        Group gr[RW];
        auto decode = [&]() {
      #pragma unroll
          for (int r = 0; r < RW; ++r) {
            decode_group<T, BITS>(gr[r], mnow[r].x, mnow[r].y, scale_bf16 != 0);
            if (BITS == 4) {
      #pragma unroll
              for (int j = 0; j < 4; ++j) gr[r].c[j] ^= 0x80008000u;
            }
          }
        };
        auto fold = [&]() {
      #pragma unroll
          for (int r = 0; r < RW; ++r) fold_group<MT, 1>(acc[r], part[r], gr[r]);
        };
        /* Tile kt (slot i of the loads in flight) into the chains. */
        auto tile = [&](const int kt, const int i, auto fast_tag) {
          uint4 wv[RW];
      #pragma unroll
          for (int r = 0; r < RW; ++r) {
            wv[r] = buf[i][r];
            if (kt + U < ke) buf[i][r] = load_w(wp[r] + (size_t)(kt + U) * 32);
          }
          uint2 xv[SPT][MT];
          load_x(kt, xv, fast_tag);
          if (sig == group_steps) {
            /* Group boundary (between tiles: groups are whole tiles): fold, take the next group's meta, fetch the
               one after it. */
            fold();
            sig = 0;
            ++grp;
      #pragma unroll
            for (int r = 0; r < RW; ++r) {
              mnow[r] = mnext[r];
              if (grp + 1 < groups) mnext[r] = group_meta(mb[r], grp + 1);
            }
            decode();
          }
      #pragma unroll
          for (int s = 0; s < SPT; ++s)
      #pragma unroll
            for (int r = 0; r < RW; ++r) {
              unsigned a[4];
              step_codes<T, BITS>(wv[r], s, gr[r], a);
      #pragma unroll
              for (int c = 0; c < MT; ++c) kj::mma<T>(part[r][0][c], a, xv[s][c].x, xv[s][c].y);
            }
          sig += SPT;
        };
        decode();
        if (fast) {
          int base = kb;
          for (; base + U <= ke; base += U) {
      #pragma unroll
            for (int i = 0; i < U; ++i) tile(base + i, i, kj_true{});
          }
      #pragma unroll
          for (int i = 0; i < U - 1; ++i)
            if (base + i < ke) tile(base + i, i, kj_true{});
        } else {
          for (int base = kb; base < ke; base += U) {
      #pragma unroll
            for (int i = 0; i < U; ++i)
              if (base + i < ke) tile(base + i, i, kj_false{});
          }
        }
        fold();
      }

      /* out[r, n] as qgemm gives it, for up to 8 MT rows of x: RW row tiles a block and a warp, U k-tiles of each in
         flight; groups of whole tiles (64 inputs of 4-bit codes, 32 of 8-bit). Grid: ceil(row tiles / RW) x splits blocks
         of THREADS. */
      template <typename T, int BITS, int MT, int RW, int U>
      __device__ __forceinline__ void few(T* out, const T* x, const unsigned* wwords, const unsigned* mwords, float* partials,
                                          unsigned* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks,
                                          long long ldx, long long ldo, int scale_bf16, int splits) {
        constexpr int SPT = BITS == 4 ? 4 : 2, KT = 16 * SPT, TOK = 8 * MT, ROWS = 16 * RW;
        __shared__ float red[WARPS][ROWS][TOK];
        __shared__ unsigned last_block;
        const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, g = lane >> 2, t = lane & 3;
        const int tiles = (n + 15) / 16;
        const int bt = blockIdx.x / splits, split = blockIdx.x - bt * splits, nt0 = bt * RW;
        const int per_split = (ktiles + splits - 1) / splits;
        const int kb_block = min(ktiles, split * per_split), ke_block = min(ktiles, kb_block + per_split);
        const int len = ke_block - kb_block, per_warp = (len + WARPS - 1) / WARPS;
        const int kb = kb_block + min(len, warp * per_warp), ke = kb_block + min(len, (warp + 1) * per_warp);
        const int groups = (ktiles * SPT + group_steps - 1) / group_steps;

        const uint4* wp[RW];
        const unsigned char* mb[RW];
        uint4 buf[U][RW];
        int grp, sig;
        uint2 mnow[RW], mnext[RW];
        start_tiles<SPT, RW, U>(wwords, mwords, nt0, tiles, ktiles, chunks, kb, ke, group_steps, groups, wp, mb, buf, grp, sig,
                           mnow, mnext);
        KJ_GRID_WAIT();  // x and out may belong to the kernel before

        const T* xr[MT];
        bool has_row[MT];
      #pragma unroll
        for (int i = 0; i < MT; ++i) {
          has_row[i] = 8 * i + g < m;
          xr[i] = x + (has_row[i] ? (long long)(8 * i + g) * ldx : 0) + 8 * t;
        }
        const bool x16 = ((reinterpret_cast<unsigned long long>(x) | (unsigned long long)ldx * sizeof(T)) & 15) == 0;

        float acc[RW][MT][4], part[RW][1][MT][4];  // part[r]: row tile r's one chain (fold_group's CHAINS = 1)
      #pragma unroll
        for (int r = 0; r < RW; ++r)
      #pragma unroll
          for (int i = 0; i < MT; ++i)
      #pragma unroll
            for (int q = 0; q < 4; ++q) acc[r][i][q] = part[r][0][i][q] = 0.f;

        /* FAST: rows of x 16-byte aligned and whole tiles of it in the warp's range, so x loads go without checks; rows
           past m read row 0 (their sums are never stored). xv is uint2[SPT][MT], taken as auto&: CUDA 13.0's cudafe++
           crashes (segmentation fault) on a generic lambda's parameter of an array type that depends on BITS. */
        if (kb < ke)
          run_tiles<T, BITS, MT, RW, U>(acc, part, buf, wp, mb, mnow, mnext, kb, ke, grp, sig, group_steps, groups, scale_bf16,
                                  x16 && (long long)ke * KT <= kx, [&](const int kt, auto& xv, auto fast) {
      #pragma unroll
            for (int h = 0; h < SPT / 2; ++h)
      #pragma unroll
              for (int c = 0; c < MT; ++c) {
                const uint4 v = decltype(fast)::value ? __ldg(reinterpret_cast<const uint4*>(xr[c] + kt * KT + 32 * h))
                                                      : load_x_pair(xr[c], kt * KT + 32 * h, kx - 8 * t, has_row[c], x16);
                xv[2 * h][c] = make_uint2(v.x, v.y);
                xv[2 * h + 1][c] = make_uint2(v.z, v.w);
              }
          });

        KJ_GRID_LAUNCH_DEPENDENTS();
        /* acc[r][c]: weight rows 16 r + g (0, 1) and 16 r + g + 8 (2, 3), x rows 8 c + 2 t (0, 2) and 8 c + 2 t + 1
           (1, 3). The warps' sums are added in a fixed order. */
      #pragma unroll
        for (int r = 0; r < RW; ++r)
      #pragma unroll
          for (int c = 0; c < MT; ++c) {
            red[warp][16 * r + g][8 * c + 2 * t] = acc[r][c][0];
            red[warp][16 * r + g][8 * c + 2 * t + 1] = acc[r][c][1];
            red[warp][16 * r + g + 8][8 * c + 2 * t] = acc[r][c][2];
            red[warp][16 * r + g + 8][8 * c + 2 * t + 1] = acc[r][c][3];
          }
        __syncthreads();
        store_tile<T, ROWS, TOK>(out, red, last_block, partials, counters, bt, split, splits, min(m, TOK), nt0 * 16, n, ldo);
      }
      }  // namespace kj_qf
      """;
}
