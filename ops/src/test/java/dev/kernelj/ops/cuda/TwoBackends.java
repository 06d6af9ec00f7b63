package dev.kernelj.ops.cuda;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.Tensor;

/**
 * Runs one op on two backends from the same host inputs and returns both outputs on the host. Each
 * backend works on its own copy of every input ({@link Ops#upload} copies, on the reference backend
 * too), so an op that writes an input in place (rope, the residual of rmsNormResidual) cannot hand
 * the second backend the first one's result. The first GPU run compared exactly that by mistake:
 * the reference rotated the host tensor, then the GPU rotated it a second time.
 */
final class TwoBackends {
  private TwoBackends() {}

  interface OpCall {
    void run(Ops ops, Tensor out, Tensor[] in);
  }

  /** {@code [expected's output, actual's output]}, both host tensors; outputs start as NaN. */
  static Tensor[] run(
      Ops expected, Ops actual, DType outType, int[] outShape, Tensor[] hostInputs, OpCall op) {
    return new Tensor[] {
      runOn(expected, outType, outShape, hostInputs, op),
      runOn(actual, outType, outShape, hostInputs, op)
    };
  }

  private static Tensor runOn(
      Ops ops, DType outType, int[] outShape, Tensor[] hostInputs, OpCall op) {
    Tensor[] in = new Tensor[hostInputs.length];
    for (int i = 0; i < hostInputs.length; i++) {
      in[i] = ops.upload(hostInputs[i]);
    }
    Tensor out = ops.empty(outType, outShape);
    try {
      ops.fill(out, Float.NaN);
      op.run(ops, out, in);
      return ops.toHost(out);
    } finally {
      out.close();
      for (Tensor t : in) {
        t.close();
      }
    }
  }
}
