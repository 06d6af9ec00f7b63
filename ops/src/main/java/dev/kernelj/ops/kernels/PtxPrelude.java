package dev.kernelj.ops.kernels;

/**
 * PTX helpers of the tensor-core kernels (prefill and decode attention), in one place: shared
 * addresses, 16-byte {@code cp.async} copies and their groups, {@code ldmatrix} (plain and
 * transposed), the bf16 {@code mma.sync.m16n8k16} with f32 accumulation, {@code ex2.approx} and
 * bf16 pair packing, plus the XOR swizzle of 16-byte chunks that keeps copies and {@code ldmatrix}
 * free of bank conflicts. A kernel source starts with {@code PtxPrelude.PTX + """...} and says
 * {@code using namespace kj_ptx;} in its own namespace. A compile-time constant, so that the
 * annotation processor can read the concatenation; {@code ops/scripts/attention_dev.py} reads it
 * too.
 */
public final class PtxPrelude {
  private PtxPrelude() {}

  public static final String PTX =
      """
      #include <cuda_bf16.h>
      #include <stdint.h>

      namespace kj_ptx {

      __device__ __forceinline__ uint32_t smem_addr(const void* p) {
        return (uint32_t) __cvta_generic_to_shared(p);
      }

      // 16-byte async copy; with valid == false nothing is read and the destination is zero-filled.
      __device__ __forceinline__ void cp_async_16(uint32_t dst, const void* src, bool valid) {
        int bytes = valid ? 16 : 0;
        asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" :: "r"(dst), "l"(src), "r"(bytes));
      }
      __device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;"); }
      __device__ __forceinline__ void cp_async_wait_all() { asm volatile("cp.async.wait_group 0;" ::: "memory"); }
      // Waits until at most N committed groups are still in flight.
      template <int N>
      __device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;" :: "n"(N) : "memory"); }

      __device__ __forceinline__ void ldmatrix_x4(uint32_t addr, uint32_t (&r)[4]) {
        asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];"
                     : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(addr));
      }
      __device__ __forceinline__ void ldmatrix_x4_trans(uint32_t addr, uint32_t (&r)[4]) {
        asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];"
                     : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(addr));
      }
      __device__ __forceinline__ void mma_bf16(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
                     "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
                     : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
      }
      // 2^x on the special-function unit; the kernels pass x <= 0, tiny results may flush to zero.
      __device__ __forceinline__ float fast_exp2(float x) {
        float y;
        asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
        return y;
      }
      __device__ __forceinline__ uint32_t pack_bf16(float lo, float hi) {
        __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
        return *reinterpret_cast<uint32_t*>(&v);
      }

      // Element offset of 16-byte chunk `chunk` of tile row `row` in a tile of D-element rows: chunks
      // are XOR-swizzled by row, so that neither the copies nor ldmatrix hit bank conflicts.
      template <int D>
      __device__ __forceinline__ int swizzle(int row, int chunk) {
        return row * D + ((chunk ^ (row & 7)) << 3);
      }

      }  // namespace kj_ptx
      """;
}
