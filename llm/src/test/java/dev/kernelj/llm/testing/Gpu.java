package dev.kernelj.llm.testing;

import dev.kernelj.ops.cuda.CudaOps;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/** For GPU-tagged tests: skip, saying why, where no CUDA device can be used. */
public final class Gpu {
  private Gpu() {}

  /** Skips the calling test unless a CUDA context opens on device 0. */
  public static void assumeUsable() {
    String[] why = new String[1];
    Optional<CudaOps> probe = CudaOps.tryOpen(0, why);
    Assumptions.assumeTrue(probe.isPresent(), () -> "no usable GPU: " + why[0]);
    probe.get().close();
  }
}
