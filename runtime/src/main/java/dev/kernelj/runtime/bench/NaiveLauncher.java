package dev.kernelj.runtime.bench;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.kernelj.dsl.Launch;
import dev.kernelj.runtime.driver.CuDriverLibrary;
import dev.kernelj.runtime.driver.Driver;

/**
 * The baseline the benchmark compares against: a launch as a straightforward JNA binding does it,
 * through the proxy interface, with a fresh argument buffer and a {@code Pointer[]} built on every
 * call (JCuda-style). KernelJ's own path is {@code CudaFunction.launch}.
 */
final class NaiveLauncher {
  private final CuDriverLibrary driver = Driver.api();
  private final long function;

  NaiveLauncher(long function) {
    this.function = function;
  }

  /** Launches the one-int-parameter kernel with {@code value}. */
  void launch(Launch launch, int value) {
    Memory arg = new Memory(4);
    arg.setInt(0, value);
    Pointer[] params = {arg};
    int r =
        driver.cuLaunchKernel(
            function,
            launch.grid().x(),
            launch.grid().y(),
            launch.grid().z(),
            launch.block().x(),
            launch.block().y(),
            launch.block().z(),
            launch.sharedBytes(),
            launch.stream().streamHandle(),
            params,
            null);
    Driver.check(r, "cuLaunchKernel (naive)");
  }
}
