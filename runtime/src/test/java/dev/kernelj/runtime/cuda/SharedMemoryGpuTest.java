package dev.kernelj.runtime.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Launch;
import dev.kernelj.runtime.kernel.KernelBinding;
import dev.kernelj.runtime.kernel.ParamBlock;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kernel with 32 KiB of static shared memory that asks for 32 KiB of dynamic shared memory needs
 * its limit raised although 32 KiB alone is below the 48 KiB default: static memory counts.
 */
@Tag("gpu")
class SharedMemoryGpuTest {
  static final String SOURCE =
      """
      extern "C" __global__ void both(float* out) {
        __shared__ float fixed[8192];            // 32 KiB static
        extern __shared__ float dynamic[];       // as much as the launch asks for
        fixed[threadIdx.x] = threadIdx.x;
        dynamic[threadIdx.x] = 2.0f * threadIdx.x;
        __syncthreads();
        if (threadIdx.x == 0) out[0] = fixed[255] + dynamic[255];
      }
      """;

  interface Kernels {}

  static CudaContext ctx;
  @TempDir static Path cacheDir;

  @BeforeAll
  static void open() {
    ctx = Gpu.nvrtcContext(cacheDir);
  }

  @AfterAll
  static void close() {
    if (ctx != null) {
      ctx.close();
    }
  }

  @Test
  void staticSharedMemoryCountsWhenTheLimitIsRaised() {
    LoadedKernelModule m =
        ctx.load(
            Gpu.source(
                Kernels.class,
                SOURCE,
                new KernelBinding("both", "both", new int[] {8}, 0, 32 * 1024)));
    CudaFunction f = m.cudaFunction(0);
    assertEquals(32 * 1024, f.maxDynamicSharedBytes());
    assertTrue(
        f.attribute(
                dev.kernelj.runtime.driver.CuConstants
                    .CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES)
            >= 32 * 1024);
    try (DeviceBuffer<F32> out = ctx.allocate(F32.class, 1)) {
      ParamBlock p = f.params();
      synchronized (p) {
        p.putPointer(0, out, "out");
        f.launch(Launch.grid(1).block(256).shared(32 * 1024));
      }
      assertEquals(255f + 510f, out.toFloatArray()[0]);
    }
  }

  @Test
  void withoutADeclarationTheDefaultLeavesRoomForTheStaticMemory() {
    LoadedKernelModule m =
        ctx.load(
            Gpu.source(Kernels.class, SOURCE + "\n// default", Gpu.binding("both", "both", 8)));
    CudaFunction f = m.cudaFunction(0);
    assertEquals(16 * 1024, f.maxDynamicSharedBytes());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> f.launch(Launch.grid(1).block(256).shared(32 * 1024)));
    assertTrue(
        e.getMessage().contains("32768 bytes of static shared memory count too"), e.getMessage());
  }

  @Test
  void aDeclarationAboveTheDeviceLoadsWithTheDevicesLimit() {
    // 512 KiB is more than any current GPU gives a block: the kernel loads all the same, its
    // limit is the device's, and a launch above that limit is refused before it reaches the driver.
    LoadedKernelModule m =
        ctx.load(
            Gpu.source(
                Kernels.class,
                SOURCE + "\n// above the device",
                new KernelBinding("both", "both", new int[] {8}, 0, 512 * 1024)));
    CudaFunction f = m.cudaFunction(0);
    int optIn =
        ctx.device()
            .attribute(
                dev.kernelj.runtime.driver.CuConstants
                    .CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
    assertEquals(optIn - 32 * 1024, f.maxDynamicSharedBytes());
    try (DeviceBuffer<F32> out = ctx.allocate(F32.class, 1)) {
      ParamBlock p = f.params();
      synchronized (p) {
        p.putPointer(0, out, "out");
        f.launch(Launch.grid(1).block(256).shared(f.maxDynamicSharedBytes()));
        IllegalArgumentException e =
            assertThrows(
                IllegalArgumentException.class,
                () -> f.launch(Launch.grid(1).block(256).shared(f.maxDynamicSharedBytes() + 16)));
        assertTrue(e.getMessage().contains("size the launch by the device"), e.getMessage());
      }
      assertEquals(255f + 510f, out.toFloatArray()[0]);
    }
  }
}
