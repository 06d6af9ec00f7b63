// A persistent variant of the one-row streaming kernel (kj_qs::qstream in QuantStreamSource), timed by
// qgemm_bench beside it; KernelJ does not use it. Why: qstream's blocks are short-lived (gate/up: 896
// blocks of 2 row tiles, each warp 16 tiles), and each block pays its own start (the grid wait, x staged
// over all of k, a barrier) while its warps hold only the U - 1 tiles they copied ahead. The harness's
// read-only kernel, a grid of long-lived threads over the same bytes, reaches 84 % of copy on gate/up
// where qstream reaches 55 %.
//
// Here a grid of at most the resident blocks walks the row tiles: block b takes row tiles b, b + grid,
// b + 2 grid, ...; each of its 8 warps streams the same k range (an eighth of k) of every one of them,
// and the copy cursor runs on from one row tile into the next, so the ring never drains. x is staged
// once per block. At the end of each row tile the warps hand their sums over through shared memory
// (double-buffered, one barrier a row tile) and 16 threads add them in warp order, as qstream does.
// Each tile is qstream's own step (kj_qs::stream_tile) and k is split as qstream splits it with one row
// tile a block, so the outputs are that kernel's bits (qstream_persist_check.cpp checks it on the CPU).
// Not yet run on a GPU: qgemm_bench times it at one row beside the production kernels.
//
// Requires ktiles % 8 == 0 (every warp streams the same number of tiles per row tile, so the barriers
// of a block line up), groups that are whole 64-input tiles, and the dynamic shared memory of qstream
// (kj_qs::RING_BYTES + one staged row of x).
namespace kj_qp {
using namespace kj_q;

template <typename T>
__global__ void __launch_bounds__(kj_q::THREADS) kj_qstream_persist(T* out, const T* x, const unsigned* wwords,
                                                                    const unsigned* mwords, float*, unsigned*, int,
                                                                    int n, int kx, int ktiles, int group_steps,
                                                                    int chunks, long long, long long, int scale_bf16,
                                                                    int) {
  constexpr int U = kj_qs::U, SPT = 4, KT = 64;
#if defined(KJ_HOST_EMULATION)
  KJ_DYNAMIC_SHARED(smem_words);
  unsigned char* smem = reinterpret_cast<unsigned char*>(smem_words);
#else
  extern __shared__ __align__(16) unsigned char persist_smem[];
  unsigned char* smem = persist_smem;
#endif
  __shared__ float red[2][WARPS][16];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, g = lane >> 2, t = lane & 3;
  const int ntiles = (n + 15) / 16;
  const int len = ktiles / WARPS, kb = warp * len;  // this warp's k range of every row tile
  const int rows = (int)blockIdx.x < ntiles ? (ntiles - 1 - (int)blockIdx.x) / (int)gridDim.x + 1 : 0;
  const int total = rows * len;  // tiles this warp streams
  uint4* wslot = reinterpret_cast<uint4*>(smem) + warp * U * 32 + lane;
  uint2* mslot = reinterpret_cast<uint2*>(smem + WARPS * U * 512) + warp * U * 32 + lane;
  T* xs = reinterpret_cast<T*>(smem + kj_qs::RING_BYTES);

  /* The copy cursor: row tile crow, tile ck of this warp's range, and the group of that tile (igrp, isig
     steps into it); at the end of a range it moves on to the same range of the block's next row tile. */
  const int igrp0 = kb * SPT / group_steps, isig0 = kb * SPT - igrp0 * group_steps;
  int crow = blockIdx.x, ck = 0, igrp = igrp0, isig = isig0;
  const uint4* wsrc = reinterpret_cast<const uint4*>(wwords) + ((size_t)crow * ktiles + kb) * 32 + lane;
  const unsigned char* mbase = reinterpret_cast<const unsigned char*>(mwords) + (size_t)crow * chunks * 512 + g * 64;
  auto issue = [&](int slot, bool valid) {
    if (valid) {
      kj_qs::cp16(wslot + slot * 32, wsrc);
      kj_qs::cp8(mslot + slot * 32, mbase + (igrp >> 3) * 512 + (igrp & 7) * 8);
    }
    kj_qs::cp_commit();
    wsrc += 32;
    isig += SPT;
    if (isig >= group_steps) {
      isig = 0;
      ++igrp;
    }
    if (++ck == len) {
      ck = 0;
      crow += gridDim.x;
      wsrc = reinterpret_cast<const uint4*>(wwords) + ((size_t)crow * ktiles + kb) * 32 + lane;
      mbase = reinterpret_cast<const unsigned char*>(mwords) + (size_t)crow * chunks * 512 + g * 64;
      igrp = igrp0;
      isig = isig0;
    }
  };
#pragma unroll
  for (int i = 0; i < U - 1; ++i) issue(i, i < total);
  KJ_GRID_WAIT();
  const int stride = x_stride(ktiles, KT);
  stage_x<T>(xs, x, 1, 0, ktiles * KT, kx, stride, 0);
  __syncthreads();
  const T* xr = xs + 8 * t;

  float acc[1][4] = {{0.f, 0.f, 0.f, 0.f}}, part[2][1][4] = {{{0.f, 0.f, 0.f, 0.f}}, {{0.f, 0.f, 0.f, 0.f}}};
  Group gr;
  gr.s0 = gr.s1 = 0.f;
  int sig = group_steps, reset = isig0;  // the first tile of each row tile opens its group
  int kc = 0, row = 0;                   // the consumer: tile of the range, row tiles finished
  for (int j = 0; j < total; j += U) {
#pragma unroll
    for (int i = 0; i < U; ++i) {
      if (j + i < total) {
        issue((i + U - 1) % U, j + i + U - 1 < total);
        kj_qs::cp_wait<U - 1>();
        const uint4 wv = wslot[i * 32];
        kj_qs::stream_tile<T>(wv, xr + (kb + kc) * KT, mslot + i * 32, acc, part, gr, sig, reset, group_steps,
                              scale_bf16);
        if (++kc == len) {
          /* Row tile done (at the same step in every warp): hand the sums over and add them in warp order. */
          fold_group<1, 2>(acc, part, gr);
          const int buf = row & 1;
          if (t == 0) {
            red[buf][warp][g] = acc[0][0];
            red[buf][warp][g + 8] = acc[0][2];
          }
#pragma unroll
          for (int q = 0; q < 4; ++q) acc[0][q] = 0.f;
          __syncthreads();
          if (threadIdx.x < 16) {
            float s = 0.f;
#pragma unroll
            for (int w = 0; w < WARPS; ++w) s += red[buf][w][threadIdx.x];
            const int r = ((int)blockIdx.x + row * (int)gridDim.x) * 16 + (int)threadIdx.x;
            if (r < n) out[r] = kj::from_f32<T>(s);
          }
          ++row;
          kc = 0;
          sig = group_steps;
          reset = isig0;
        }
      }
    }
  }
  kj_qs::cp_wait<0>();
  KJ_GRID_LAUNCH_DEPENDENTS();
}
}  // namespace kj_qp
