package dev.kernelj.ops.kernels;

/**
 * CUDA C for the ops that use the tensor cores through {@code mma.sync.m16n8k16} (f16 or bf16
 * inputs, f32 accumulators): {@code kj::mma<T>(d, a, b0, b1)} with PTX's fragment layout. Under
 * {@code KJ_HOST_EMULATION} (the ops tests' host emulator) it is the emulator's software mma. Put
 * after {@link CudaPrelude#PRELUDE}.
 */
public final class MmaSource {
  private MmaSource() {}

  public static final String MMA =
      """
      namespace kj {
      /* d += a . b for one m16n8k16 tile: lane (g, t) = (lane / 4, lane % 4) holds A rows g and g + 8
         (a[0], a[1]: k 2t, 2t+1; a[2], a[3]: k 2t+8, 2t+9), B column g (b0: k 2t, 2t+1; b1: k 2t+8, 2t+9)
         and D rows g (d[0], d[1]) and g + 8 (d[2], d[3]), columns 2t and 2t+1. */
      template <typename T> __device__ __forceinline__ void mma(float (&d)[4], const unsigned (&a)[4], unsigned b0, unsigned b1);
      template <> __device__ __forceinline__ void mma<__half>(float (&d)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
      #if defined(__CUDA_ARCH__)
        asm("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
            : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]) : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
      #elif defined(KJ_HOST_EMULATION)
        kj_host_mma_m16n8k16(d, a, b0, b1, false);
      #endif
      }
      template <> __device__ __forceinline__ void mma<__nv_bfloat16>(float (&d)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
      #if defined(__CUDA_ARCH__)
        asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
            : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]) : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
      #elif defined(KJ_HOST_EMULATION)
        kj_host_mma_m16n8k16(d, a, b0, b1, true);
      #endif
      }
      }  // namespace kj
      """;
}
