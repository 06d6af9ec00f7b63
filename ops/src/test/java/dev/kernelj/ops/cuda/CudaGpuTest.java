package dev.kernelj.ops.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.reference.ReferenceOps;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;

/**
 * What every CUDA-versus-reference test class shares: one CUDA backend per class (opened before its
 * tests, closed after), the reference backend, and a skip with the reason when no GPU can be used.
 * Each test skips on its own, so a report lists every GPU test as skipped with the reason.
 */
@Tag("gpu")
abstract class CudaGpuTest {
  static CudaOps cuda;
  static String whyNoGpu;
  static final ReferenceOps reference = new ReferenceOps();

  @BeforeAll
  static void openCuda() {
    String[] why = new String[1];
    cuda = CudaOps.tryOpen(0, why).orElse(null);
    whyNoGpu = why[0];
  }

  @BeforeEach
  void requireGpu() {
    assumeTrue(cuda != null, () -> "GPU test skipped: " + whyNoGpu);
  }

  /**
   * A device tensor filled with a value no kernel writes (NaN, or -7 for I32), to catch unwritten
   * elements.
   */
  static Tensor poisoned(DType t, int... shape) {
    Tensor out = cuda.empty(t, shape);
    cuda.fill(out, t == DType.I32 ? -7 : Float.NaN);
    return out;
  }

  @AfterAll
  static void closeCuda() {
    if (cuda != null) {
      cuda.close();
      cuda = null;
    }
  }
}
