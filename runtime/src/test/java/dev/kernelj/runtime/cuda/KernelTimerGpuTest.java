package dev.kernelj.runtime.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.runtime.driver.CuConstants;
import dev.kernelj.runtime.kernel.KernelFunction;
import dev.kernelj.runtime.kernel.ParamBlock;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KernelTimer} measures the kernels, not the host: a kernel of known length reads the same
 * whether the host enqueues at full speed or pauses between launches (as jshell or an interpreter
 * may), because the warm-up keeps the GPU busy when the start event is recorded.
 */
@Tag("gpu")
class KernelTimerGpuTest {
  static final String SPIN =
      """
      extern "C" __global__ void spin(long long cycles) {
        long long start = clock64();
        while (clock64() - start < cycles) { }
      }
      """;

  interface Kernels {}

  static CudaContext ctx;
  static LoadedKernelModule module;
  @TempDir static Path cacheDir;

  @BeforeAll
  static void open() {
    ctx = Gpu.nvrtcContext(cacheDir);
    module = ctx.load(Gpu.source(Kernels.class, SPIN, Gpu.binding("spin", "spin", 8)));
  }

  @AfterAll
  static void close() {
    if (ctx != null) {
      ctx.close();
    }
  }

  private static Runnable spin(long cycles) {
    KernelFunction f = module.function(0);
    return () -> {
      ParamBlock b = f.params();
      synchronized (b) {
        b.putLong(0, cycles);
        f.launch(Launch.grid(1).block(1));
      }
    };
  }

  /** One launch between two events: the kernel's own length. */
  private static double singleLaunchMicros(Runnable launch) {
    launch.run();
    ctx.synchronize();
    try (CudaEvent start = ctx.createEvent();
        CudaEvent end = ctx.createEvent()) {
      start.record(StreamRef.DEFAULT);
      launch.run();
      end.record(StreamRef.DEFAULT);
      end.synchronize();
      return end.elapsedMillisSince(start) * 1000.0;
    }
  }

  @Test
  void aSlowHostDoesNotInflateTheKernelTime() {
    int clockKhz = ctx.device().attribute(CuConstants.CU_DEVICE_ATTRIBUTE_CLOCK_RATE);
    long cycles = clockKhz; // about 1 ms
    Runnable launch = spin(cycles);
    double single = singleLaunchMicros(launch);
    KernelTimer.Timing fast = KernelTimer.time(ctx, StreamRef.DEFAULT, 10, 10, launch);
    Runnable slowHost =
        () -> {
          launch.run();
          try {
            Thread.sleep(0, 300_000); // the host takes 0.3 ms per launch, the kernel ~1 ms
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    KernelTimer.Timing slow = KernelTimer.time(ctx, StreamRef.DEFAULT, 10, 10, slowHost);
    System.out.println(
        "single launch " + single + " µs; timed: " + fast + "; with a slow host: " + slow);
    assertTrue(
        Math.abs(fast.microsPerLaunch() / single - 1) < 0.10,
        fast + " vs a single launch of " + single + " µs");
    assertTrue(
        Math.abs(slow.microsPerLaunch() / single - 1) < 0.10,
        slow + " vs a single launch of " + single + " µs");
  }
}
