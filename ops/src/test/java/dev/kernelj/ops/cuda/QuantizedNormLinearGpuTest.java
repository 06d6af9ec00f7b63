package dev.kernelj.ops.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.CapturedGraph;
import dev.kernelj.ops.DTypes;
import dev.kernelj.ops.QuantizedMatrix;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.kernels.quant.QuantFixture;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code rmsNormLinear} on CUDA through a quantized weight against the reference backend's norm and
 * matmul: one row goes through the streaming kernel that norms its row in the same launch, and
 * everything else (two rows, act-order, more inputs than that kernel holds) through the norm kernel
 * and the matmul apart. Which path ran is part of what is checked: the fused launch leaves h, the
 * caller's scratch, as it was (NaN here), the two launches write it. The residual must come back as
 * the reference's, bit for bit (one rounding of residual + delta); out as {@link
 * QuantizedMatmulGpuTest} compares a GEMM, with h's rounding noise folded into its magnitude.
 */
class QuantizedNormLinearGpuTest extends CudaGpuTest {
  /** The fused path is off by default (it measured slower); these tests turn it on. */
  @BeforeEach
  void fuseTheNorm() {
    if (cuda != null) {
      cuda.quantized().fuseNorm(true);
    }
  }

  @AfterEach
  void leaveItOff() {
    if (cuda != null) {
      cuda.quantized().fuseNorm(false);
    }
  }

  /** Turned off, one row that the fused kernel would take runs the norm and the matmul apart. */
  @Test
  void runsApartWhenTheFusedPathIsOff() {
    cuda.quantized().fuseNorm(false);
    SplittableRandom random = new SplittableRandom(5);
    DType t = DType.BF16;
    QuantFixture f =
        new QuantFixture(random, 4, 6144, 4096, 128, false, true, QuantFixture.Kind.RANDOM);
    QuantizedMatrix w = f.on(cuda);
    try (Tensor residual = cuda.upload(Tensor.fromFloats(t, values(random, t, 4096, 3), 1, 4096));
        Tensor delta = cuda.upload(Tensor.fromFloats(t, values(random, t, 4096, 1), 1, 4096));
        Tensor normWeight = cuda.upload(Tensor.fromFloats(t, values(random, t, 4096, 1), 4096));
        Tensor h = poisoned(t, 1, 4096);
        Tensor out = poisoned(t, 1, 6144)) {
      cuda.rmsNormLinear(out, h, residual, delta, normWeight, 1e-5f, w);
      assertFalse(Float.isNaN(cuda.toHost(h).getFloat(0, 0)), "the norm kernel wrote h");
    } finally {
      w.close();
    }
  }

  @ParameterizedTest(name = "{0} {1}-bit {2}x{3} group {4} act-order {5} m={6} add {7}: fused {8}")
  @CsvSource({
    // Llama-3-8B's qkv and gate/up (one and two row tiles a block), 8-bit, the first layer's norm.
    "BF16, 4, 6144, 4096, 128, false, 1, true, true",
    "BF16, 4, 28672, 4096, 128, false, 1, true, true",
    "F16, 8, 14336, 4096, 128, false, 1, true, true",
    "F16, 4, 6144, 4096, 128, false, 1, false, true",
    // The most inputs the fused kernel holds, and more than that.
    "BF16, 4, 14336, 8192, 128, false, 1, true, true",
    "BF16, 4, 14336, 8256, 64, false, 1, true, false",
    // Two rows, and an act-order weight: the norm and the matmul apart.
    "BF16, 4, 6144, 4096, 128, false, 2, true, false",
    "BF16, 4, 6144, 4096, 128, true, 1, true, false"
  })
  void matchesTheNormThenTheMatmul(
      DType t,
      int bits,
      int rows,
      int inputs,
      int groupSize,
      boolean actOrder,
      int m,
      boolean add,
      boolean fused) {
    SplittableRandom random = new SplittableRandom(rows * 17L + inputs + m + bits);
    QuantFixture f =
        new QuantFixture(
            random,
            bits,
            rows,
            inputs,
            groupSize,
            actOrder,
            t == DType.BF16,
            QuantFixture.Kind.RANDOM);
    float eps = 1e-5f;
    Tensor hostResidual = Tensor.fromFloats(t, values(random, t, m * inputs, 3), m, inputs);
    Tensor hostDelta =
        add ? Tensor.fromFloats(t, values(random, t, m * inputs, 1), m, inputs) : null;
    float[] weight = new float[inputs];
    for (int i = 0; i < inputs; i++) {
      weight[i] = DTypes.round(t, (float) random.nextDouble(0.25, 1.75));
    }
    Tensor hostWeight = Tensor.fromFloats(t, weight, inputs);

    QuantizedMatrix hostW = f.on(reference);
    Tensor expectedResidual = hostResidual.contiguousCopy();
    Tensor expectedH = Tensor.zeros(t, m, inputs);
    Tensor expected = Tensor.zeros(t, m, rows);
    reference.rmsNormLinear(
        expected, expectedH, expectedResidual, hostDelta, hostWeight, eps, hostW);

    QuantizedMatrix w = f.on(cuda);
    try (Tensor residual = cuda.upload(hostResidual);
        Tensor delta = add ? cuda.upload(hostDelta) : null;
        Tensor normWeight = cuda.upload(hostWeight);
        Tensor h = poisoned(t, m, inputs);
        Tensor wide = poisoned(t, m, rows + 3)) {
      cuda.rmsNormLinear(wide.slice(1, 0, rows), h, residual, delta, normWeight, eps, w);
      assertEquals(
          fused,
          Float.isNaN(cuda.toHost(h).getFloat(0, 0)),
          "the norm ran inside the projection's launch");
      assertBits(expectedResidual, cuda.toHost(residual));
      QuantizedMatmulGpuTest.compare(
          "GEMM", t, f, expectedH.toFloatArray(), m, expected, cuda.toHost(wide));
    } finally {
      w.close();
    }
  }

  /**
   * The fused launch captured in a CUDA graph and replayed: each replay adds delta into the
   * residual again (its ticket was left at zero by the launch before) and norms the new sum.
   */
  @ParameterizedTest(name = "{0} {1}-bit {2}x{3}")
  @CsvSource({"BF16, 4, 28672, 4096", "F16, 8, 6144, 4096"})
  void replaysAsACapturedGraph(DType t, int bits, int rows, int inputs) {
    SplittableRandom random = new SplittableRandom(rows + inputs + bits);
    QuantFixture f =
        new QuantFixture(
            random, bits, rows, inputs, 128, false, t == DType.BF16, QuantFixture.Kind.RANDOM);
    float eps = 1e-6f;
    Tensor hostResidual = Tensor.fromFloats(t, values(random, t, inputs, 3), 1, inputs);
    Tensor hostDelta = Tensor.fromFloats(t, values(random, t, inputs, 1), 1, inputs);
    float[] weight = values(random, t, inputs, 1);
    Tensor hostWeight = Tensor.fromFloats(t, weight, inputs);
    QuantizedMatrix hostW = f.on(reference);
    Tensor expectedResidual = hostResidual.contiguousCopy();
    Tensor expectedH = Tensor.zeros(t, 1, inputs);
    Tensor expected = Tensor.zeros(t, 1, rows);

    QuantizedMatrix w = f.on(cuda);
    try (Tensor residual = cuda.upload(hostResidual);
        Tensor delta = cuda.upload(hostDelta);
        Tensor normWeight = cuda.upload(hostWeight);
        Tensor h = poisoned(t, 1, inputs);
        Tensor wide = poisoned(t, 1, rows + 3)) {
      Tensor out = wide.slice(1, 0, rows);
      // An eager run takes the scratch (the ticket); capture only records what the step queues.
      cuda.rmsNormLinear(out, h, residual, delta, normWeight, eps, w);
      reference.rmsNormLinear(
          expected, expectedH, expectedResidual, hostDelta, hostWeight, eps, hostW);
      try (CapturedGraph graph =
          cuda.port()
              .captureGraph(
                  () -> cuda.rmsNormLinear(out, h, residual, delta, normWeight, eps, w))) {
        for (int replay = 0; replay < 3; replay++) {
          cuda.fill(wide, Float.NaN);
          graph.replay();
          reference.rmsNormLinear(
              expected, expectedH, expectedResidual, hostDelta, hostWeight, eps, hostW);
          assertBits(expectedResidual, cuda.toHost(residual));
          QuantizedMatmulGpuTest.compare(
              "GEMM replay " + replay,
              t,
              f,
              expectedH.toFloatArray(),
              1,
              expected,
              cuda.toHost(wide));
        }
      }
    } finally {
      w.close();
    }
  }

  private static float[] values(SplittableRandom random, DType t, int n, double limit) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = DTypes.round(t, (float) random.nextDouble(-limit, limit));
    }
    return v;
  }

  private static void assertBits(Tensor expected, Tensor actual) {
    float[] e = expected.toFloatArray();
    float[] a = actual.toFloatArray();
    for (int i = 0; i < e.length; i++) {
      assertEquals(
          Float.floatToRawIntBits(e[i]),
          Float.floatToRawIntBits(a[i]),
          "residual[" + i + "] = " + a[i] + ", expected " + e[i]);
    }
  }
}
