package dev.kernelj.runtime.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.Launch;
import dev.kernelj.runtime.kernel.ParamBlock;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("gpu")
class GraphAndEventGpuTest {
  static final String KERNELS =
      """
      extern "C" __global__ void add(int* p, int v, int n) {
        int i = blockIdx.x * blockDim.x + threadIdx.x;
        if (i < n) p[i] += v;
      }
      extern "C" __global__ void spin(long long cycles) {
        long long start = clock64();
        while (clock64() - start < cycles) { }
      }
      extern "C" __global__ void double_after(int* p, int n) {
      #if __CUDA_ARCH__ >= 900
        asm volatile("griddepcontrol.wait;" ::: "memory");
      #endif
        int i = blockIdx.x * blockDim.x + threadIdx.x;
        if (i < n) p[i] *= 2;
      }
      """;

  interface Kernels {}

  static CudaContext ctx;
  static LoadedKernelModule module;
  @TempDir static Path cacheDir;

  @BeforeAll
  static void open() {
    ctx = Gpu.nvrtcContext(cacheDir);
    module =
        ctx.load(
            Gpu.source(
                Kernels.class,
                KERNELS,
                Gpu.binding("add", "add", 8, 4, 4),
                Gpu.binding("spin", "spin", 8),
                Gpu.binding("double_after", "double_after", 8, 4)));
  }

  @AfterAll
  static void close() {
    if (ctx != null) {
      ctx.close();
    }
  }

  static void add(CudaStream s, DeviceBuffer<I32> p, int v, int n) {
    ParamBlock b = module.function(0).params();
    synchronized (b) {
      b.putPointer(0, p, "p");
      b.putInt(8, v);
      b.putInt(12, n);
      module.function(0).launch(Launch.grid(Launch.blocksFor(n, 256)).block(256).on(s));
    }
  }

  @Test
  void aCapturedGraphReplaysItsKernelsWithTheCapturedArguments() {
    int n = 1000;
    try (CudaStream s = ctx.createNonBlockingStream();
        DeviceBuffer<I32> p = ctx.allocate(I32.class, n)) {
      p.fill32(0, null);
      ctx.synchronize();
      CudaGraph g =
          CudaGraph.capture(
              s,
              () -> {
                add(s, p, 1, n);
                add(s, p, 2, n);
                add(s, p, 3, n);
              });
      try (g) {
        int[] before = p.toIntArray();
        assertEquals(0, before[0], "capturing does not run the kernels");
        add(s, p, 100, n); // rewriting the block after capture does not change the graph
        for (int r = 0; r < 10; r++) {
          g.launch(s);
        }
        s.synchronize();
        int[] after = p.toIntArray();
        for (int i = 0; i < n; i++) {
          assertEquals(160, after[i], "element " + i);
        }
      }
    }
  }

  @Test
  void overlappingLaunchesWaitForTheKernelBefore() {
    int n = 1 << 16;
    CudaFunction twice = (CudaFunction) module.function(2);
    if (ctx.device().computeCapability().major() >= 9) {
      assertTrue(
          twice.overlapsWhenAsked(),
          "an sm_90 device with NVRTC code for it takes overlapping launches");
    }
    try (CudaStream s = ctx.createNonBlockingStream();
        DeviceBuffer<I32> p = ctx.allocate(I32.class, n)) {
      p.fill32(0, null);
      ctx.synchronize();
      Runnable step =
          () -> {
            add(s, p, 3, n); // a slow writer ...
            synchronized (twice.params()) {
              twice.params().putPointer(0, p, "p");
              twice.params().putInt(8, n);
              // ... and an overlapping reader that must still see its result
              twice.launch(
                  Launch.grid(Launch.blocksFor(n, 256)).block(256).on(s).overlappingPrevious());
            }
          };
      step.run();
      s.synchronize();
      assertEquals(6, p.toIntArray()[n - 1], "eager: (0 + 3) * 2");
      try (CudaGraph g = CudaGraph.capture(s, step)) {
        g.launch(s);
        g.launch(s);
        s.synchronize();
      }
      int[] after = p.toIntArray();
      for (int i = 0; i < n; i++) {
        assertEquals(
            42, after[i], "element " + i + " after two graph replays: ((6 + 3) * 2 + 3) * 2");
      }
    }
  }

  @Test
  void eventsTimeGpuWork() {
    try (CudaStream s = ctx.createStream();
        CudaEvent start = ctx.createEvent();
        CudaEvent end = ctx.createEvent()) {
      int clockKhz =
          ctx.device()
              .attribute(dev.kernelj.runtime.driver.CuConstants.CU_DEVICE_ATTRIBUTE_CLOCK_RATE);
      long cycles = (long) clockKhz * 5; // about 5 ms at the base clock
      start.record(s);
      ParamBlock b = module.function(1).params();
      synchronized (b) {
        b.putLong(0, cycles);
        module.function(1).launch(Launch.grid(1).block(1).on(s));
      }
      end.record(s);
      end.synchronize();
      float ms = end.elapsedMillisSince(start);
      System.out.println("spin of " + cycles + " cycles took " + ms + " ms");
      assertTrue(ms > 1f && ms < 1000f, ms + " ms");
      s.synchronize();
    }
  }
}
