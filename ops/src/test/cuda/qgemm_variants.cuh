// Experimental shapes of the mixed-input GEMM for qgemm_bench.cu: the per-tile path of the production qgemm
// (QuantGemmSource, STAGED false) generalised over how a block's warps are laid out and how x is fetched, so one
// run on the card can compare them. Uses kj_q's dequantization and the packed layout of QuantLayout unchanged.
// (The variant that staged x in shared memory became the production one-row kernel and left this file.)
//
//   RT   row tiles (16 weight rows each) per block
//   KW   warps per row tile, splitting its k range (production: RT 1, KW 8)
//   U    16-byte weight loads in flight per warp
//   XPF  x of the next tile loaded while the current one is multiplied (production: loaded in place)
namespace kj_qv {
using namespace kj_q;

/* 4 consecutive x elements (8 bytes) as the B fragment pair; zero outside the matrix (the production kernel's
   per-tile x load before it staged x in shared memory). */
template <typename T> __device__ __forceinline__ uint2 load_x(const T* row, int k, int kx, bool has_row) {
  if (has_row && k < kx) return __ldg(reinterpret_cast<const uint2*>(row + k));
  return make_uint2(0u, 0u);
}

template <typename T, int BITS, int MT, int U, int RT, int KW, bool XPF>
__global__ void __launch_bounds__(32 * RT * KW)
qv(T* out, const T* x, const unsigned* wwords, const unsigned* mwords, float* partials, unsigned* counters, int m, int n,
   int kx, int ktiles, int group_steps, int chunks, long long ldx, long long ldo, int scale_bf16, int splits) {
  constexpr int W = RT * KW, NT = 32 * W;
  constexpr int SPT = BITS == 4 ? 4 : 2;
  constexpr int KT = 16 * SPT;
  constexpr int TOK = 8 * MT;
  __shared__ float red[W][16][TOK];
  __shared__ unsigned last_block[RT];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, g = lane >> 2, t = lane & 3;
  const int rt = warp / KW, kw = warp - rt * KW;
  const int row_tiles = (n + 15) / 16;
  const int bt = blockIdx.x / splits, split = blockIdx.x - bt * splits;
  const int nt = bt * RT + rt;
  const bool live = nt < row_tiles;
  const int per_split = (ktiles + splits - 1) / splits;
  const int kb_block = min(ktiles, split * per_split), ke_block = min(ktiles, kb_block + per_split);
  const int len = ke_block - kb_block, per_warp = (len + KW - 1) / KW;
  const int kb = kb_block + min(len, kw * per_warp), ke = live ? kb_block + min(len, (kw + 1) * per_warp) : kb;
  const uint4* wp = reinterpret_cast<const uint4*>(wwords) + (size_t)(live ? nt : 0) * ktiles * 32 + lane;
  const uint4* mp = reinterpret_cast<const uint4*>(mwords) + (size_t)(live ? nt : 0) * chunks * 32 + lane;
  const T* xrow[MT];
  bool has_row[MT];
#pragma unroll
  for (int i = 0; i < MT; ++i) {
    has_row[i] = 8 * i + g < m;
    xrow[i] = x + (has_row[i] ? (long long)(8 * i + g) * ldx : 0) + 4 * t;
  }
  float acc[MT][4], part[MT][4];
#pragma unroll
  for (int i = 0; i < MT; ++i)
#pragma unroll
    for (int r = 0; r < 4; ++r) acc[i][r] = part[i][r] = 0.f;

  if (kb < ke) {
    uint4 buf[U];
#pragma unroll
    for (int i = 0; i < U; ++i)
      if (kb + i < ke) buf[i] = load_w(wp + (size_t)(kb + i) * 32);
    int step = kb * SPT;
    int grp = step / group_steps, sig = step - grp * group_steps;
    int chunk = grp >> 3;
    uint4 mcur = __ldg(mp + (size_t)chunk * 32);
    uint4 mnext = chunk + 1 < chunks ? __ldg(mp + (size_t)(chunk + 1) * 32) : make_uint4(0u, 0u, 0u, 0u);
    KJ_GRID_WAIT();
    uint2 xn[SPT][MT];
    if (XPF) {
#pragma unroll
      for (int s = 0; s < SPT; ++s)
#pragma unroll
        for (int r = 0; r < MT; ++r) xn[s][r] = load_x(xrow[r], kb * KT + 16 * s, kx - 4 * t, has_row[r]);
    }
    Group gr;
    {
      const int j = grp & 7, src = g * 4 + (j >> 1);
      const unsigned v0 = __shfl_sync(0xffffffffu, (j & 1) ? mcur.z : mcur.x, src);
      const unsigned v1 = __shfl_sync(0xffffffffu, (j & 1) ? mcur.w : mcur.y, src);
      decode_group<T, BITS>(gr, v0, v1, scale_bf16 != 0);
    }
    for (int base = kb; base < ke; base += U) {
#pragma unroll
      for (int i = 0; i < U; ++i) {
        const int kt = base + i;
        if (kt < ke) {
          const uint4 wv = buf[i];
          if (kt + U < ke) buf[i] = load_w(wp + (size_t)(kt + U) * 32);
          uint2 xv[SPT][MT];
#pragma unroll
          for (int s = 0; s < SPT; ++s)
#pragma unroll
            for (int r = 0; r < MT; ++r) {
              if (XPF) {
                xv[s][r] = xn[s][r];
              } else {
                xv[s][r] = load_x(xrow[r], kt * KT + 16 * s, kx - 4 * t, has_row[r]);
              }
            }
          if (XPF && kt + 1 < ke) {
#pragma unroll
            for (int s = 0; s < SPT; ++s)
#pragma unroll
              for (int r = 0; r < MT; ++r) xn[s][r] = load_x(xrow[r], (kt + 1) * KT + 16 * s, kx - 4 * t, has_row[r]);
          }
#pragma unroll
          for (int s = 0; s < SPT; ++s) {
            if (sig == group_steps) {
#pragma unroll
              for (int r = 0; r < MT; ++r) {
                acc[r][0] += part[r][0] * gr.s0; acc[r][1] += part[r][1] * gr.s0;
                acc[r][2] += part[r][2] * gr.s1; acc[r][3] += part[r][3] * gr.s1;
                part[r][0] = part[r][1] = part[r][2] = part[r][3] = 0.f;
              }
              sig = 0;
              ++grp;
              if ((grp >> 3) != chunk) {
                ++chunk;
                mcur = mnext;
                if (chunk + 1 < chunks) mnext = __ldg(mp + (size_t)(chunk + 1) * 32);
              }
              const int j = grp & 7, src = g * 4 + (j >> 1);
              const unsigned v0 = __shfl_sync(0xffffffffu, (j & 1) ? mcur.z : mcur.x, src);
              const unsigned v1 = __shfl_sync(0xffffffffu, (j & 1) ? mcur.w : mcur.y, src);
              decode_group<T, BITS>(gr, v0, v1, scale_bf16 != 0);
            }
            unsigned a[4];
            Dequant<T, BITS>::step(wv, s, gr, a);
#pragma unroll
            for (int r = 0; r < MT; ++r) kj::mma<T>(part[r], a, xv[s][r].x, xv[s][r].y);
            ++sig;
          }
        }
      }
    }
#pragma unroll
    for (int r = 0; r < MT; ++r) {
      acc[r][0] += part[r][0] * gr.s0; acc[r][1] += part[r][1] * gr.s0;
      acc[r][2] += part[r][2] * gr.s1; acc[r][3] += part[r][3] * gr.s1;
    }
  }

  KJ_GRID_WAIT();
  KJ_GRID_LAUNCH_DEPENDENTS();
#pragma unroll
  for (int r = 0; r < MT; ++r) {
    red[warp][g][8 * r + 2 * t] = acc[r][0];
    red[warp][g][8 * r + 2 * t + 1] = acc[r][1];
    red[warp][g + 8][8 * r + 2 * t] = acc[r][2];
    red[warp][g + 8][8 * r + 2 * t + 1] = acc[r][3];
  }
  __syncthreads();
  const int cells = 16 * min(m, TOK);
  if (splits == 1) {
    for (int idx = threadIdx.x; idx < RT * cells; idx += NT) {
      const int r2 = idx / cells, c = idx - r2 * cells;
      const int row = c & 15, tok = c >> 4, n0 = (bt * RT + r2) * 16;
      float s = 0.f;
#pragma unroll
      for (int w = 0; w < KW; ++w) s += red[r2 * KW + w][row][tok];
      if (n0 + row < n) out[tok * ldo + n0 + row] = kj::from_f32<T>(s);
    }
    return;
  }
  for (int idx = threadIdx.x; idx < RT * cells; idx += NT) {
    const int r2 = idx / cells, c = idx - r2 * cells;
    const int nt2 = bt * RT + r2;
    if (nt2 >= row_tiles) continue;
    const int row = c & 15, tok = c >> 4;
    float s = 0.f;
#pragma unroll
    for (int w = 0; w < KW; ++w) s += red[r2 * KW + w][row][tok];
    partials[((size_t)nt2 * splits + split) * (16 * TOK) + c] = s;
  }
  __threadfence();
  __syncthreads();
  if (threadIdx.x < RT) {
    const int nt2 = bt * RT + threadIdx.x;
    last_block[threadIdx.x] = nt2 < row_tiles && atomicAdd(counters + nt2, 1u) == (unsigned)(splits - 1);
  }
  __syncthreads();
  __threadfence();
  for (int idx = threadIdx.x; idx < RT * cells; idx += NT) {
    const int r2 = idx / cells, c = idx - r2 * cells;
    if (!last_block[r2]) continue;
    const int nt2 = bt * RT + r2, row = c & 15, tok = c >> 4;
    const float* all = partials + (size_t)nt2 * splits * (16 * TOK);
    float s = 0.f;
    for (int q = 0; q < splits; ++q) s += __ldcg(all + (size_t)q * (16 * TOK) + c);
    if (nt2 * 16 + row < n) out[tok * ldo + nt2 * 16 + row] = kj::from_f32<T>(s);
  }
  __syncthreads();
  if (threadIdx.x < RT && last_block[threadIdx.x]) counters[bt * RT + threadIdx.x] = 0u;
}

}  // namespace kj_qv
