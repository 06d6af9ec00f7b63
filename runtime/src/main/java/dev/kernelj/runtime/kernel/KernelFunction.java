package dev.kernelj.runtime.kernel;

import dev.kernelj.dsl.Launch;

/**
 * One loaded kernel with its reusable parameter block. A launch writes the arguments into {@link
 * #params()} and calls {@link #launch}, both while holding the block's monitor, so that threads
 * sharing a launcher do not interleave their arguments.
 */
public interface KernelFunction {
  /** The reusable native parameter block of this function. */
  ParamBlock params();

  /**
   * Checks the launch against the declared constraints, then launches with the arguments now in
   * {@link #params()}.
   */
  void launch(Launch launch);
}
