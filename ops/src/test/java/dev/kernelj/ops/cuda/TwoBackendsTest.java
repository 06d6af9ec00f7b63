package dev.kernelj.ops.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.RopeConfig;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.TestTensors;
import dev.kernelj.ops.reference.ReferenceOps;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The GPU tests' comparison harness on the CPU: the reference backend against itself must agree
 * exactly, also for ops that write an input in place, and the caller's host inputs stay untouched.
 * (Sharing the host inputs made the first GPU run report rope and the fused residual wrong: the GPU
 * got inputs the reference had already updated.)
 */
class TwoBackendsTest {
  final SplittableRandom random = new SplittableRandom(7);

  @Test
  void inPlaceRopeIsAppliedOncePerBackend() {
    RopeConfig config =
        new RopeConfig(
            128, 128, 500000, RopeConfig.Layout.ROTATE_HALF, new RopeConfig.Llama3(8, 1, 4, 8192));
    Tensor x = TestTensors.random(random, DType.F32, 2, 3, 2, 128);
    float[] before = x.toFloatArray();
    Tensor positions = Tensor.fromInts(new int[] {5, 70000, 131071}, 3);
    Tensor[] r =
        TwoBackends.run(
            new ReferenceOps(),
            new ReferenceOps(),
            DType.F32,
            new int[] {3, 2, 128},
            new Tensor[] {x, positions},
            (o, out, in) -> {
              o.rope(in[0], in[1], config);
              o.copy(out, in[0]);
            });
    assertArrayEquals(r[0].toFloatArray(), r[1].toFloatArray());
    assertArrayEquals(before, x.toFloatArray(), "the caller's input was rotated");
  }

  @Test
  void fusedResidualIsUpdatedOncePerBackend() {
    Tensor residual = TestTensors.random(random, DType.BF16, 2, 3, 64);
    Tensor x = TestTensors.random(random, DType.BF16, 2, 3, 64);
    Tensor w = TestTensors.random(random, DType.BF16, 1, 64);
    float[] before = residual.toFloatArray();
    Tensor[] r =
        TwoBackends.run(
            new ReferenceOps(),
            new ReferenceOps(),
            DType.BF16,
            new int[] {3, 64},
            new Tensor[] {residual, x, w},
            (o, out, in) -> {
              try (Tensor normed = o.empty(DType.BF16, 3, 64)) {
                o.rmsNormResidual(normed, in[0], in[1], in[2], 1e-5f);
              }
              o.copy(out, in[0]);
            });
    assertArrayEquals(r[0].toFloatArray(), r[1].toFloatArray());
    assertArrayEquals(before, residual.toFloatArray(), "the caller's residual was updated");
  }
}
