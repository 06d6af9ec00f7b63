package dev.kernelj.samples;

import dev.kernelj.runtime.cuda.CudaContext;
import java.io.PrintStream;

/**
 * One numbered sample: runs on a context, prints what it shows, and says whether its result checked
 * out.
 */
interface Sample {
  /** e.g. "01 vector add and saxpy". */
  String title();

  /**
   * Runs the sample and verifies its output against a plain-Java computation.
   *
   * @return true when the GPU's result matched
   */
  boolean run(CudaContext context, PrintStream out);
}
