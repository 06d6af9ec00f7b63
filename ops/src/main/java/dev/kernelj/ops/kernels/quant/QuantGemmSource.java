package dev.kernelj.ops.kernels.quant;

import dev.kernelj.ops.kernels.CudaPrelude;
import dev.kernelj.ops.kernels.MmaSource;

/**
 * The CUDA C of {@link QuantGemm}, apart from its launch code so that both stay readable.
 *
 * <p><b>GEMM</b> ({@code qgemm}). The weight is the mma's A operand (16 rows per tile), x the B
 * operand (8 of its rows per {@code m16n8k16}; {@code MT} such column tiles cover up to 64 rows),
 * so one 16-byte weight load serves every row of x. A block is one row tile of the weight and 8
 * warps; each warp streams a contiguous run of the tile's 512-byte k-tiles ({@link QuantLayout})
 * with {@code U} loads in flight, dequantizes each 32-bit word in registers into the mma's A
 * fragment and multiplies. For one row of x ({@code STAGED}, the decode of one sequence) the block
 * first copies its slice of x into shared memory, so that the loop reads B fragments with shared
 * loads: per tile, the global loads with their bounds checks and 64-bit addresses took about 50
 * instructions, as many as the dequantization and the mmas (SASS of sm_90). For more rows every
 * block copying its rows of x before it starts measured slower than the per-tile loads (the loads
 * of x and of the weight overlap there). Dequantization is exact. 8-bit: a code is OR-ed into the
 * mantissa of a magic number ({@code 1024 + q} as f16; bf16 through {@code 2^23 + q} in f32) and
 * {@code magic + zero} subtracted, giving {@code q - zero} as a small integer; with staging,
 * consecutive mma steps alternate between two accumulators, so that one mma does not wait for the
 * one before it. 4-bit: the OR alone gives {@code offset + q} (one LOP3 per code pair, no
 * subtraction: the dequantization was most of the loop's instructions), and each step's second mma,
 * with the constant A fragment {@code -(offset + zero)}, takes the offset off in the f32 sum
 * ({@code Offset4}); the two mmas feed two accumulators. The products accumulate per group in f32
 * ({@code part}); at each group boundary the group's scale (f32) multiplies the group's sum into
 * {@code acc}. So the only roundings are f32 additions and the final store, and scales never touch
 * the tensor cores. (4-bit: the two partial sums run up to about {@code 1040 sum |x|} before they
 * cancel, so their f32 noise is some 1e-4 of {@code sum |w x|}, against the 2^-9 that rounding each
 * weight to bf16 costs the dequantize + cuBLAS path; QuantFixture.offsetRounding bounds it in the
 * tests.)
 *
 * <p>Scales and zeros come in 512-byte chunks of 8 groups, one load per chunk and warp, the next
 * chunk prefetched while the current one is used; a lane gets its two rows' values by shuffle.
 * Weight and meta loads are issued before {@code griddepcontrol.wait}, so when the launch overlaps
 * the previous kernel (programmatic dependent launch) the weight stream starts during that kernel's
 * tail. The warps' sums are added through shared memory in a fixed order; with {@code splits > 1}
 * (short weights: too few row tiles to fill the GPU) the blocks of one row tile split k, leave f32
 * partials and the last block to finish (an atomic ticket per row tile, reset to 0 afterwards) adds
 * them in split order. Results are deterministic.
 *
 * <p><b>Gather</b> ({@code gather}): the activations in the weight's packed input order
 * (act-order). <b>Dequantize</b> ({@code dequant}): dense rows for the cuBLAS path above the
 * crossover.
 *
 * <p>Under {@code KJ_HOST_EMULATION} (the ops tests' host emulator) the mma is the emulator's
 * software one and the cache-hinted load a plain one.
 */
final class QuantGemmSource {
  private QuantGemmSource() {}

  /** Threads per block of the GEMM ({@code kj_q::THREADS}). */
  static final int THREADS = 256;

  /** Warps per block, splitting each block's k range ({@code kj_q::WARPS}). */
  static final int WARPS = 8;

  /**
   * Most dynamic shared memory a GEMM launch stages x in: the plan splits k further when a slice
   * would not fit. 72 KiB holds one row of 36,000 inputs and leaves room for three blocks per SM.
   */
  static final int X_SHARED_MAX = 72 * 1024;

  /**
   * Static shared memory of the instantiation that stages x (8 rows of x): {@code
   * red[WARPS][16][8]} f32 and the split's {@code last_block} flag, which ptxas places in 16 bytes
   * (QuantStaticSharedMemoryTest).
   */
  static final int STAGED_STATIC_BYTES = WARPS * 16 * 8 * 4 + 16;

  /** Padding of a staged x row, in elements ({@code kj_q::x_stride}). */
  static final int X_ROW_PAD = 16;

  /** Bytes of dynamic shared memory for {@code rows} rows of x over {@code tiles} k-tiles. */
  static long xSharedBytes(int rows, int tiles, int tileK) {
    return (long) rows * ((long) tiles * tileK + X_ROW_PAD) * 2;
  }

  static final String SOURCE =
      CudaPrelude.PRELUDE
          + MmaSource.MMA
          + """
      namespace kj_q {

      constexpr int WARPS = 8;
      constexpr int THREADS = 32 * WARPS;

      /* ---- the register dequantization (the tensor-core step is kj::mma, MmaSource) ---- */

      template <typename T> __device__ __forceinline__ unsigned sub2(unsigned a, unsigned b);
      template <> __device__ __forceinline__ unsigned sub2<__half>(unsigned a, unsigned b) {
        __half2 r = __hsub2(*reinterpret_cast<const __half2*>(&a), *reinterpret_cast<const __half2*>(&b));
        return *reinterpret_cast<unsigned*>(&r);
      }
      template <> __device__ __forceinline__ unsigned sub2<__nv_bfloat16>(unsigned a, unsigned b) {
        __nv_bfloat162 r = __hsub2(*reinterpret_cast<const __nv_bfloat162*>(&a), *reinterpret_cast<const __nv_bfloat162*>(&b));
        return *reinterpret_cast<unsigned*>(&r);
      }

      /* T's bits of (magic + v) for a small integer v: 1024 + v for f16 (10 mantissa bits), 128 + v for bf16 (7). */
      template <typename T> struct Magic;
      template <> struct Magic<__half> { static constexpr unsigned BITS = 0x6400u; };
      template <> struct Magic<__nv_bfloat16> { static constexpr unsigned BITS = 0x4300u; };

      /* The A fragment (rows g, g+8 of the 16-row tile; 4 consecutive k) of mma step j of a lane's 16 bytes, exact in T: q - zero
         (8-bit), or offset + q with OFFSET_MMA (4-bit, Offset4). */
      template <typename T, int BITS> struct Dequant;
      /* (w & mask) | bits in one three-input LOP3 (the compiler emits an AND and an OR for the expression). */
      __device__ __forceinline__ unsigned and_or(unsigned w, unsigned mask, unsigned bits) {
      #if defined(__CUDA_ARCH__)
        unsigned r;
        asm("lop3.b32 %0, %1, %2, %3, 0xEA;" : "=r"(r) : "r"(w), "r"(mask), "r"(bits));
        return r;
      #else
        return (w & mask) | bits;
      #endif
      }

      /* Scale and zero of the two weight rows (g and g + 8) a thread holds in the current group. */
      struct Group {
        float s0, s1;      // scales as f32
        unsigned zm0, zm1; // magic + zero in both halves of a T pair (8-bit f16)
        float zf0, zf1;    // 2^23 + zero (8-bit bf16, dequantized through f32)
        unsigned c[4];     // 4-bit: the offset mma's A fragment, -(offset + zero) of rows g, g + 8, g, g + 8
      };

      /* 4-bit codes: the A fragment is offset + q straight from the LOP3s, and a second mma with the constant A
         fragment -(offset + zero) (Group::c) takes offset and zero off in f32: sum (off + q) x - sum (off + z) x.
         f16: rows g (the low nibble of each byte) OR-ed into 0x6400 read 1024 + q; rows g + 8 (the high nibble) OR-ed
         in place into 0x5400 read 64 + q, as that exponent's mantissa unit is 1/16: one shift and four LOP3s a word.
         bf16's 7 mantissa bits leave no room for the second trick: three shifts, all rows into 0x4300 (128 + q). */
      template <typename T> struct Offset4;
      template <> struct Offset4<__half> {
        static __device__ __forceinline__ void codes(unsigned w, unsigned (&a)[4]) {
          const unsigned w8 = w >> 8;
          a[0] = and_or(w, 0x000F000Fu, 0x64006400u);
          a[1] = and_or(w, 0x00F000F0u, 0x54005400u);
          a[2] = and_or(w8, 0x000F000Fu, 0x64006400u);
          a[3] = and_or(w8, 0x00F000F0u, 0x54005400u);
        }
        /* offset + zero of rows g and g + 8 in f32 is ROW_G + z0 and ROW_G8 + z1; neg0 and neg1 give their negatives as
           f16 pairs: exact for any 4-bit zero (at most 16). */
        static constexpr float ROW_G = 1024.f, ROW_G8 = 64.f;
        static __device__ __forceinline__ unsigned neg0(unsigned z) { return (0xE400u + z) * 0x10001u; }
        static __device__ __forceinline__ unsigned neg1(unsigned z) { return (0xD400u + 16u * z) * 0x10001u; }
      };
      template <> struct Offset4<__nv_bfloat16> {
        static __device__ __forceinline__ void codes(unsigned w, unsigned (&a)[4]) {
      #pragma unroll
          for (int p = 0; p < 4; ++p) a[p] = and_or(w >> (4 * p), 0x000F000Fu, 0x43004300u);
        }
        static constexpr float ROW_G = 128.f, ROW_G8 = 128.f;
        static __device__ __forceinline__ unsigned neg0(unsigned z) { return (0xC300u + z) * 0x10001u; }
        static __device__ __forceinline__ unsigned neg1(unsigned z) { return (0xC300u + z) * 0x10001u; }
      };

      template <typename T, int BITS> __device__ __forceinline__ void decode_group(Group& gr, unsigned v0, unsigned v1, bool scale_bf16) {
        const unsigned z0 = v0 >> 16, z1 = v1 >> 16;
        if (scale_bf16) {
          gr.s0 = __uint_as_float((v0 & 0xFFFFu) << 16);
          gr.s1 = __uint_as_float((v1 & 0xFFFFu) << 16);
        } else {
          gr.s0 = __half2float(__ushort_as_half((unsigned short)(v0 & 0xFFFFu)));
          gr.s1 = __half2float(__ushort_as_half((unsigned short)(v1 & 0xFFFFu)));
        }
        if (BITS == 4) {
          gr.c[0] = gr.c[2] = Offset4<T>::neg0(z0);
          gr.c[1] = gr.c[3] = Offset4<T>::neg1(z1);
        } else {
          gr.zm0 = (Magic<T>::BITS + z0) * 0x10001u;
          gr.zm1 = (Magic<T>::BITS + z1) * 0x10001u;
          gr.zf0 = 8388608.f + (float)z0;
          gr.zf1 = 8388608.f + (float)z1;
        }
      }

      /* 4-bit: offset + q (Offset4); the step's second mma takes offset and zero off (OFFSET_MMA). */
      template <typename T> struct Dequant<T, 4> {
        static constexpr bool OFFSET_MMA = true;
        static __device__ __forceinline__ void step(const uint4& wv, int j, const Group&, unsigned (&a)[4]) {
          Offset4<T>::codes(j == 0 ? wv.x : j == 1 ? wv.y : j == 2 ? wv.z : wv.w, a);
        }
      };
      template <> struct Dequant<__half, 8> {
        static constexpr bool OFFSET_MMA = false;
        static __device__ __forceinline__ void step(const uint4& wv, int j, const Group& gr, unsigned (&a)[4]) {
          const unsigned w0 = j == 0 ? wv.x : wv.z, w1 = j == 0 ? wv.y : wv.w;
          a[0] = sub2<__half>(__byte_perm(w0, 0x64646464u, 0x5240), gr.zm0);
          a[1] = sub2<__half>(__byte_perm(w0, 0x64646464u, 0x5341), gr.zm1);
          a[2] = sub2<__half>(__byte_perm(w1, 0x64646464u, 0x5240), gr.zm0);
          a[3] = sub2<__half>(__byte_perm(w1, 0x64646464u, 0x5341), gr.zm1);
        }
      };
      template <> struct Dequant<__nv_bfloat16, 8> {
        static constexpr bool OFFSET_MMA = false;
        static __device__ __forceinline__ unsigned pair(unsigned w, int lo, int hi, float zf) {
          const float a = __uint_as_float(__byte_perm(w, 0x4B000000u, 0x7440 | lo)) - zf;
          const float b = __uint_as_float(__byte_perm(w, 0x4B000000u, 0x7440 | hi)) - zf;
          __nv_bfloat162 r = __floats2bfloat162_rn(a, b);
          return *reinterpret_cast<unsigned*>(&r);
        }
        static __device__ __forceinline__ void step(const uint4& wv, int j, const Group& gr, unsigned (&a)[4]) {
          const unsigned w0 = j == 0 ? wv.x : wv.z, w1 = j == 0 ? wv.y : wv.w;
          a[0] = pair(w0, 0, 2, gr.zf0);
          a[1] = pair(w0, 1, 3, gr.zf1);
          a[2] = pair(w1, 0, 2, gr.zf0);
          a[3] = pair(w1, 1, 3, gr.zf1);
        }
      };

      /* 16 bytes of packed weights, read once: no L1 allocation, 256-byte L2 fetches (as the GEMV measured best). */
      __device__ __forceinline__ uint4 load_w(const uint4* p) {
      #if defined(__CUDA_ARCH__)
        uint4 v;
        asm volatile("ld.global.nc.L1::no_allocate.L2::256B.v4.u32 {%0,%1,%2,%3}, [%4];"
                     : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w) : "l"(p));
        return v;
      #else
        return *p;
      #endif
      }

      /* Byte offset of group grp's meta in a row tile's 512-byte chunks of 8 groups (QuantLayout.metaSlot) for rows 0 and
         8; a lane's rows g and g + 8 (8 bytes) are g * 64 further. */
      __host__ __device__ constexpr int meta_byte(int grp) { return (grp >> 3) * 512 + (grp & 7) * 8; }
      /* meta_byte(grp) - meta_byte(grp - 1): the next 8 bytes, or across to the next chunk every 8 groups. */
      __host__ __device__ constexpr int meta_step(int grp) { return (grp & 7) != 0 ? 8 : 512 - 7 * 8; }

      /* 8 consecutive x elements (16 bytes): a lane's B fragments of both steps of a pair (QuantLayout.stepInput), from
         global memory; zero outside the matrix (kx is a multiple of 4). x16: 16-byte aligned rows, one load. */
      template <typename T> __device__ __forceinline__ uint4 load_x_pair(const T* row, int k, int kx, bool has_row, bool x16) {
        if (!has_row || k >= kx) return make_uint4(0u, 0u, 0u, 0u);
        if (x16 && k + 8 <= kx) return __ldg(reinterpret_cast<const uint4*>(row + k));
        const uint2 lo = __ldg(reinterpret_cast<const uint2*>(row + k));
        const uint2 hi = k + 4 < kx ? __ldg(reinterpret_cast<const uint2*>(row + k + 4)) : make_uint2(0u, 0u);
        return make_uint4(lo.x, lo.y, hi.x, hi.y);
      }

      /* Folds a finished group into acc: its partial sums (CHAINS of them, added in chain order) times the group's
         scales (rows g: s0, rows g + 8: s1), and clears them for the next group. */
      template <int MT, int CHAINS>
      __device__ __forceinline__ void fold_group(float (&acc)[MT][4], float (&part)[CHAINS][MT][4], const Group& gr) {
      #pragma unroll
        for (int r = 0; r < MT; ++r)
      #pragma unroll
          for (int q = 0; q < 4; ++q) {
            float sum = part[0][r][q];
      #pragma unroll
            for (int c = 1; c < CHAINS; ++c) sum += part[c][r][q];
            acc[r][q] += sum * (q < 2 ? gr.s0 : gr.s1);
      #pragma unroll
            for (int c = 0; c < CHAINS; ++c) part[c][r][q] = 0.f;
          }
      }

      /* Elements of a staged row of x: the block's k range plus 16, so that rows start 32 bytes apart modulo 128 and
         the 8 rows of an mma's B fragment load fall into different banks. */
      __host__ __device__ constexpr int x_stride(int tiles, int tile_k) { return tiles * tile_k + 16; }

      /* x[0, rows) x [k0, k0 + span) into shared memory, rows x_stride apart, zero past kx; 8-byte pieces (ldx and kx are
         multiples of 4, QuantGemm checks). */
      template <typename T>
      __device__ __forceinline__ void stage_x(T* xs, const T* x, int rows, int k0, int span, int kx, int stride, long long ldx) {
        const int pieces = span / 4;
        for (int i = threadIdx.x; i < rows * pieces; i += THREADS) {
          const int r = i / pieces, c = 4 * (i - r * pieces);
          uint2 v = make_uint2(0u, 0u);
          if (k0 + c < kx) v = __ldg(reinterpret_cast<const uint2*>(x + (long long)r * ldx + k0 + c));
          *reinterpret_cast<uint2*>(xs + r * stride + c) = v;
        }
      }

      /* Split k: called by every block of tile `tile` once it has left its partials; true in the last of the `splits`
         blocks to arrive, after all of them are visible. That block resets counters[tile] to zero when done, for the
         next launch and graph replay. */
      __device__ __forceinline__ bool last_of_split(unsigned* counters, int tile, int splits, unsigned& last_block) {
        __threadfence();
        __syncthreads();
        if (threadIdx.x == 0) last_block = atomicAdd(counters + tile, 1u) == (unsigned)(splits - 1);
        __syncthreads();
        if (!last_block) return false;
        __threadfence();
        return true;
      }

      /* The block's sums into out: red holds each warp's for ROWS weight rows from n0 by TOK rows of x (the first
         `rows` real), added over the warps in warp order. Split k: each block leaves its partial sums, and the last
         block of the tile (counter `tile`, reset for the next launch and graph replay) adds them in split order. */
      template <typename T, int ROWS, int TOK>
      __device__ __forceinline__ void store_tile(T* out, float (&red)[WARPS][ROWS][TOK], unsigned& last_block, float* partials,
                                                 unsigned* counters, int tile, int split, int splits, int rows, int n0, int n,
                                                 long long ldo) {
        constexpr int SHIFT = ROWS == 16 ? 4 : ROWS == 32 ? 5 : 6;  // cell idx: row idx % ROWS, x row idx / ROWS
        static_assert(1 << SHIFT == ROWS, "ROWS is 16, 32 or 64");
        const int cells = ROWS * rows;
        if (splits == 1) {
          for (int idx = threadIdx.x; idx < cells; idx += THREADS) {
            const int row = idx & (ROWS - 1), tok = idx >> SHIFT;
            float s = 0.f;
      #pragma unroll
            for (int w = 0; w < WARPS; ++w) s += red[w][row][tok];
            if (n0 + row < n) out[tok * ldo + n0 + row] = kj::from_f32<T>(s);
          }
          return;
        }
        float* mine = partials + ((size_t)tile * splits + split) * (ROWS * TOK);
        for (int idx = threadIdx.x; idx < cells; idx += THREADS) {
          const int row = idx & (ROWS - 1), tok = idx >> SHIFT;
          float s = 0.f;
      #pragma unroll
          for (int w = 0; w < WARPS; ++w) s += red[w][row][tok];
          mine[idx] = s;
        }
        if (!last_of_split(counters, tile, splits, last_block)) return;
        const float* all = partials + (size_t)tile * splits * (ROWS * TOK);
        for (int idx = threadIdx.x; idx < cells; idx += THREADS) {
          const int row = idx & (ROWS - 1), tok = idx >> SHIFT;
          float s = 0.f;
          for (int q = 0; q < splits; ++q) s += __ldcg(all + (size_t)q * (ROWS * TOK) + idx);
          if (n0 + row < n) out[tok * ldo + n0 + row] = kj::from_f32<T>(s);
        }
        if (threadIdx.x == 0) counters[tile] = 0u;
      }

      /* The mixed-input GEMM: out[r, n] = sum_g scale(g, n) * sum_{k in g} (code(n, k) - zero(g, n)) * x[r, k].
         Grid: one block per (16-row weight tile, split of k), block 8 warps; each warp streams a contiguous run
         of 16-byte tiles. STAGED (one row of x): the block's slice of x waits in dynamic shared memory (x_stride);
         otherwise each tile's x is loaded from global memory. Layout and launch:
         QuantGemm.java / QuantLayout.java. */
      template <typename T, int BITS, int MT, int U, bool STAGED>
      __device__ __forceinline__ void qgemm(T* out, const T* x, const unsigned* wwords, const unsigned* mwords, float* partials,
                                            unsigned* counters, int m, int n, int kx, int ktiles, int group_steps, int chunks,
                                            long long ldx, long long ldo, int scale_bf16, int splits) {
        constexpr int SPT = BITS == 4 ? 4 : 2;     // mma k-steps per 16-byte tile
        constexpr int KT = 16 * SPT;               // k per tile
        constexpr int TOK = 8 * MT;                // x rows this instantiation covers
      #if defined(KJ_HOST_EMULATION)
        KJ_DYNAMIC_SHARED(smem_words);  // the emulator's buffer of the launch's size
        T* xs = reinterpret_cast<T*>(smem_words);
      #else
        extern __shared__ __align__(16) unsigned char qgemm_smem[];
        T* xs = reinterpret_cast<T*>(qgemm_smem);
      #endif
        __shared__ float red[WARPS][16][TOK];
        __shared__ unsigned last_block;
        const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, g = lane >> 2, t = lane & 3;
        const int nt = blockIdx.x / splits, split = blockIdx.x - nt * splits;
        const int per_split = (ktiles + splits - 1) / splits;
        const int kb_block = min(ktiles, split * per_split), ke_block = min(ktiles, kb_block + per_split);
        const int len = ke_block - kb_block, per_warp = (len + WARPS - 1) / WARPS;
        const int kb = kb_block + min(len, warp * per_warp), ke = kb_block + min(len, (warp + 1) * per_warp);
        const uint4* wp = reinterpret_cast<const uint4*>(wwords) + (size_t)nt * ktiles * 32 + lane;
        const uint4* mp = reinterpret_cast<const uint4*>(mwords) + (size_t)nt * chunks * 32 + lane;
        const int rows = min(m, TOK), stride = x_stride(per_split, KT);

        /* Weights and meta are never written by earlier kernels: their first loads go out before the grid wait. */
        uint4 buf[U];
      #pragma unroll
        for (int i = 0; i < U; ++i) if (kb + i < ke) buf[i] = load_w(wp + (size_t)(kb + i) * 32);
        int grp = 0, sig = 0, chunk = 0;
        uint4 mcur = make_uint4(0u, 0u, 0u, 0u), mnext = mcur;
        if (kb < ke) {
          const int step = kb * SPT;
          grp = step / group_steps;
          sig = step - grp * group_steps;
          chunk = grp >> 3;
          mcur = __ldg(mp + (size_t)chunk * 32);
          if (chunk + 1 < chunks) mnext = __ldg(mp + (size_t)(chunk + 1) * 32);
        }
        KJ_GRID_WAIT();  // x and out may belong to the kernel before
        if (STAGED) {
          stage_x<T>(xs, x, rows, kb_block * KT, len * KT, kx, stride, ldx);
          __syncthreads();
        }
        /* Staged: lanes of rows past m read the last real row (their mma columns are never stored). Not staged: the
           row in global memory, and zeros past m. Either way from the lane's 8 inputs of each pair of steps on. */
        const T* xr[MT];
        bool has_row[MT];
      #pragma unroll
        for (int i = 0; i < MT; ++i) {
          has_row[i] = 8 * i + g < m;
          xr[i] = STAGED ? xs + min(8 * i + g, rows - 1) * stride + 8 * t
                         : x + (has_row[i] ? (long long)(8 * i + g) * ldx : 0) + 8 * t;
        }
        const bool x16 = ((reinterpret_cast<unsigned long long>(x) | (unsigned long long)ldx * sizeof(T)) & 15) == 0;

        /* 4-bit: the code mmas sum into part[0], the offset mmas into part[1], so the step's two mmas do not wait for
           each other. 8-bit, one row: consecutive steps alternate between two partial sums, so an mma does not wait
           for the one before it (measured with the staging; the per-tile path keeps the one chain it was measured
           with). */
        constexpr bool OFFSET_MMA = Dequant<T, BITS>::OFFSET_MMA;
        constexpr int CHAINS = OFFSET_MMA || STAGED ? 2 : 1;
        float acc[MT][4], part[CHAINS][MT][4];
      #pragma unroll
        for (int i = 0; i < MT; ++i)
      #pragma unroll
          for (int r = 0; r < 4; ++r) {
            acc[i][r] = 0.f;
      #pragma unroll
            for (int c = 0; c < CHAINS; ++c) part[c][i][r] = 0.f;
          }

        if (kb < ke) {
          Group gr;
          auto decode = [&]() {
            const int j = grp & 7, src = g * 4 + (j >> 1);
            const unsigned v0 = __shfl_sync(0xffffffffu, (j & 1) ? mcur.z : mcur.x, src);
            const unsigned v1 = __shfl_sync(0xffffffffu, (j & 1) ? mcur.w : mcur.y, src);
            decode_group<T, BITS>(gr, v0, v1, scale_bf16 != 0);
          };
          /* Group boundary: fold the finished group in with its scales, then fetch the next group's. */
          auto next_group = [&]() {
            fold_group<MT, CHAINS>(acc, part, gr);
            sig = 0;
            ++grp;
            if ((grp >> 3) != chunk) {
              ++chunk;
              mcur = mnext;
              if (chunk + 1 < chunks) mnext = __ldg(mp + (size_t)(chunk + 1) * 32);
            }
            decode();
          };
          decode();
          for (int base = kb; base < ke; base += U) {
      #pragma unroll
            for (int i = 0; i < U; ++i) {
              const int kt = base + i;
              if (kt < ke) {
                const uint4 wv = buf[i];
                if (kt + U < ke) buf[i] = load_w(wp + (size_t)(kt + U) * 32);
                const int off = (kt - kb_block) * KT;
                /* One 16-byte load a row and pair of steps: the first step's fragment, then the second's. */
                uint2 xv[SPT][MT];
      #pragma unroll
                for (int h = 0; h < SPT / 2; ++h)
      #pragma unroll
                  for (int r = 0; r < MT; ++r) {
                    const uint4 v = STAGED ? *reinterpret_cast<const uint4*>(xr[r] + off + 32 * h)
                                           : load_x_pair(xr[r], kt * KT + 32 * h, kx - 8 * t, has_row[r], x16);
                    xv[2 * h][r] = make_uint2(v.x, v.y);
                    xv[2 * h + 1][r] = make_uint2(v.z, v.w);
                  }
                auto step = [&](int s) {
                  unsigned a[4];
                  Dequant<T, BITS>::step(wv, s, gr, a);
      #pragma unroll
                  for (int r = 0; r < MT; ++r) {
                    if (OFFSET_MMA) {
                      kj::mma<T>(part[0][r], a, xv[s][r].x, xv[s][r].y);
                      kj::mma<T>(part[CHAINS - 1][r], gr.c, xv[s][r].x, xv[s][r].y);
                    } else {
                      kj::mma<T>(part[s % CHAINS][r], a, xv[s][r].x, xv[s][r].y);
                    }
                  }
                };
                /* Groups of whole tiles (every checkpoint's group of 32 or more 8-bit or 64 or more 4-bit inputs)
                   change only between tiles: one check a tile, and the tile's steps run straight. Smaller groups
                   check every step. */
                if (sig == group_steps) next_group();
                if (sig + SPT <= group_steps) {
      #pragma unroll
                  for (int s = 0; s < SPT; ++s) step(s);
                  sig += SPT;
                } else {
      #pragma unroll
                  for (int s = 0; s < SPT; ++s) {
                    if (sig == group_steps) next_group();
                    step(s);
                    ++sig;
                  }
                }
              }
            }
          }
          fold_group<MT, CHAINS>(acc, part, gr);
        }

        KJ_GRID_LAUNCH_DEPENDENTS();
        /* acc[r]: weight rows g (0, 1) and g + 8 (2, 3) of the tile, x rows 8 r + 2 t (0, 2) and 8 r + 2 t + 1 (1, 3).
           The warps' sums are added in a fixed order, so results do not vary from run to run. */
      #pragma unroll
        for (int r = 0; r < MT; ++r) {
          red[warp][g][8 * r + 2 * t] = acc[r][0];
          red[warp][g][8 * r + 2 * t + 1] = acc[r][1];
          red[warp][g + 8][8 * r + 2 * t] = acc[r][2];
          red[warp][g + 8][8 * r + 2 * t + 1] = acc[r][3];
        }
        __syncthreads();
        store_tile<T, 16, TOK>(out, red, last_block, partials, counters, nt, split, splits, rows, nt * 16, n, ldo);
      }


      /* x'[r, j] = x[r, map[j]], or 0 where map[j] < 0: the activations in the weight's packed input order (act-order
         groups made contiguous, short groups padded). Grid-stride over rows x kp. */
      template <typename T>
      __device__ __forceinline__ void gather(T* out, const T* x, const int* map, int m, int kp, long long ldx, long long ldo) {
        KJ_GRID_WAIT();
        const long long total = (long long)m * kp;
        for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x) {
          const int r = (int)(i / kp), j = (int)(i - (long long)r * kp);
          const int src = map[j];
          out[r * ldo + j] = src >= 0 ? x[r * ldx + src] : kj::from_f32<T>(0.f);
        }
      }

      /* The dense weight rows [row0, row0 + rows) of a packed matrix, (code - zero) * scale rounded once to T, row-major
         with row stride ldd, for the cuBLAS path above the crossover. One thread per (rows g and g + 8 of a row tile,
         8 consecutive inputs): those are lane (g, t)'s inputs of both steps of a pair (QuantLayout.stepInput); it reads
         that lane's words of the two steps and the two rows' meta (adjacent words), and writes two 16-byte stores.
         Consecutive threads take consecutive inputs, so a warp's stores are 512 contiguous bytes of each of two rows
         (the element-by-element stores of one tile slot per thread scattered 2-byte writes over 8 rows). */
      template <typename T, int BITS>
      __device__ __forceinline__ void dequant(T* dense, const unsigned* wwords, const unsigned* mwords, int row0, int rows,
                                              int ktiles, int group_steps, int chunks, long long ldd, int scale_bf16) {
        constexpr int SPT = BITS == 4 ? 4 : 2, KT = 16 * SPT;
        const int segs = ktiles * (KT / 8), nt0 = row0 / 16;
        const long long items = (long long)((rows + 15) / 16) * 8 * segs;
        for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < items; i += (long long)gridDim.x * blockDim.x) {
          const int seg = (int)(i % segs);
          const long long pair = i / segs;
          const int g = (int)(pair & 7), nt = nt0 + (int)(pair >> 3);
          const int k0 = 8 * seg, kt = k0 / KT, sp = (k0 % KT) / 32, t = (k0 % 32) / 8;  // sp: the tile's step pair
          const int grp = (kt * SPT + 2 * sp) / group_steps, j = grp & 7;  // groups are whole pairs
          uint2 mv = make_uint2(0u, 0u);  // padding past the last chunk
          if ((grp >> 3) < chunks)
            mv = __ldg(reinterpret_cast<const uint2*>(mwords + (((size_t)nt * chunks + (grp >> 3)) * 32 + g * 4 + (j >> 1)) * 4 + (j & 1) * 2));
          const unsigned* lane = wwords + (((size_t)nt * ktiles + kt) * 32 + g * 4 + t) * 4;
          /* wa[l][0..1]: lane (g, t)'s words of step 2 sp + l: 4-bit one word, 8-bit two (pairs 0-1, then 2-3). */
          unsigned wa[2][2];
      #pragma unroll
          for (int l = 0; l < 2; ++l) {
            const int s = 2 * sp + l;
            if (BITS == 4) {
              wa[l][0] = __ldg(lane + s);
              wa[l][1] = 0u;
            } else {
              const uint2 v = __ldg(reinterpret_cast<const uint2*>(lane + 2 * s));
              wa[l][0] = v.x;
              wa[l][1] = v.y;
            }
          }
      #pragma unroll
          for (int half = 0; half < 2; ++half) {
            const int row = nt * 16 + g + 8 * half;
            if (row - row0 >= rows) continue;
            const unsigned v = half ? mv.y : mv.x;
            const float scale = scale_bf16 ? __uint_as_float((v & 0xFFFFu) << 16) : __half2float(__ushort_as_half((unsigned short)(v & 0xFFFFu)));
            const float zero = (float)(v >> 16);
            float vals[8];
      #pragma unroll
            for (int l = 0; l < 2; ++l)
      #pragma unroll
              for (int e = 0; e < 4; ++e) {
                /* code of (row, k0 + 4 l + e): pair p = half + 2 * (e >> 1), half-word hw = e & 1 */
                const int p = half + 2 * (e >> 1), hw = e & 1;
                const unsigned code = BITS == 4 ? (wa[l][0] >> (4 * p + 16 * hw)) & 0xFu
                                                : (wa[l][p >> 1] >> (8 * ((p & 1) + 2 * hw))) & 0xFFu;
                vals[4 * l + e] = ((float)code - zero) * scale;
              }
            kj::store8(dense + (long long)(row - row0) * ldd + k0, vals);
          }
        }
      }
      }  // namespace kj_q
      """;
}
