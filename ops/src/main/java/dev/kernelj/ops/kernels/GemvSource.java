package dev.kernelj.ops.kernels;

/**
 * The CUDA C of {@link Gemv}: a tensor-core kernel for half-precision weights (the decode path) and
 * a CUDA-core kernel for everything else (f32 weights, k not a multiple of 8, unaligned rows). It
 * is kept apart from the launch math so that each file stays readable, and so that the standalone
 * benchmark under {@code src/test/cuda} can extract exactly this text and time it.
 *
 * <p>Tensor-core kernel ({@code gemv_mma}). The op reads every weight once and does 2 flops per
 * weight and row of x: at 8 rows that is about 8 flops per weight byte, which CUDA-core FMAs (after
 * unpacking bf16) only just sustain at HBM speed, while {@code mma.sync.m16n8k16} does it at a
 * fraction of its rate. W is the A operand (16 weight rows), x the B operand (its up to 8 rows are
 * the 8 columns; missing rows are zeros), so one weight load serves all rows of x. The fragments
 * are not loaded in the layout the PTX manual draws: because the mma sums over k, any permutation
 * of k gives the same result as long as A and B use the same one. Thread (g, t) of a warp therefore
 * loads 8 consecutive k (16 bytes) of weight rows g and g + 8 and of x row g, and feeds them to two
 * mmas; that gives plain 16-byte loads with no shuffles and no shared-memory staging.
 *
 * <p>Block shape: 16 * TILES weight rows per block, its warps split k (interleaved chunks of 32 *
 * UNROLL) and are summed through shared memory in a fixed order, so results are deterministic.
 * Splitting k inside the block keeps the grid at n / 16 blocks, which fills 132 SMs even for n =
 * 4096, and each thread issues 2 * TILES * UNROLL weight loads per step (ptxas keeps about a dozen
 * in flight before the first mma). Weights skip L1 and ask L2 for 256-byte fetches; x goes through
 * the read-only path and stays cached. Java launches TILES 1, WARPS 8, UNROLL 8, LOAD 1, the best
 * of the variants timed in {@code src/test/cuda/GEMV_NOTES.md}.
 */
final class GemvSource {
  private GemvSource() {}

  /** Weight rows per block of the tensor-core kernel as launched from Java (GEMV_MMA_TILES = 1). */
  static final int MMA_ROWS_PER_BLOCK = 16;

  /** Threads per block of the tensor-core kernel (GEMV_MMA_WARPS = 8). */
  static final int MMA_THREADS = 256;

  /** Weight rows per block of the CUDA-core kernel; must match GEMV_ROWS_PER_BLOCK. */
  static final int SIMT_ROWS_PER_BLOCK = 4;

  /** Threads per block of the CUDA-core kernel; must match GEMV_THREADS. */
  static final int SIMT_THREADS = 256;

  static final String SOURCE =
      CudaPrelude.PRELUDE
          + """
      #define GEMV_MAX_ROWS 8
      #define GEMV_ROWS_PER_BLOCK 4
      #define GEMV_THREADS 256

      namespace kjgemv {

      /* ---- tensor-core kernel, half-precision weights ---- */

      /* Two floats rounded to the weight type, packed low-first as an mma operand register. */
      template <typename TW> __device__ __forceinline__ unsigned pack2(float lo, float hi);
      template <> __device__ __forceinline__ unsigned pack2<__nv_bfloat16>(float lo, float hi) {
        __nv_bfloat162 h = __floats2bfloat162_rn(lo, hi);
        return *reinterpret_cast<unsigned*>(&h);
      }
      template <> __device__ __forceinline__ unsigned pack2<__half>(float lo, float hi) {
        __half2 h = __floats2half2_rn(lo, hi);
        return *reinterpret_cast<unsigned*>(&h);
      }

      /* d += a (16x16, row) * b (16x8, col), f32 accumulators. */
      template <typename TW> __device__ __forceinline__ void mma(float (&d)[4], unsigned a0, unsigned a1, unsigned a2, unsigned a3, unsigned b0, unsigned b1);
      template <> __device__ __forceinline__ void mma<__nv_bfloat16>(float (&d)[4], unsigned a0, unsigned a1, unsigned a2, unsigned a3, unsigned b0, unsigned b1) {
        asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
            : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]) : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
      }
      template <> __device__ __forceinline__ void mma<__half>(float (&d)[4], unsigned a0, unsigned a1, unsigned a2, unsigned a3, unsigned b0, unsigned b1) {
        asm("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
            : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]) : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
      }

      /* 16 bytes of weights, read once. LOAD 1 (used): no L1 allocation and a 256-byte L2 prefetch
         (ld.global.nc.L1::no_allocate.L2::256B), 3-5% faster on an H100 than LOAD 0, evict-first
         (ld.global.cs); the benchmark keeps both to compare. */
      template <int LOAD> __device__ __forceinline__ uint4 load_w(const void* p) {
        if (LOAD == 0) return __ldcs(reinterpret_cast<const uint4*>(p));
        uint4 v;
        asm volatile("ld.global.nc.L1::no_allocate.L2::256B.v4.u32 {%0,%1,%2,%3}, [%4];"
                     : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w) : "l"(p));
        return v;
      }

      /* 8 consecutive elements of one x row as loaded, and as 4 packed weight-type pairs. x of the
         weight's own type is used as is; f32 x is rounded to it (the op's semantics). */
      template <typename TX, typename TW> struct XChunk {
        uint4 v;
        __device__ __forceinline__ void load(const TX* p) { v = __ldg(reinterpret_cast<const uint4*>(p)); }
        __device__ __forceinline__ void zero() { v = make_uint4(0u, 0u, 0u, 0u); }
        __device__ __forceinline__ uint4 packed() const { return v; }
      };
      template <typename TW> struct XChunk<float, TW> {
        float4 a, b;
        __device__ __forceinline__ void load(const float* p) {
          a = __ldg(reinterpret_cast<const float4*>(p));
          b = __ldg(reinterpret_cast<const float4*>(p) + 1);
        }
        __device__ __forceinline__ void zero() { a = b = make_float4(0.f, 0.f, 0.f, 0.f); }
        __device__ __forceinline__ uint4 packed() const {
          return make_uint4(pack2<TW>(a.x, a.y), pack2<TW>(a.z, a.w), pack2<TW>(b.x, b.y), pack2<TW>(b.z, b.w));
        }
      };

      /* One step of a warp: UNROLL chunks of 32 k (8 per thread of a quad) of 2 * TILES weight rows and
         of x row g, all loads issued before the first mma. CHECK: the step may pass k (only a warp's
         last step can), so each 16-byte chunk is loaded only when it lies below k. */
      template <bool CHECK, typename TX, typename TW, int TILES, int UNROLL, int LOAD>
      __device__ __forceinline__ void mma_step(float (&acc)[TILES][4], const TW* const (&wrow)[2 * TILES], const TX* xrow,
                                               bool has_x, int base, int klim) {
        uint4 wv[UNROLL][2 * TILES];
        XChunk<TX, TW> xv[UNROLL];
      #pragma unroll
        for (int u = 0; u < UNROLL; ++u) {
          const int c = base + 32 * u;
      #pragma unroll
          for (int i = 0; i < 2 * TILES; ++i) {
            if (!CHECK || c < klim) wv[u][i] = load_w<LOAD>(wrow[i] + c); else wv[u][i] = make_uint4(0u, 0u, 0u, 0u);
          }
        }
      #pragma unroll
        for (int u = 0; u < UNROLL; ++u) {
          const int c = base + 32 * u;
          if (has_x && (!CHECK || c < klim)) xv[u].load(xrow + c); else xv[u].zero();
        }
      #pragma unroll
        for (int u = 0; u < UNROLL; ++u) {
          const uint4 b = xv[u].packed();
      #pragma unroll
          for (int i = 0; i < TILES; ++i) {
            const uint4 lo = wv[u][2 * i], hi = wv[u][2 * i + 1];
            mma<TW>(acc[i], lo.x, hi.x, lo.y, hi.y, b.x, b.y);
            mma<TW>(acc[i], lo.z, hi.z, lo.w, hi.w, b.z, b.w);
          }
        }
      }

      /* Needs k % 8 == 0, ldw % 8 == 0, ldx % 8 == 0 and 16-byte aligned w and x (the launcher checks).
         Launch: grid ceil(n / (16 * TILES)), block 32 * WARPS. */
      template <typename TX, typename TW, typename TO, int TILES, int WARPS, int UNROLL, int LOAD>
      __device__ __forceinline__ void gemv_mma(TO* out, const TX* x, const TW* w, int rows, int n, int k,
                                               long long ldx, long long ldw, long long ldo) {
        constexpr int ROWS = 16 * TILES, STEP = 32 * UNROLL;
        __shared__ float partial[WARPS][ROWS][GEMV_MAX_ROWS + 1];
        const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
        const int g = lane >> 2, t = lane & 3;
        const long long j0 = (long long)blockIdx.x * ROWS;
        /* Weight row 16 * tile + 8 * half + g; rows past n re-read row n - 1 (in bounds, never stored). */
        const TW* wrow[2 * TILES];
      #pragma unroll
        for (int i = 0; i < 2 * TILES; ++i) wrow[i] = w + min(j0 + 8 * i + g, (long long)n - 1) * ldw + 8 * t;
        const bool has_x = g < rows;
        const TX* xrow = x + (has_x ? g : 0) * ldx + 8 * t;
        float acc[TILES][4];
      #pragma unroll
        for (int i = 0; i < TILES; ++i) acc[i][0] = acc[i][1] = acc[i][2] = acc[i][3] = 0.f;
        /* Warps take interleaved steps; only a warp's last step can be partial. */
        int base = warp * STEP;
        for (; base + STEP <= k; base += WARPS * STEP) mma_step<false, TX, TW, TILES, UNROLL, LOAD>(acc, wrow, xrow, has_x, base, 0);
        if (base < k) mma_step<true, TX, TW, TILES, UNROLL, LOAD>(acc, wrow, xrow, has_x, base, k - 8 * t);
        /* acc[i]: rows 16 i + g (0, 1) and 16 i + g + 8 (2, 3), x rows 2 t and 2 t + 1. */
      #pragma unroll
        for (int i = 0; i < TILES; ++i) {
          partial[warp][16 * i + g][2 * t] = acc[i][0];
          partial[warp][16 * i + g][2 * t + 1] = acc[i][1];
          partial[warp][16 * i + g + 8][2 * t] = acc[i][2];
          partial[warp][16 * i + g + 8][2 * t + 1] = acc[i][3];
        }
        __syncthreads();
        for (int idx = threadIdx.x; idx < ROWS * rows; idx += WARPS * 32) {
          const int r = idx / ROWS, j = idx % ROWS;
          if (j0 + j < n) {
            float s = 0.f;
      #pragma unroll
            for (int q = 0; q < WARPS; ++q) s += partial[q][j][r];
            out[r * ldo + j0 + j] = kj::from_f32<TO>(s);
          }
        }
      }

      /* ---- CUDA-core kernel: f32 weights, odd k, unaligned rows ---- */

      /* x in w's dtype before the product; when x already has it the round trip is the identity, so skip it. */
      template <typename TX, typename TW> __device__ __forceinline__ float x_as_w(float v) { return kj::round_as<TW>(v); }
      template <> __device__ __forceinline__ float x_as_w<__half, __half>(float v) { return v; }
      template <> __device__ __forceinline__ float x_as_w<__nv_bfloat16, __nv_bfloat16>(float v) { return v; }

      /* Four weight rows per block, eight warps split k; 4 x 8 accumulators per thread. */
      template <typename TX, typename TW, typename TO>
      __device__ __forceinline__ void gemv_simt(TO* out, const TX* x, const TW* w, int rows, int n, int k,
                                                long long ldx, long long ldw, long long ldo) {
        __shared__ float partial[GEMV_THREADS / 32][GEMV_ROWS_PER_BLOCK][GEMV_MAX_ROWS];
        const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
        const long long j0 = (long long)blockIdx.x * GEMV_ROWS_PER_BLOCK;
        float acc[GEMV_ROWS_PER_BLOCK][GEMV_MAX_ROWS];
      #pragma unroll
        for (int j = 0; j < GEMV_ROWS_PER_BLOCK; ++j)
      #pragma unroll
          for (int r = 0; r < GEMV_MAX_ROWS; ++r) acc[j][r] = 0.f;
        const TW* wr[GEMV_ROWS_PER_BLOCK];
      #pragma unroll
        for (int j = 0; j < GEMV_ROWS_PER_BLOCK; ++j) wr[j] = w + min(j0 + j, (long long)n - 1) * ldw;
        const bool vec = k % 8 == 0 && ldw % 8 == 0 && ldx % 8 == 0 && kj::aligned16(w) && kj::aligned16(x);
        if (vec) {
      #pragma unroll 2
          for (int c = threadIdx.x * 8; c < k; c += GEMV_THREADS * 8) {
            float wv[GEMV_ROWS_PER_BLOCK][8];
      #pragma unroll
            for (int j = 0; j < GEMV_ROWS_PER_BLOCK; ++j) kj::load8_stream(wr[j] + c, wv[j]);
      #pragma unroll
            for (int r = 0; r < GEMV_MAX_ROWS; ++r) {
              if (r < rows) {
                float xv[8];
                kj::load8(x + r * ldx + c, xv);
      #pragma unroll
                for (int e = 0; e < 8; ++e) {
                  const float xe = x_as_w<TX, TW>(xv[e]);
      #pragma unroll
                  for (int j = 0; j < GEMV_ROWS_PER_BLOCK; ++j) acc[j][r] = fmaf(xe, wv[j][e], acc[j][r]);
                }
              }
            }
          }
        } else {
          for (int c = threadIdx.x; c < k; c += GEMV_THREADS) {
            float wv[GEMV_ROWS_PER_BLOCK];
      #pragma unroll
            for (int j = 0; j < GEMV_ROWS_PER_BLOCK; ++j) wv[j] = kj::to_f32(wr[j][c]);
      #pragma unroll
            for (int r = 0; r < GEMV_MAX_ROWS; ++r) {
              if (r < rows) {
                const float xe = x_as_w<TX, TW>(kj::to_f32(x[r * ldx + c]));
      #pragma unroll
                for (int j = 0; j < GEMV_ROWS_PER_BLOCK; ++j) acc[j][r] = fmaf(xe, wv[j], acc[j][r]);
              }
            }
          }
        }
        /* Each warp reduces its share of k; the block then adds the warps' sums in a fixed order. */
      #pragma unroll
        for (int j = 0; j < GEMV_ROWS_PER_BLOCK; ++j) {
      #pragma unroll
          for (int r = 0; r < GEMV_MAX_ROWS; ++r) {
            if (r < rows) {
              const float v = kj::warp_sum(acc[j][r]);
              if (lane == 0) partial[warp][j][r] = v;
            }
          }
        }
        __syncthreads();
        if (threadIdx.x < GEMV_ROWS_PER_BLOCK * GEMV_MAX_ROWS) {
          const int j = threadIdx.x / GEMV_MAX_ROWS, r = threadIdx.x % GEMV_MAX_ROWS;
          if (r < rows && j0 + j < n) {
            float s = 0.f;
      #pragma unroll
            for (int q = 0; q < GEMV_THREADS / 32; ++q) s += partial[q][j][r];
            out[r * ldo + j0 + j] = kj::from_f32<TO>(s);
          }
        }
      }

      }  // namespace kjgemv
      """;
}
