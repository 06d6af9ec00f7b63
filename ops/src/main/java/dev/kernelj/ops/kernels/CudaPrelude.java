package dev.kernelj.ops.kernels;

/**
 * CUDA C helpers every op source starts with: f32 conversion of the three floating element types,
 * 8-element vector loads/stores (16-byte transactions for half types, two for float), and
 * warp/block reductions. It is a compile-time constant so that {@code @Kernel(source = PRELUDE +
 * """...""")} stays a constant expression the annotation processor can read.
 */
public final class CudaPrelude {
  private CudaPrelude() {}

  public static final String PRELUDE =
      """
      #include <cuda_fp16.h>
      #include <cuda_bf16.h>

      /* Programmatic dependent launch (sm_90+): a kernel launched to overlap the previous one
         (Launch.overlappingPrevious) calls KJ_GRID_WAIT before it touches anything earlier kernels
         write or read, then KJ_GRID_LAUNCH_DEPENDENTS so the next kernel may start its own prologue.
         Both are no-ops for a kernel launched plainly, and compile to nothing before sm_90. */
      #if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
      #define KJ_GRID_WAIT() asm volatile("griddepcontrol.wait;" ::: "memory")
      #define KJ_GRID_LAUNCH_DEPENDENTS() asm volatile("griddepcontrol.launch_dependents;" ::: "memory")
      #else
      #define KJ_GRID_WAIT() do {} while (0)
      #define KJ_GRID_LAUNCH_DEPENDENTS() do {} while (0)
      #endif

      namespace kj {

      __device__ __forceinline__ float to_f32(float v) { return v; }
      __device__ __forceinline__ float to_f32(__half v) { return __half2float(v); }
      __device__ __forceinline__ float to_f32(__nv_bfloat16 v) { return __bfloat162float(v); }

      template <typename T> __device__ __forceinline__ T from_f32(float v);
      template <> __device__ __forceinline__ float from_f32<float>(float v) { return v; }
      template <> __device__ __forceinline__ __half from_f32<__half>(float v) { return __float2half_rn(v); }
      template <> __device__ __forceinline__ __nv_bfloat16 from_f32<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }

      /* The float a store of T would keep: rounding x to the weight type before a product. */
      template <typename T> __device__ __forceinline__ float round_as(float v) { return to_f32(from_f32<T>(v)); }
      template <> __device__ __forceinline__ float round_as<float>(float v) { return v; }

      __device__ __forceinline__ bool aligned16(const void* p) { return (reinterpret_cast<unsigned long long>(p) & 15ull) == 0; }

      /* 8 consecutive elements as floats; p must be 16-byte aligned. */
      __device__ __forceinline__ void load8(const float* p, float (&v)[8]) {
        float4 a = *reinterpret_cast<const float4*>(p);
        float4 b = *reinterpret_cast<const float4*>(p + 4);
        v[0] = a.x; v[1] = a.y; v[2] = a.z; v[3] = a.w; v[4] = b.x; v[5] = b.y; v[6] = b.z; v[7] = b.w;
      }
      __device__ __forceinline__ void unpack8(uint4 raw, float (&v)[8], const __half*) {
        const __half2* h = reinterpret_cast<const __half2*>(&raw);
      #pragma unroll
        for (int i = 0; i < 4; ++i) { float2 f = __half22float2(h[i]); v[2 * i] = f.x; v[2 * i + 1] = f.y; }
      }
      __device__ __forceinline__ void unpack8(uint4 raw, float (&v)[8], const __nv_bfloat16*) {
        const __nv_bfloat162* h = reinterpret_cast<const __nv_bfloat162*>(&raw);
      #pragma unroll
        for (int i = 0; i < 4; ++i) { float2 f = __bfloat1622float2(h[i]); v[2 * i] = f.x; v[2 * i + 1] = f.y; }
      }
      __device__ __forceinline__ void load8(const __half* p, float (&v)[8]) { unpack8(*reinterpret_cast<const uint4*>(p), v, p); }
      __device__ __forceinline__ void load8(const __nv_bfloat16* p, float (&v)[8]) { unpack8(*reinterpret_cast<const uint4*>(p), v, p); }

      /* Streaming variants for data read once (weights): evict-first, so they do not push x out of L1/L2. */
      __device__ __forceinline__ void load8_stream(const float* p, float (&v)[8]) {
        float4 a = __ldcs(reinterpret_cast<const float4*>(p));
        float4 b = __ldcs(reinterpret_cast<const float4*>(p + 4));
        v[0] = a.x; v[1] = a.y; v[2] = a.z; v[3] = a.w; v[4] = b.x; v[5] = b.y; v[6] = b.z; v[7] = b.w;
      }
      __device__ __forceinline__ void load8_stream(const __half* p, float (&v)[8]) { unpack8(__ldcs(reinterpret_cast<const uint4*>(p)), v, p); }
      __device__ __forceinline__ void load8_stream(const __nv_bfloat16* p, float (&v)[8]) { unpack8(__ldcs(reinterpret_cast<const uint4*>(p)), v, p); }

      __device__ __forceinline__ void store8(float* p, const float (&v)[8]) {
        *reinterpret_cast<float4*>(p) = make_float4(v[0], v[1], v[2], v[3]);
        *reinterpret_cast<float4*>(p + 4) = make_float4(v[4], v[5], v[6], v[7]);
      }
      __device__ __forceinline__ void store8(__half* p, const float (&v)[8]) {
        uint4 raw;
        __half2* h = reinterpret_cast<__half2*>(&raw);
      #pragma unroll
        for (int i = 0; i < 4; ++i) h[i] = __floats2half2_rn(v[2 * i], v[2 * i + 1]);
        *reinterpret_cast<uint4*>(p) = raw;
      }
      __device__ __forceinline__ void store8(__nv_bfloat16* p, const float (&v)[8]) {
        uint4 raw;
        __nv_bfloat162* h = reinterpret_cast<__nv_bfloat162*>(&raw);
      #pragma unroll
        for (int i = 0; i < 4; ++i) h[i] = __floats2bfloat162_rn(v[2 * i], v[2 * i + 1]);
        *reinterpret_cast<uint4*>(p) = raw;
      }

      __device__ __forceinline__ float warp_sum(float v) {
      #pragma unroll
        for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
        return v;
      }
      __device__ __forceinline__ float warp_max(float v) {
      #pragma unroll
        for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
        return v;
      }

      /* Sum over the block (blockDim.x a multiple of 32, at most 1024); every thread gets the total.
         The leading barrier lets consecutive calls reuse the scratch array safely. The order of the
         additions is fixed, so results do not vary from run to run. */
      __device__ __forceinline__ float block_sum(float v) {
        __shared__ float partial[32];
        const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
        v = warp_sum(v);
        __syncthreads();
        if (lane == 0) partial[warp] = v;
        __syncthreads();
        float total = 0.f;
        for (int i = 0; i < warps; ++i) total += partial[i];
        return total;
      }
      __device__ __forceinline__ float block_max(float v) {
        __shared__ float partial[32];
        const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
        v = warp_max(v);
        __syncthreads();
        if (lane == 0) partial[warp] = v;
        __syncthreads();
        float best = -INFINITY;
        for (int i = 0; i < warps; ++i) best = fmaxf(best, partial[i]);
        return best;
      }

      }  // namespace kj
      """;
}
