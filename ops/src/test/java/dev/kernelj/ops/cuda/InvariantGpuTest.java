package dev.kernelj.ops.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.DTypes;
import dev.kernelj.ops.OpsOptions;
import dev.kernelj.ops.Tensor;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;

/**
 * What the batch-invariance GPU tests share: a CUDA backend opened in batch-invariant mode (one per
 * class), a skip with the reason when no GPU can be used, random host values and the bitwise row
 * comparison.
 */
@Tag("gpu")
abstract class InvariantGpuTest {
  static CudaOps cuda;
  static String whyNoGpu;

  @BeforeAll
  static void openInvariantCuda() {
    String[] why = new String[1];
    cuda = CudaOps.tryOpen(0, OpsOptions.batchInvariantMode(), why).orElse(null);
    whyNoGpu = why[0];
  }

  @BeforeEach
  void requireGpu() {
    assumeTrue(cuda != null, () -> "GPU test skipped: " + whyNoGpu);
    assertTrue(cuda.capabilities().batchInvariant(), "the backend reports the mode");
  }

  @AfterAll
  static void closeCuda() {
    if (cuda != null) {
      cuda.close();
      cuda = null;
    }
  }

  /** {@code n} values uniform in [-1, 1), already rounded to {@code t}. */
  static float[] uniform(Random random, DType t, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = DTypes.round(t, random.nextFloat() * 2 - 1);
    }
    return v;
  }

  /** Row {@code row} of a contiguous 2-D device tensor, on the host. */
  static float[] rowOf(Tensor t, int row) {
    return cuda.toHost(t.slice(0, row, row + 1)).toFloatArray();
  }

  /** Fails at the first element whose bits differ, naming where and both values. */
  static void assertSameBits(float[] want, float[] got, String what) {
    for (int i = 0; i < want.length; i++) {
      if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
        throw new AssertionError(
            what + ": element " + i + " is " + got[i] + ", alone it was " + want[i]);
      }
    }
  }
}
