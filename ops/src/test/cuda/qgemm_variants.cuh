// Experimental shapes of the mixed-input GEMM for qgemm_bench.cu: the production qgemm (QuantGemmSource)
// generalised over how a block's warps are laid out and how x is fetched, so one run on the card can
// compare them. Uses kj_q's dequantization and the packed layout of QuantLayout unchanged.
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

/* The A fragment of step j as Dequant<T, 4> computes it, with the mask and the magic number applied by one
   three-input LOP3 ((w & 0x000F000F) | magic) instead of an AND and an OR. */
__device__ __forceinline__ unsigned and_or(unsigned w, unsigned mask, unsigned magic) {
  unsigned r;
  asm("lop3.b32 %0, %1, %2, %3, 0xEA;" : "=r"(r) : "r"(w), "r"(mask), "r"(magic));
  return r;
}
template <typename T>
__device__ __forceinline__ void dequant4_lop3(unsigned w, const Group& gr, unsigned (&a)[4]) {
  constexpr unsigned M2 = Magic<T>::BITS * 0x10001u;
  a[0] = sub2<T>(and_or(w, 0x000F000Fu, M2), gr.zm0);
  a[1] = sub2<T>(and_or(w >> 4, 0x000F000Fu, M2), gr.zm1);
  a[2] = sub2<T>(and_or(w >> 8, 0x000F000Fu, M2), gr.zm0);
  a[3] = sub2<T>(and_or(w >> 12, 0x000F000Fu, M2), gr.zm1);
}

/* Bytes of dynamic shared memory qs needs for m rows of x and a block range of `tiles` 64-input tiles. */
__host__ __device__ inline int qs_x_stride(int tiles) { return tiles * 64 + 16; }  // +16: rows 32 bytes apart mod 128
__host__ inline size_t qs_shared_bytes(int m_rows, int tiles) { return (size_t)m_rows * qs_x_stride(tiles) * 2; }

/* 4-bit only. x of the block's k range staged once in shared memory (zero past kx), so the loop reads its B
   fragments with LDS instead of per-tile global loads with bounds checks; LOP3 dequantization; the steps
   alternate between two accumulators so consecutive mmas do not wait on each other. */
template <typename T, int MT, int U, int RT, int KW>
__global__ void __launch_bounds__(32 * RT * KW)
qs(T* out, const T* x, const unsigned* wwords, const unsigned* mwords, float* partials, unsigned* counters, int m, int n,
   int kx, int ktiles, int group_steps, int chunks, long long ldx, long long ldo, int scale_bf16, int splits) {
  constexpr int W = RT * KW, NT = 32 * W;
  constexpr int SPT = 4, KT = 64, TOK = 8 * MT;
  extern __shared__ __align__(16) unsigned char qs_smem[];
  T* xs = reinterpret_cast<T*>(qs_smem);
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
  const int rows = min(m, TOK), stride = qs_x_stride(per_split);

  uint4 buf[U];
#pragma unroll
  for (int i = 0; i < U; ++i)
    if (kb + i < ke) buf[i] = load_w(wp + (size_t)(kb + i) * 32);
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
  KJ_GRID_WAIT();
  /* Stage x[rows][kb_block*KT, ke_block*KT) in 8-byte pieces (ldx and kx are multiples of 4). */
  {
    const int k0 = kb_block * KT, span = len * KT, pieces = span / 4;
    for (int i = threadIdx.x; i < rows * pieces; i += NT) {
      const int r = i / pieces, c = 4 * (i - r * pieces);
      uint2 v = make_uint2(0u, 0u);
      if (k0 + c < kx) v = __ldg(reinterpret_cast<const uint2*>(x + (long long)r * ldx + k0 + c));
      *reinterpret_cast<uint2*>(xs + r * stride + c) = v;
    }
  }
  __syncthreads();
  const T* xr[MT];
#pragma unroll
  for (int i = 0; i < MT; ++i) xr[i] = xs + min(8 * i + g, rows - 1) * stride + 4 * t;

  float acc[MT][4], part[2][MT][4];
#pragma unroll
  for (int i = 0; i < MT; ++i)
#pragma unroll
    for (int r = 0; r < 4; ++r) acc[i][r] = part[0][i][r] = part[1][i][r] = 0.f;

  if (kb < ke) {
    Group gr;
    {
      const int j = grp & 7, src = g * 4 + (j >> 1);
      const unsigned v0 = __shfl_sync(0xffffffffu, (j & 1) ? mcur.z : mcur.x, src);
      const unsigned v1 = __shfl_sync(0xffffffffu, (j & 1) ? mcur.w : mcur.y, src);
      decode_group<T, 4>(gr, v0, v1, scale_bf16 != 0);
    }
    for (int base = kb; base < ke; base += U) {
#pragma unroll
      for (int i = 0; i < U; ++i) {
        const int kt = base + i;
        if (kt < ke) {
          const uint4 wv = buf[i];
          if (kt + U < ke) buf[i] = load_w(wp + (size_t)(kt + U) * 32);
          const int off = (kt - kb_block) * KT;
          uint2 xv[SPT][MT];
#pragma unroll
          for (int s = 0; s < SPT; ++s)
#pragma unroll
            for (int r = 0; r < MT; ++r) xv[s][r] = *reinterpret_cast<const uint2*>(xr[r] + off + 16 * s);
#pragma unroll
          for (int s = 0; s < SPT; ++s) {
            if (sig == group_steps) {
#pragma unroll
              for (int r = 0; r < MT; ++r) {
                acc[r][0] += (part[0][r][0] + part[1][r][0]) * gr.s0; acc[r][1] += (part[0][r][1] + part[1][r][1]) * gr.s0;
                acc[r][2] += (part[0][r][2] + part[1][r][2]) * gr.s1; acc[r][3] += (part[0][r][3] + part[1][r][3]) * gr.s1;
#pragma unroll
                for (int q = 0; q < 4; ++q) part[0][r][q] = part[1][r][q] = 0.f;
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
              decode_group<T, 4>(gr, v0, v1, scale_bf16 != 0);
            }
            unsigned a[4];
            dequant4_lop3<T>(s == 0 ? wv.x : s == 1 ? wv.y : s == 2 ? wv.z : wv.w, gr, a);
#pragma unroll
            for (int r = 0; r < MT; ++r) kj::mma<T>(part[s & 1][r], a, xv[s][r].x, xv[s][r].y);
            ++sig;
          }
        }
      }
    }
#pragma unroll
    for (int r = 0; r < MT; ++r) {
      acc[r][0] += (part[0][r][0] + part[1][r][0]) * gr.s0; acc[r][1] += (part[0][r][1] + part[1][r][1]) * gr.s0;
      acc[r][2] += (part[0][r][2] + part[1][r][2]) * gr.s1; acc[r][3] += (part[0][r][3] + part[1][r][3]) * gr.s1;
    }
  }

  KJ_GRID_LAUNCH_DEPENDENTS();
#pragma unroll
  for (int r = 0; r < MT; ++r) {
    red[warp][g][8 * r + 2 * t] = acc[r][0];
    red[warp][g][8 * r + 2 * t + 1] = acc[r][1];
    red[warp][g + 8][8 * r + 2 * t] = acc[r][2];
    red[warp][g + 8][8 * r + 2 * t + 1] = acc[r][3];
  }
  __syncthreads();
  const int cells = 16 * rows;
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
    float s = 0.f;
#pragma unroll
    for (int w = 0; w < KW; ++w) s += red[r2 * KW + w][c & 15][c >> 4];
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
