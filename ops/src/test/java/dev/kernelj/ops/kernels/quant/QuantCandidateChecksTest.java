package dev.kernelj.ops.kernels.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kernelj.ops.kernels.HostEmulator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The candidate kernels that qgemm_bench times beside the production ones (src/test/cuda:
 * qstream_persist.cuh, qfew_candidate.cuh) still agree with the production CUDA C they build on,
 * checked on the CPU by build_candidate_checks.sh under the host emulator, so that a change to the
 * production source cannot leave them measuring something wrong.
 */
class QuantCandidateChecksTest {
  @Test
  void theCandidateKernelsAgreeWithTheProductionKernelsOnTheEmulator(@TempDir Path out)
      throws IOException, InterruptedException {
    String why = HostEmulator.unavailableReason();
    assumeTrue(why == null, () -> "cannot emulate here: " + why);
    ProcessBuilder pb =
        new ProcessBuilder("bash", "src/test/cuda/build_candidate_checks.sh")
            .redirectErrorStream(true);
    pb.environment().put("CUDA_HOME", HostEmulator.cudaInclude().getParent().toString());
    pb.environment().put("QGEMM_BENCH_OUT", out.toString());
    Process p = pb.start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(600, TimeUnit.SECONDS), "the checks timed out:\n" + log);
    assertEquals(0, p.exitValue(), log);
    assertTrue(log.contains("all grids give the production kernel's bits"), log);
    assertTrue(log.contains("the few-row candidate agrees with the production GEMM"), log);
  }
}
