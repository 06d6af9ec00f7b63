package dev.kernelj.ops.kernels.quant;

/**
 * The CUDA C of the one-row streaming kernel ({@code qstream}): the decode of one sequence through
 * a 4- or 8-bit weight with many row tiles, where {@link QuantGemmSource}'s {@code qgemm} spent
 * most of its instructions on bookkeeping around the work. Same packed layout ({@link
 * QuantLayout}), codes as {@code offset + q} exact in the activations' type ({@code Offset4}'s
 * LOP3s for 4-bit; one PRMT a pair for 8-bit f16; 8-bit bf16 takes {@code q - zero} through f32, as
 * {@code qgemm} does, with no offset), the group's scale on the group's f32 sum. A tile is 512
 * bytes either way: 64 inputs of 4-bit codes, 32 of 8-bit.
 *
 * <p>A block is {@code RT} row tiles x {@code KW} warps splitting k (8 warps in all). Each lane
 * copies its own 16 bytes of each weight tile, and for a tile that opens a group its own 8 bytes of
 * the group's meta (scale and zero of its rows g and g + 8, at byte {@code (grp / 8) * 512 + (grp %
 * 8) * 8 + g * 64} of the row tile's meta chunks), with {@code cp.async} into a ring of {@code U}
 * slots in shared memory, and reads back only what it copied: {@code U - 1} tiles in flight without
 * holding registers and without barriers, no shuffles, copy addresses advanced by adds. The row of
 * x is staged once per block over all of k, together with each 64-input tile's sum of it.
 *
 * <p>One row makes every column of the mma the same row of x, so the offset and the zero come off a
 * group's sum without a second mma chain: {@code sum (offset + q) x - (offset + zero) sum x}, with
 * {@code sum x} added up from the staged tile sums (where {@code qgemm} runs a second mma a step
 * with the constant A fragment {@code -(offset + zero)}). Both leave f32 noise at the size of the
 * offset sums. Group boundaries are checked once per tile, so the group size must be a multiple of
 * the tile's 64 inputs; k is not split across blocks.
 *
 * <p>Measured on an H200 (qgemm_bench.cu, BENCHMARKS.md, tenth session), 4-bit: Llama-3-8B's
 * gate/up (28672 x 4096) 22.4 us, 66 % of copy (with the second mma chain, a meta copy every tile
 * and a bounds check on every tile: 27.2), down (4096 x 14336) 12.9 (15.2), qkv (6144 x 4096) 8.0
 * (8.7). 8-bit (nineteenth session, QuantGemmBench): 61-77 % of copy on the same shapes, where the
 * GEMM kernel they replaced measured 30-43 % (first session); batch-1 decode of the 8B shape 212 ->
 * 326 tok/s.
 *
 * <p>A version that did the RMSNorm before the projection (and the residual add before it) while
 * staging x, so that a decode layer launched no norm kernel at one row, made GPTQ 8B batch-1 decode
 * 6-9 % slower than the norm kernel and this one apart, in two forms, on an H200 (BENCHMARKS.md,
 * twentieth session); it was removed in the twenty-third.
 *
 * <p>Under {@code KJ_HOST_EMULATION} the copies are plain synchronous ones.
 */
final class QuantStreamSource {
  private QuantStreamSource() {}

  /** Ring slots per lane ({@code U}): weight tiles in flight plus the one in use. */
  static final int SLOTS = 8;

  /** Warps per block ({@code RT * KW}); the x staging loop assumes {@code kj_q::THREADS}. */
  static final int WARPS = QuantGemmSource.WARPS;

  /** Bytes of a block's rings: per warp and slot, 512 of weights and 256 of meta. */
  static final int RING_BYTES = WARPS * SLOTS * (512 + 256);

  /**
   * Most dynamic shared memory a launch takes: the rings, one staged row of x and its tile sums.
   */
  static final int SHARED_MAX = RING_BYTES + 96 * 1024;

  /** The kernel's static shared memory: {@code red[WARPS][16]}, f32. */
  static final int STATIC_BYTES = WARPS * 16 * 4;

  /**
   * Dynamic shared memory of a launch over {@code kTiles} tiles of {@code bits}-bit codes: the
   * rings, the staged row of x and an f32 sum of each tile of it.
   */
  static long sharedBytes(int kTiles, int bits) {
    return RING_BYTES
        + QuantGemmSource.xSharedBytes(1, kTiles, QuantLayout.tileK(bits))
        + 4L * kTiles;
  }

  static final String SOURCE =
      """
      namespace kj_qs {
      using namespace kj_q;

      constexpr int U = 8;
      constexpr int RING_BYTES = WARPS * U * (512 + 256);

      /* 16 (weights, L2 only, 256-byte L2 fetches) or 8 (meta) bytes global -> shared when `on`, in flight until cp_wait:
         predicated in the PTX, so that a copy skipped costs no branch. The "memory" clobbers keep a slot's shared loads
         after the wait for it and before the copy that refills it. */
      __device__ __forceinline__ void cp16(void* smem, const void* gmem, bool on) {
      #if defined(__CUDA_ARCH__)
        asm volatile("{ .reg .pred p; setp.ne.b32 p, %2, 0; @p cp.async.cg.shared.global.L2::256B [%0], [%1], 16; }"
                     :: "r"((unsigned)__cvta_generic_to_shared(smem)), "l"(gmem), "r"((int)on) : "memory");
      #else
        if (on) *reinterpret_cast<uint4*>(smem) = *reinterpret_cast<const uint4*>(gmem);
      #endif
      }
      __device__ __forceinline__ void cp8(void* smem, const void* gmem, bool on) {
      #if defined(__CUDA_ARCH__)
        asm volatile("{ .reg .pred p; setp.ne.b32 p, %2, 0; @p cp.async.ca.shared.global [%0], [%1], 8; }"
                     :: "r"((unsigned)__cvta_generic_to_shared(smem)), "l"(gmem), "r"((int)on) : "memory");
      #else
        if (on) *reinterpret_cast<uint2*>(smem) = *reinterpret_cast<const uint2*>(gmem);
      #endif
      }
      __device__ __forceinline__ void cp_commit() {
      #if defined(__CUDA_ARCH__)
        asm volatile("cp.async.commit_group;" ::: "memory");
      #endif
      }
      template <int PENDING> __device__ __forceinline__ void cp_wait() {
      #if defined(__CUDA_ARCH__)
        asm volatile("cp.async.wait_group %0;" :: "n"(PENDING) : "memory");
      #endif
      }

      /* The sum of the two T values packed in v, in f32. */
      template <typename T> __device__ __forceinline__ float pair_sum(unsigned v) {
        const T* h = reinterpret_cast<const T*>(&v);
        return kj::to_f32(h[0]) + kj::to_f32(h[1]);
      }

      /* The row of x into shared memory (zero from kx up to ktiles * KT inputs), and each KT-input tile's sum of it in f32
         into sums[ktiles]: KT / 4 threads a tile, 4 inputs each (8-byte pieces: kx is a multiple of 4, QuantGemm checks),
         added in a fixed tree. A thread's loads of a round go out together; every thread runs the same rounds, as the
         shuffles need whole warps. */
      template <typename T, int KT>
      __device__ __forceinline__ void stage_x_sums(T* xs, float* sums, const T* x, int ktiles, int kx) {
        constexpr int LOADS = 4, PER_TILE = KT / 4;
        const int pieces = ktiles * PER_TILE;
        for (int i0 = 0; i0 < pieces; i0 += LOADS * THREADS) {
          uint2 v[LOADS];
      #pragma unroll
          for (int j = 0; j < LOADS; ++j) {
            const int i = i0 + j * THREADS + threadIdx.x;
            v[j] = make_uint2(0u, 0u);
            if (i < pieces && 4 * i < kx) v[j] = __ldg(reinterpret_cast<const uint2*>(x + 4 * i));
          }
      #pragma unroll
          for (int j = 0; j < LOADS; ++j) {
            const int i = i0 + j * THREADS + threadIdx.x;
            if (i < pieces) *reinterpret_cast<uint2*>(xs + 4 * i) = v[j];
            float s = pair_sum<T>(v[j].x) + pair_sum<T>(v[j].y);
      #pragma unroll
            for (int o = 1; o < PER_TILE; o <<= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
            if (i < pieces && i % PER_TILE == 0) sums[i / PER_TILE] = s;
          }
        }
      }

      /* The A fragment of mma step s of a lane's 16 bytes as (offset + q) exact in T, and the offset + zero that comes off
         with the group's sum of x. 4-bit: Offset4's LOP3s (offsets ROW_G and ROW_G8). 8-bit f16: one PRMT a pair under the
         exponent of 1024 (offset 1024 for both rows). 8-bit bf16 (7 mantissa bits hold no 8-bit code over an offset): the
         exact q - zero through f32, as Dequant gives it, and no offset. */
      template <typename T, int BITS> struct StreamCodes {
        static __device__ __forceinline__ void step(const uint4& wv, int s, const Group&, unsigned (&a)[4]) {
          Offset4<T>::codes(s == 0 ? wv.x : s == 1 ? wv.y : s == 2 ? wv.z : wv.w, a);
        }
        static __device__ __forceinline__ float offset0(unsigned z) { return Offset4<T>::ROW_G + (float)z; }
        static __device__ __forceinline__ float offset1(unsigned z) { return Offset4<T>::ROW_G8 + (float)z; }
      };
      template <> struct StreamCodes<__half, 8> {
        static __device__ __forceinline__ void step(const uint4& wv, int s, const Group&, unsigned (&a)[4]) {
          const unsigned w0 = s == 0 ? wv.x : wv.z, w1 = s == 0 ? wv.y : wv.w;
          a[0] = __byte_perm(w0, 0x64646464u, 0x5240);
          a[1] = __byte_perm(w0, 0x64646464u, 0x5341);
          a[2] = __byte_perm(w1, 0x64646464u, 0x5240);
          a[3] = __byte_perm(w1, 0x64646464u, 0x5341);
        }
        static __device__ __forceinline__ float offset0(unsigned z) { return 1024.f + (float)z; }
        static __device__ __forceinline__ float offset1(unsigned z) { return 1024.f + (float)z; }
      };
      template <> struct StreamCodes<__nv_bfloat16, 8> {
        static __device__ __forceinline__ void step(const uint4& wv, int s, const Group& gr, unsigned (&a)[4]) {
          Dequant<__nv_bfloat16, 8>::step(wv, s, gr, a);
        }
        static __device__ __forceinline__ float offset0(unsigned) { return 0.f; }
        static __device__ __forceinline__ float offset1(unsigned) { return 0.f; }
      };

      /* A warp's running sums over its current group: the code mmas' chain (part: rows g, g + 8 in [0], [2]; the mma's
         columns are all the one row of x) and the sum of x over the same inputs. */
      struct Run {
        float part[4];
        float xsum;
      };

      /* Folds the group into acc0 (row g) and acc1 (row g + 8): sum (offset + q) x - (offset + zero) sum x, times the
         group's scale. */
      __device__ __forceinline__ void fold_run(const Run& run, float& acc0, float& acc1, const Group& gr, float c0, float c1) {
        acc0 += gr.s0 * fmaf(-c0, run.xsum, run.part[0]);
        acc1 += gr.s1 * fmaf(-c1, run.xsum, run.part[2]);
      }

      /* Folds the finished group in (fold_run), then opens the next group (scale and offset + zero from the meta words at
         meta). */
      template <typename T, int BITS>
      __device__ __forceinline__ void next_group(Run& run, float& acc0, float& acc1, Group& gr, float& c0, float& c1,
                                                 const uint2* meta, int scale_bf16) {
        fold_run(run, acc0, acc1, gr, c0, c1);
      #pragma unroll
        for (int q = 0; q < 4; ++q) run.part[q] = 0.f;
        run.xsum = 0.f;
        const uint2 mv = *meta;
        decode_group<T, BITS>(gr, mv.x, mv.y, scale_bf16 != 0);
        c0 = StreamCodes<T, BITS>::offset0(mv.x >> 16);  // offset + zero, as the codes carry them
        c1 = StreamCodes<T, BITS>::offset1(mv.y >> 16);
      }

      /* One 512-byte tile of the weight against the staged row of x at xt (its sum: xsum): when sig says the tile opens a
         group, the finished one is folded in and the next one's meta decoded; then the tile's code mmas (four 4-bit steps,
         two 8-bit). */
      template <typename T, int BITS>
      __device__ __forceinline__ void stream_tile(const uint4& wv, const T* xt, float xsum, const uint2* meta, Run& run,
                                                  float& acc0, float& acc1, Group& gr, float& c0, float& c1, int& sig,
                                                  int& reset, int group_steps, int scale_bf16) {
        constexpr int SPT = BITS == 4 ? 4 : 2;
        uint2 xv[SPT];  // one 16-byte load a pair of steps (QuantLayout.stepInput)
      #pragma unroll
        for (int h = 0; h < SPT / 2; ++h) {
          const uint4 v = *reinterpret_cast<const uint4*>(xt + 32 * h);
          xv[2 * h] = make_uint2(v.x, v.y);
          xv[2 * h + 1] = make_uint2(v.z, v.w);
        }
        if (sig == group_steps) {
          next_group<T, BITS>(run, acc0, acc1, gr, c0, c1, meta, scale_bf16);
          sig = reset;
          reset = 0;
        }
        run.xsum += xsum;
      #pragma unroll
        for (int s = 0; s < SPT; ++s) {
          unsigned a[4];
          StreamCodes<T, BITS>::step(wv, s, gr, a);
          kj::mma<T>(run.part, a, xv[s].x, xv[s].y);
        }
        sig += SPT;
      }

      /* out[0, n) = the one row of x times the 4- or 8-bit weight; see QuantStreamSource.java. */
      template <typename T, int BITS, int RT, int KW>
      __device__ __forceinline__ void qstream(T* out, const T* x, const unsigned* wwords, const unsigned* mwords, int n, int kx,
                                              int ktiles, int group_steps, int chunks, int scale_bf16) {
        static_assert(RT * KW == WARPS, "the x staging loop strides by THREADS");
        constexpr int SPT = BITS == 4 ? 4 : 2, KT = 16 * SPT;
      #if defined(KJ_HOST_EMULATION)
        KJ_DYNAMIC_SHARED(smem_words);
        unsigned char* smem = reinterpret_cast<unsigned char*>(smem_words);
      #else
        extern __shared__ __align__(16) unsigned char qstream_smem[];
        unsigned char* smem = qstream_smem;
      #endif
        __shared__ float red[WARPS][16];
        const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, g = lane >> 2, t = lane & 3;
        const int rt = warp / KW, kw = warp - rt * KW;
        const int nt = blockIdx.x * RT + rt;
        const bool live = nt < (n + 15) / 16;
        const int per_warp = (ktiles + KW - 1) / KW;
        const int kb = min(ktiles, kw * per_warp), ke = live ? min(ktiles, (kw + 1) * per_warp) : kb;
        uint4* wslot = reinterpret_cast<uint4*>(smem) + warp * U * 32 + lane;
        uint2* mslot = reinterpret_cast<uint2*>(smem + WARPS * U * 512) + warp * U * 32 + lane;
        T* xs = reinterpret_cast<T*>(smem + RING_BYTES);
        float* xsums = reinterpret_cast<float*>(xs + x_stride(ktiles, KT));

        /* The copy cursor: the next tile's weights, the meta of its group (igrp at msrc, isig steps into it), and whether
           it opens a group for this warp (the first tile does): only those tiles copy meta. */
        const uint4* wsrc = reinterpret_cast<const uint4*>(wwords) + ((size_t)(live ? nt : 0) * ktiles + kb) * 32 + lane;
        int igrp = kb * SPT / group_steps, isig = kb * SPT - igrp * group_steps;
        const unsigned char* msrc = reinterpret_cast<const unsigned char*>(mwords) + (size_t)(live ? nt : 0) * chunks * 512
                                    + g * 64 + meta_byte(igrp);
        const int sig_start = isig;
        bool opens = true;
        auto issue = [&](int slot, bool valid) {
          cp16(wslot + slot * 32, wsrc, valid);
          cp8(mslot + slot * 32, msrc, valid && opens);
          cp_commit();
          wsrc += 32;
          isig += SPT;
          opens = isig >= group_steps;
          if (opens) {
            isig = 0;
            ++igrp;
            msrc += meta_step(igrp);
          }
        };
        /* Weights and meta are never written by earlier kernels: their first copies go out before the grid wait. */
      #pragma unroll
        for (int i = 0; i < U - 1; ++i) issue(i, kb + i < ke);
        KJ_GRID_WAIT();  // x and out may belong to the kernel before
        stage_x_sums<T, KT>(xs, xsums, x, ktiles, kx);
        __syncthreads();
        const T* xr = xs + 8 * t;  // every lane reads row 0: columns 2t, 2t + 1 of the mma's 8 are the same row

        Run run = {{0.f, 0.f, 0.f, 0.f}, 0.f};
        float acc0 = 0.f, acc1 = 0.f, c0 = 0.f, c1 = 0.f;
        Group gr;
        gr.s0 = gr.s1 = 0.f;
        int sig = group_steps, reset = sig_start;  // the first tile opens its group
        /* Whole rounds of U tiles without bounds checks, then the last tiles (fewer than U, nothing left to copy). */
        int kt = kb;
        for (; kt + U <= ke; kt += U) {
      #pragma unroll
          for (int i = 0; i < U; ++i) {
            issue((i + U - 1) % U, kt + i + U - 1 < ke);
            cp_wait<U - 1>();  // this lane's copies of tile kt + i have landed
            stream_tile<T, BITS>(wslot[i * 32], xr + (kt + i) * KT, xsums[kt + i], mslot + i * 32, run, acc0, acc1, gr, c0, c1, sig,
                           reset, group_steps, scale_bf16);
          }
        }
      #pragma unroll
        for (int i = 0; i < U - 1; ++i) {
          if (kt + i < ke) {
            issue((i + U - 1) % U, false);
            cp_wait<U - 1>();
            stream_tile<T, BITS>(wslot[i * 32], xr + (kt + i) * KT, xsums[kt + i], mslot + i * 32, run, acc0, acc1, gr, c0, c1, sig,
                           reset, group_steps, scale_bf16);
          }
        }
        fold_run(run, acc0, acc1, gr, c0, c1);
        cp_wait<0>();
        KJ_GRID_LAUNCH_DEPENDENTS();
        /* The warps' sums are added in a fixed order. */
        if (t == 0) {
          red[warp][g] = acc0;
          red[warp][g + 8] = acc1;
        }
        __syncthreads();
        if (threadIdx.x < RT * 16) {
          const int r2 = threadIdx.x >> 4, row = threadIdx.x & 15, n0 = (blockIdx.x * RT + r2) * 16;
          float s = 0.f;
      #pragma unroll
          for (int w = 0; w < KW; ++w) s += red[r2 * KW + w][row];
          if (n0 + row < n) out[n0 + row] = kj::from_f32<T>(s);
        }
      }
      }  // namespace kj_qs
      """;
}
