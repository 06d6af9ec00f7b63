package dev.kernelj.samples;

import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Global;
import dev.kernelj.dsl.Kernel;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;

/**
 * Sample 03's kernel: C = A·B for row-major f32 matrices, 16×16 tiles staged through shared memory.
 */
@Kernel(
    source =
        """
    #define TILE 16

    extern "C" __global__ void matmul_tiled(int m, int n, int k,
                                            const float* A, const float* B, float* C) {
      __shared__ float As[TILE][TILE];
      __shared__ float Bs[TILE][TILE + 1];  // +1 avoids bank conflicts on the transposed read
      int row = blockIdx.y * TILE + threadIdx.y;
      int col = blockIdx.x * TILE + threadIdx.x;
      float acc = 0.0f;
      for (int t = 0; t < k; t += TILE) {
        As[threadIdx.y][threadIdx.x] = (row < m && t + threadIdx.x < k) ? A[row * k + t + threadIdx.x] : 0.0f;
        Bs[threadIdx.y][threadIdx.x] = (col < n && t + threadIdx.y < k) ? B[(t + threadIdx.y) * n + col] : 0.0f;
        __syncthreads();
        #pragma unroll
        for (int i = 0; i < TILE; ++i) {
          acc += As[threadIdx.y][i] * Bs[i][threadIdx.x];
        }
        __syncthreads();
      }
      if (row < m && col < n) {
        C[row * n + col] = acc;
      }
    }
    """)
public interface TiledMatmul {
  int TILE = 16;

  @Global(maxThreadsPerBlock = TILE * TILE)
  void matmul_tiled(
      Launch launch, int m, int n, int k, ConstPtr<F32> a, ConstPtr<F32> b, Ptr<F32> c);
}
