package dev.kernelj.ops.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kernelj.dsl.StreamRef;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every block {@link RmsNorm#plan} launches fits the registers of an SM with the code ptxas gives
 * the kernels: a row block of {@link RmsNorm#ROW_BLOCK_MAX_THREADS} threads at the kernels'
 * register count. The kernels take up to 128 registers a thread, so the 1,024-thread blocks the
 * plan once asked for (rows past 16,384 elements) were refused at launch.
 */
class RmsNormRegistersTest {
  private static final int REGISTERS_PER_BLOCK = 64 * 1024;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"sm_80", "sm_86", "sm_89", "sm_90"})
  void theLargestRowBlockFitsTheRegisters(String arch) throws Exception {
    Path nvcc = Nvcc.find();
    assumeTrue(nvcc != null, "nvcc not found (set KERNELJ_NVCC); registers cannot be measured");
    Map<String, Nvcc.Usage> usage = Nvcc.resourceUsage(nvcc, RmsNormKernels.Cuda.class, arch);
    assertEquals(6, usage.size(), "two kernels in three dtypes: " + usage.keySet());
    for (Map.Entry<String, Nvcc.Usage> e : usage.entrySet()) {
      int registers = e.getValue().registers();
      assertTrue(
          (long) registers * RmsNorm.ROW_BLOCK_MAX_THREADS <= REGISTERS_PER_BLOCK,
          e.getKey() + " takes " + registers + " registers a thread on " + arch);
    }
  }

  @ParameterizedTest(name = "{0} columns")
  @ValueSource(ints = {1025, 2048, 4096, 8192, 16384, 16392, 40000, 1 << 20})
  void rowBlocksNeverExceedTheBound(int cols) {
    RmsNorm.Plan plan = RmsNorm.plan(3, cols, StreamRef.DEFAULT);
    int threads = plan.launch().block().x();
    assertEquals(1, plan.rowsPerBlock());
    assertTrue(threads <= RmsNorm.ROW_BLOCK_MAX_THREADS, cols + " columns: " + threads);
    assertEquals(0, threads % 32, cols + " columns: " + threads);
    // A thread an 8-element chunk while the block has room for one.
    assertEquals(Math.min(RmsNorm.ROW_BLOCK_MAX_THREADS, (cols + 255) / 256 * 32), threads);
  }
}
