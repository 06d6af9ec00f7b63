package dev.kernelj.ops.kernels.quant;

/**
 * The CUDA C of the one-row streaming kernel ({@code qstream}): the decode of one sequence through
 * a 4-bit weight with many row tiles, where {@link QuantGemmSource}'s {@code qgemm} spent most of
 * its instructions on bookkeeping around the work. Same packed layout ({@link QuantLayout}), same
 * arithmetic (the {@code Offset4} codes and the offset mma, the group's scale on the group's f32
 * sum), so it gives {@code qgemm}'s sums in a different order only across warps.
 *
 * <p>A block is {@code RT} row tiles x {@code KW} warps splitting k (8 warps in all). Each lane
 * copies its own 16 bytes of each weight tile and its own 8 bytes of that tile's group meta (scale
 * and zero of its rows g and g + 8, at byte {@code (grp / 8) * 512 + (grp % 8) * 8 + g * 64} of the
 * row tile's meta chunks) with {@code cp.async} into a ring of {@code U} slots in shared memory,
 * and reads back only what it copied: {@code U - 1} tiles in flight without holding registers and
 * without barriers, no shuffles, copy addresses advanced by adds. The row of x is staged once per
 * block over all of k. Group boundaries are checked once per tile, so the group size must be a
 * multiple of the tile's 64 inputs; k is not split across blocks.
 *
 * <p>Measured on an H200 (qgemm_bench.cu, BENCHMARKS.md): Llama-3-8B's gate/up (28672 x 4096) 27.3
 * against {@code qgemm}'s 39.7 us, down (4096 x 14336) 15.4 against 19.8, qkv (6144 x 4096) 8.8
 * against 12.4.
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

  /** Most dynamic shared memory a launch takes: the rings and one staged row of x. */
  static final int SHARED_MAX = RING_BYTES + 96 * 1024;

  /** Dynamic shared memory of a launch over {@code kTiles} 64-input tiles. */
  static long sharedBytes(int kTiles) {
    return RING_BYTES + QuantGemmSource.xSharedBytes(1, kTiles, 64);
  }

  static final String SOURCE =
      """
      namespace kj_qs {
      using namespace kj_q;

      constexpr int U = 8;
      constexpr int RING_BYTES = WARPS * U * (512 + 256);

      /* 16 (weights, L2 only, 256-byte L2 fetches) or 8 (meta) bytes global -> shared, in flight until cp_wait. The
         "memory" clobbers keep a slot's shared loads after the wait for it and before the copy that refills it. */
      __device__ __forceinline__ void cp16(void* smem, const void* gmem) {
      #if defined(__CUDA_ARCH__)
        asm volatile("cp.async.cg.shared.global.L2::256B [%0], [%1], 16;"
                     :: "r"((unsigned)__cvta_generic_to_shared(smem)), "l"(gmem) : "memory");
      #else
        *reinterpret_cast<uint4*>(smem) = *reinterpret_cast<const uint4*>(gmem);
      #endif
      }
      __device__ __forceinline__ void cp8(void* smem, const void* gmem) {
      #if defined(__CUDA_ARCH__)
        asm volatile("cp.async.ca.shared.global [%0], [%1], 8;"
                     :: "r"((unsigned)__cvta_generic_to_shared(smem)), "l"(gmem) : "memory");
      #else
        *reinterpret_cast<uint2*>(smem) = *reinterpret_cast<const uint2*>(gmem);
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

      /* One 512-byte tile of the weight against the staged row of x at xt: when sig says the tile opens a group, the
         finished group is folded in with its scales and the next group's meta (at meta) decoded; then the tile's four
         mma steps, part[0] the code mmas and part[1] the offset mmas (as qgemm's 4-bit chains). */
      template <typename T>
      __device__ __forceinline__ void stream_tile(const uint4& wv, const T* xt, const uint2* meta, float (&acc)[1][4],
                                                  float (&part)[2][1][4], Group& gr, int& sig, int& reset, int group_steps,
                                                  int scale_bf16) {
        constexpr int SPT = 4;
        uint2 xv[SPT];  // one 16-byte load a pair of steps (QuantLayout.stepInput)
      #pragma unroll
        for (int h = 0; h < SPT / 2; ++h) {
          const uint4 v = *reinterpret_cast<const uint4*>(xt + 32 * h);
          xv[2 * h] = make_uint2(v.x, v.y);
          xv[2 * h + 1] = make_uint2(v.z, v.w);
        }
        if (sig == group_steps) {
          fold_group<1, 2>(acc, part, gr);
          const uint2 mv = *meta;
          decode_group<T, 4>(gr, mv.x, mv.y, scale_bf16 != 0);
          sig = reset;
          reset = 0;
        }
      #pragma unroll
        for (int s = 0; s < SPT; ++s) {
          unsigned a[4];
          Offset4<T>::codes(s == 0 ? wv.x : s == 1 ? wv.y : s == 2 ? wv.z : wv.w, a);
          kj::mma<T>(part[0][0], a, xv[s].x, xv[s].y);
          kj::mma<T>(part[1][0], gr.c, xv[s].x, xv[s].y);
        }
        sig += SPT;
      }

      /* out[0, n) = the one row of x times the 4-bit weight; see QuantStreamSource.java. */
      template <typename T, int RT, int KW>
      __device__ __forceinline__ void qstream(T* out, const T* x, const unsigned* wwords, const unsigned* mwords, int n, int kx,
                                              int ktiles, int group_steps, int chunks, int scale_bf16) {
        static_assert(RT * KW == WARPS, "the x staging loop strides by THREADS");
        constexpr int SPT = 4, KT = 64;
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

        /* The copy cursor: the next tile's weights, and the meta of its group (igrp, isig steps into it). */
        const uint4* wsrc = reinterpret_cast<const uint4*>(wwords) + ((size_t)(live ? nt : 0) * ktiles + kb) * 32 + lane;
        const unsigned char* mbase = reinterpret_cast<const unsigned char*>(mwords) + (size_t)(live ? nt : 0) * chunks * 512 + g * 64;
        int igrp = kb * SPT / group_steps, isig = kb * SPT - igrp * group_steps;
        const int sig_start = isig;
        auto issue = [&](int slot, bool valid) {
          if (valid) {
            cp16(wslot + slot * 32, wsrc);
            cp8(mslot + slot * 32, mbase + (igrp >> 3) * 512 + (igrp & 7) * 8);
          }
          cp_commit();
          wsrc += 32;
          isig += SPT;
          if (isig >= group_steps) {
            isig = 0;
            ++igrp;
          }
        };
        /* Weights and meta are never written by earlier kernels: their first copies go out before the grid wait. */
      #pragma unroll
        for (int i = 0; i < U - 1; ++i) issue(i, kb + i < ke);
        KJ_GRID_WAIT();  // x and out may belong to the kernel before
        const int stride = x_stride(ktiles, KT);
        stage_x<T>(xs, x, 1, 0, ktiles * KT, kx, stride, 0);
        __syncthreads();
        const T* xr = xs + 8 * t;  // every lane reads row 0: columns 2t, 2t + 1 of the mma's 8 are the same row

        /* One mma column tile; part[0]: the code mmas, part[1]: the offset mmas (stream_tile). */
        float acc[1][4] = {{0.f, 0.f, 0.f, 0.f}}, part[2][1][4] = {{{0.f, 0.f, 0.f, 0.f}}, {{0.f, 0.f, 0.f, 0.f}}};
        Group gr;
        gr.s0 = gr.s1 = 0.f;
        int sig = group_steps, reset = sig_start;  // the first tile opens its group
        for (int kt = kb; kt < ke; kt += U) {
      #pragma unroll
          for (int i = 0; i < U; ++i) {
            if (kt + i < ke) {
              issue((i + U - 1) % U, kt + i + U - 1 < ke);
              cp_wait<U - 1>();  // this lane's copies of tile kt + i have landed
              const uint4 wv = wslot[i * 32];
              stream_tile<T>(wv, xr + (kt + i) * KT, mslot + i * 32, acc, part, gr, sig, reset, group_steps, scale_bf16);
            }
          }
        }
        fold_group<1, 2>(acc, part, gr);
        cp_wait<0>();
        KJ_GRID_LAUNCH_DEPENDENTS();
        /* acc[0][0], acc[0][2]: column 2t (x row 0) of weight rows g and g + 8. The warps' sums are added in a fixed
           order. */
        if (t == 0) {
          red[warp][g] = acc[0][0];
          red[warp][g + 8] = acc[0][2];
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
