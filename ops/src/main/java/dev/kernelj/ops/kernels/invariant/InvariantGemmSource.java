package dev.kernelj.ops.kernels.invariant;

import dev.kernelj.ops.kernels.CudaPrelude;
import dev.kernelj.ops.kernels.MmaSource;

/**
 * The CUDA C of {@link InvariantGemm}, apart from its launch code.
 *
 * <p><b>The order of every sum.</b> {@code out[r, j] = sum_k x[r, k] w[j, k]} is computed as: k cut
 * into {@code splits} ranges of whole 64-input granules ({@code [s * G / splits, (s + 1) * G /
 * splits)} of the {@code G = k / 64} granules); in each range, one f32 accumulator that starts at 0
 * and takes one {@code mma.m16n8k16} per 16 inputs in ascending order (the weight as the A operand,
 * x as B, both read from shared memory in PTX's canonical fragment layout); then the ranges' sums
 * added in range order and rounded once. {@code splits} depends on the weight's shape and the GPU,
 * never on the rows of x, and nothing else in that order does either: the kernels and their tile
 * sizes, warps and pipeline depth ({@code igemm_few}'s two tiles for up to 8 and 16 rows with k
 * unsplit; {@code igemm}'s {@code s} for up to 16 rows, {@code m} up to 64, {@code l} above) only
 * decide which block computes an element, not how. So a row of x gets the same bits in a call of 1
 * row and of 2,048, whatever the other rows hold.
 *
 * <p><b>The kernel</b> is a multistage GEMM: each block owns {@code BW} weight rows x {@code BT}
 * rows of x for one k range; {@code STAGES - 1} k blocks of both tiles are in flight at a time
 * ({@code cp.async}, zero-filled past the matrix edges), fragments come by {@code ldmatrix} (plain
 * 32-bit shared loads in the host emulator, which give the same registers). With one range the
 * block stores its results; with more it stores f32 partials ({@code [splits][m][n]}) and {@code
 * ireduce} adds them in range order. {@code igemm_few} is the same chain for few rows and one
 * range, laid out to stream the weight when its rows are all the parallelism there is (k blocks of
 * 128, copy addresses computed once per thread, no copies for rows of x past m).
 */
final class InvariantGemmSource {
  private InvariantGemmSource() {}

  /** Inputs per granule: k ranges are whole granules, and k must be a multiple of it. */
  static final int GRANULE = 64;

  static final String SOURCE =
      CudaPrelude.PRELUDE
          + MmaSource.MMA
          + """
      #if defined(KJ_HOST_EMULATION)
      #include <cstring>
      #endif
      namespace kj_ig {

      constexpr int GRANULE = 64;

      /* 16 bytes global -> shared, in flight until cp_wait; zero-filled when !valid. */
      __device__ __forceinline__ void cp16(void* smem, const void* gmem, bool valid) {
      #if defined(__CUDA_ARCH__)
        const unsigned s = (unsigned)__cvta_generic_to_shared(smem);
        asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" :: "r"(s), "l"(gmem), "r"(valid ? 16 : 0));
      #else
        if (valid) std::memcpy(smem, gmem, 16); else std::memset(smem, 0, 16);
      #endif
      }
      __device__ __forceinline__ void cp_commit() {
      #if defined(__CUDA_ARCH__)
        asm volatile("cp.async.commit_group;");
      #endif
      }
      template <int PENDING> __device__ __forceinline__ void cp_wait() {
      #if defined(__CUDA_ARCH__)
        asm volatile("cp.async.wait_group %0;" :: "n"(PENDING));
      #endif
      }

      template <typename T> __device__ __forceinline__ unsigned pair_at(const T* p) { return *reinterpret_cast<const unsigned*>(p); }

      /* The A fragment of the 16 x 16 tile at (row0, k0) of a [rows][ld] shared tile. */
      template <typename T> __device__ __forceinline__ void frag_a(unsigned (&a)[4], const T* tile, int ld, int row0, int k0, int lane) {
      #if defined(__CUDA_ARCH__)
        const T* p = tile + (row0 + (lane & 7) + ((lane >> 3) & 1) * 8) * ld + k0 + (lane >> 4) * 8;
        const unsigned s = (unsigned)__cvta_generic_to_shared(p);
        asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];"
                     : "=r"(a[0]), "=r"(a[1]), "=r"(a[2]), "=r"(a[3]) : "r"(s));
      #else
        const int g = lane >> 2, t = lane & 3;
        a[0] = pair_at(tile + (row0 + g) * ld + k0 + 2 * t);
        a[1] = pair_at(tile + (row0 + g + 8) * ld + k0 + 2 * t);
        a[2] = pair_at(tile + (row0 + g) * ld + k0 + 2 * t + 8);
        a[3] = pair_at(tile + (row0 + g + 8) * ld + k0 + 2 * t + 8);
      #endif
      }

      /* The B fragments of two 16 x 8 tiles (columns col0 .. col0 + 15, k0 .. k0 + 15) of a [cols][ld] shared
         tile holding B transposed (x rows): b[0], b[1] for the first 8 columns, b[2], b[3] for the next 8. */
      template <typename T> __device__ __forceinline__ void frag_b2(unsigned (&b)[4], const T* tile, int ld, int col0, int k0, int lane) {
      #if defined(__CUDA_ARCH__)
        const T* p = tile + (col0 + (lane & 7) + (lane >> 4) * 8) * ld + k0 + ((lane >> 3) & 1) * 8;
        const unsigned s = (unsigned)__cvta_generic_to_shared(p);
        asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];"
                     : "=r"(b[0]), "=r"(b[1]), "=r"(b[2]), "=r"(b[3]) : "r"(s));
      #else
        const int g = lane >> 2, t = lane & 3;
        b[0] = pair_at(tile + (col0 + g) * ld + k0 + 2 * t);
        b[1] = pair_at(tile + (col0 + g) * ld + k0 + 2 * t + 8);
        b[2] = pair_at(tile + (col0 + 8 + g) * ld + k0 + 2 * t);
        b[3] = pair_at(tile + (col0 + 8 + g) * ld + k0 + 2 * t + 8);
      #endif
      }

      /* out[r, j] (or the partial of k range blockIdx.z) for the block's BW x BT tile; see InvariantGemmSource.java. */
      template <typename T, typename O, int BW, int BT, int WW, int WT, int BK, int STAGES>
      __device__ __forceinline__ void igemm(O* out, float* partials, const T* x, const T* w, int m, int n, int k,
                                            long long ldx, long long ldw, long long ldo, int splits) {
        /* Shared tile rows are BK inputs padded by 16 bytes, so that the 8 rows one ldmatrix reads fall in different
           banks; the block's dynamic shared memory holds STAGES x (BW + BT) of them (InvariantGemmKernels). */
        constexpr int THREADS = 32 * WW * WT, LD = BK + 8, CHUNKS = BK / 8;
        constexpr int MI = BW / WW / 16, NI = BT / WT / 8;
        static_assert(MI >= 1 && NI % 2 == 0 && GRANULE % BK == 0, "tile shape");
      #if defined(KJ_HOST_EMULATION)
        KJ_DYNAMIC_SHARED(smem_words);  // the emulator's buffer of the launch's size
        unsigned char* smem_raw = reinterpret_cast<unsigned char*>(smem_words);
      #else
        extern __shared__ __align__(128) unsigned char smem_raw[];
      #endif
        T* ws = reinterpret_cast<T*>(smem_raw);
        T* xs = ws + STAGES * BW * LD;
        const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
        const int ww = warp % WW, wt = warp / WW;
        /* Blocks in order: weight tiles fastest (neighbours share their x tile), then x tiles, then k ranges. */
        const int ntiles = (n + BW - 1) / BW, mtiles = (m + BT - 1) / BT;
        const int split = blockIdx.x / (ntiles * mtiles), rest = blockIdx.x - split * ntiles * mtiles;
        const int n0 = (rest % ntiles) * BW, r0 = (rest / ntiles) * BT;
        const int granules = k / GRANULE;
        const int gb = (int)((long long)split * granules / splits), ge = (int)((long long)(split + 1) * granules / splits);
        const int kbegin = gb * GRANULE, kblocks = (ge - gb) * (GRANULE / BK);

        auto load = [&](int slot, int kb) {
          const int k0 = kbegin + kb * BK;
          T* wd = ws + slot * BW * LD;
          T* xd = xs + slot * BT * LD;
          for (int c = tid; c < BW * CHUNKS; c += THREADS) {
            const int r = c / CHUNKS, q = c - r * CHUNKS;
            const bool ok = n0 + r < n;
            cp16(wd + r * LD + q * 8, w + (ok ? (long long)(n0 + r) * ldw : 0) + k0 + q * 8, ok);
          }
          for (int c = tid; c < BT * CHUNKS; c += THREADS) {
            const int r = c / CHUNKS, q = c - r * CHUNKS;
            const bool ok = r0 + r < m;
            cp16(xd + r * LD + q * 8, x + (ok ? (long long)(r0 + r) * ldx : 0) + k0 + q * 8, ok);
          }
        };

        float acc[MI][NI][4];
      #pragma unroll
        for (int i = 0; i < MI; ++i)
      #pragma unroll
          for (int j = 0; j < NI; ++j)
      #pragma unroll
            for (int e = 0; e < 4; ++e) acc[i][j][e] = 0.f;

      #pragma unroll
        for (int s = 0; s < STAGES - 1; ++s) {
          if (s < kblocks) load(s, s);
          cp_commit();
        }
        for (int kb = 0; kb < kblocks; ++kb) {
          cp_wait<STAGES - 2>();  // k block kb has landed (this thread's copies) ...
          __syncthreads();        // ... and everyone's; and the slot refilled below is no longer read
          if (kb + STAGES - 1 < kblocks) load((kb + STAGES - 1) % STAGES, kb + STAGES - 1);
          cp_commit();
          const T* wt_tile = ws + (kb % STAGES) * BW * LD;
          const T* xt_tile = xs + (kb % STAGES) * BT * LD;
      #pragma unroll
          for (int kk = 0; kk < BK; kk += 16) {
            unsigned a[MI][4], b[NI / 2][4];
      #pragma unroll
            for (int i = 0; i < MI; ++i) frag_a(a[i], wt_tile, LD, ww * (BW / WW) + 16 * i, kk, lane);
      #pragma unroll
            for (int j = 0; j < NI / 2; ++j) frag_b2(b[j], xt_tile, LD, wt * (BT / WT) + 16 * j, kk, lane);
      #pragma unroll
            for (int i = 0; i < MI; ++i)
      #pragma unroll
              for (int j = 0; j < NI; ++j) kj::mma<T>(acc[i][j], a[i], b[j >> 1][(j & 1) * 2], b[j >> 1][(j & 1) * 2 + 1]);
          }
        }
        cp_wait<0>();

        /* acc[i][j]: weight rows g (0, 1) and g + 8 (2, 3) of mma tile i, x rows 2t (0, 2) and 2t + 1 (1, 3) of tile j. */
        const int g = lane >> 2, t = lane & 3;
      #pragma unroll
        for (int i = 0; i < MI; ++i)
      #pragma unroll
          for (int j = 0; j < NI; ++j)
      #pragma unroll
            for (int e = 0; e < 4; ++e) {
              const int col = n0 + ww * (BW / WW) + 16 * i + g + (e >> 1) * 8;
              const int row = r0 + wt * (BT / WT) + 8 * j + 2 * t + (e & 1);
              if (col >= n || row >= m) continue;
              if (splits == 1) out[row * ldo + col] = kj::from_f32<O>(acc[i][j][e]);
              else partials[((long long)split * m + row) * n + col] = acc[i][j][e];
            }
      }

      /* out[r, j] = the k ranges' partial sums added in range order, rounded once. Grid-stride over m x n. */
      template <typename O>
      __device__ __forceinline__ void ireduce(O* out, const float* partials, int m, int n, long long ldo, int splits) {
        const long long cells = (long long)m * n;
        for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < cells; i += (long long)gridDim.x * blockDim.x) {
          const int row = (int)(i / n), col = (int)(i - (long long)row * n);
          float s = 0.f;
          for (int q = 0; q < splits; ++q) s += partials[q * cells + i];
          out[row * ldo + col] = kj::from_f32<O>(s);
        }
      }

      /* The B fragments of two consecutive 16-input steps of an 8-row tile (rows row0 .. row0 + 7, k0 .. k0 + 31) of
         a [rows][ld] shared tile holding x: b[0], b[1] for k0 .. k0 + 15, b[2], b[3] for k0 + 16 .. k0 + 31. */
      template <typename T> __device__ __forceinline__ void frag_b_k32(unsigned (&b)[4], const T* tile, int ld, int row0, int k0, int lane) {
      #if defined(__CUDA_ARCH__)
        const T* p = tile + (row0 + (lane & 7)) * ld + k0 + (lane >> 3) * 8;
        const unsigned s = (unsigned)__cvta_generic_to_shared(p);
        asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];"
                     : "=r"(b[0]), "=r"(b[1]), "=r"(b[2]), "=r"(b[3]) : "r"(s));
      #else
        const int g = lane >> 2, t = lane & 3;
        for (int i = 0; i < 4; ++i) b[i] = pair_at(tile + (row0 + g) * ld + k0 + 2 * t + 8 * i);
      #endif
      }

      /* out[r, j] for up to 16 rows of x with k unsplit: the order of igemm with one k range (one f32 chain of
         mma.m16n8k16 steps per output, 16 inputs a step in ascending order), laid out for streaming the weight when
         its rows are the only parallelism. Each warp owns 16 weight rows (the A operand) and keeps one chain per 8
         rows of x in registers, the block WARPS x 16 weight rows and BT rows of x; consecutive blocks share a weight
         tile (x tiles fastest). Every thread copies one fixed 16-byte column of a stage's rows, from pointers
         computed once; rows of x past m are zeroed once, never copied, and the stages are BK = 128 inputs deep
         (half the barriers and waits of igemm's 64). */
      template <typename T, typename O, int WARPS, int BT, int BK, int STAGES>
      __device__ __forceinline__ void igemm_few(O* out, const T* x, const T* w, int m, int n, int k,
                                                long long ldx, long long ldw, long long ldo) {
        constexpr int THREADS = 32 * WARPS, BW = 16 * WARPS, LD = BK + 8, CHUNKS = BK / 8, NI = BT / 8;
        constexpr int ROW_STEP = THREADS / CHUNKS, W_COPIES = BW / ROW_STEP, X_COPIES = BT / ROW_STEP;
        static_assert(THREADS % CHUNKS == 0 && BW % ROW_STEP == 0 && BT % ROW_STEP == 0 && BT % 8 == 0 && BK % 32 == 0,
                      "tile shape");
      #if defined(KJ_HOST_EMULATION)
        KJ_DYNAMIC_SHARED(smem_words);
        unsigned char* smem_raw = reinterpret_cast<unsigned char*>(smem_words);
      #else
        extern __shared__ __align__(128) unsigned char smem_raw[];
      #endif
        T* ws = reinterpret_cast<T*>(smem_raw);
        T* xs = ws + STAGES * BW * LD;
        const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
        const int mtiles = (m + BT - 1) / BT;
        const int n0 = (blockIdx.x / mtiles) * BW, r0 = (blockIdx.x % mtiles) * BT;
        const int kblocks = (k + BK - 1) / BK;

        /* This thread copies column chunk q of the tiles' rows row0 + i * ROW_STEP. */
        const int q = tid % CHUNKS, row0 = tid / CHUNKS;
        const T* wsrc = w + (long long)min(n0 + row0, n - 1) * ldw + q * 8;
        const T* xsrc = x + (long long)min(r0 + row0, m - 1) * ldx + q * 8;
        unsigned wlive = 0, xlive = 0;
      #pragma unroll
        for (int i = 0; i < W_COPIES; ++i) wlive |= (n0 + row0 + i * ROW_STEP < n ? 1u : 0u) << i;
      #pragma unroll
        for (int i = 0; i < X_COPIES; ++i) {
          if (r0 + row0 + i * ROW_STEP < m) {
            xlive |= 1u << i;
          } else {  // a row past m: zero in every stage, never copied
            const uint4 zero = {0u, 0u, 0u, 0u};
            for (int s = 0; s < STAGES; ++s) *reinterpret_cast<uint4*>(xs + s * BT * LD + (row0 + i * ROW_STEP) * LD + q * 8) = zero;
          }
        }

        /* A copy that would read past the matrix zero-fills from a valid address instead. */
        auto load = [&](int slot, int kb) {
          const int k0 = kb * BK;
          const bool kin = k0 + q * 8 < k;
          T* wd = ws + slot * BW * LD + row0 * LD + q * 8;
          T* xd = xs + slot * BT * LD + row0 * LD + q * 8;
      #pragma unroll
          for (int i = 0; i < W_COPIES; ++i) {
            const bool ok = kin && (wlive >> i & 1u);
            cp16(wd + i * ROW_STEP * LD, ok ? wsrc + i * ROW_STEP * ldw + k0 : w, ok);
          }
      #pragma unroll
          for (int i = 0; i < X_COPIES; ++i)
            if (xlive >> i & 1u) cp16(xd + i * ROW_STEP * LD, kin ? xsrc + i * ROW_STEP * ldx + k0 : x, kin);
        };

        float acc[NI][4];
      #pragma unroll
        for (int j = 0; j < NI; ++j)
      #pragma unroll
          for (int e = 0; e < 4; ++e) acc[j][e] = 0.f;

      #pragma unroll
        for (int s = 0; s < STAGES - 1; ++s) {
          if (s < kblocks) load(s, s);
          cp_commit();
        }
        for (int kb = 0; kb < kblocks; ++kb) {
          cp_wait<STAGES - 2>();
          __syncthreads();
          if (kb + STAGES - 1 < kblocks) load((kb + STAGES - 1) % STAGES, kb + STAGES - 1);
          cp_commit();
          const T* wt = ws + (kb % STAGES) * BW * LD;
          const T* xt = xs + (kb % STAGES) * BT * LD;
          const int steps = min(BK, k - kb * BK) / 16;  // k is a multiple of 64: a last block may be short
      #pragma unroll
          for (int kk = 0; kk < BK; kk += 32) {
            if (kk / 16 >= steps) break;
            unsigned a0[4], a1[4], b[NI][4];
            frag_a(a0, wt, LD, warp * 16, kk, lane);
            frag_a(a1, wt, LD, warp * 16, kk + 16, lane);
      #pragma unroll
            for (int j = 0; j < NI; ++j) frag_b_k32(b[j], xt, LD, 8 * j, kk, lane);
      #pragma unroll
            for (int j = 0; j < NI; ++j) kj::mma<T>(acc[j], a0, b[j][0], b[j][1]);
      #pragma unroll
            for (int j = 0; j < NI; ++j) kj::mma<T>(acc[j], a1, b[j][2], b[j][3]);
          }
        }
        cp_wait<0>();

        const int g = lane >> 2, t = lane & 3;
      #pragma unroll
        for (int j = 0; j < NI; ++j)
      #pragma unroll
          for (int e = 0; e < 4; ++e) {
            const int col = n0 + warp * 16 + g + (e >> 1) * 8;
            const int row = r0 + 8 * j + 2 * t + (e & 1);
            if (col < n && row < m) out[row * ldo + col] = kj::from_f32<O>(acc[j][e]);
          }
      }

      }  // namespace kj_ig
      """;
}
