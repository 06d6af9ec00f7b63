package dev.kernelj.ops.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.DenseWeight;
import dev.kernelj.ops.LinearWeight;
import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.QuantizedMatrix;
import dev.kernelj.ops.StackedWeight;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.kernels.quant.QuantFixture;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Ops#linear} on quantized, dense and stacked weights on the reference backend, against
 * float64 products of the plain arrays; and the one-line errors both backends share.
 */
class QuantizedMatmulOpsTest {
  final ReferenceOps ops = new ReferenceOps();

  static float[] values(SplittableRandom random, int n, DType t) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = dev.kernelj.ops.DTypes.round(t, (float) random.nextDouble(-1.5, 1.5));
    }
    return v;
  }

  @ParameterizedTest(name = "{0}-bit x {1} out {2} act-order {3} m={4}")
  @CsvSource({
    "4, F32, F32, false, 3",
    "4, BF16, BF16, true, 5",
    "8, F16, F32, true, 2",
    "8, F32, F32, false, 1"
  })
  void quantizedLinearIsTheDequantizedProduct(
      int bits, DType xt, DType outType, boolean actOrder, int m) {
    SplittableRandom random = new SplittableRandom(bits * 100L + m);
    QuantFixture f =
        new QuantFixture(random, bits, 40, 192, 64, actOrder, false, QuantFixture.Kind.RANDOM);
    float[] xs = values(random, m * 192, xt);
    double[] expected = f.product(xs, m);
    Tensor x = Tensor.fromFloats(xt, xs, m, 192);
    Tensor out = Tensor.fromFloats(outType, new float[m * 40], m, 40);
    ops.linear(out, x, f.on(ops));
    float[] got = out.toFloatArray();
    double scale = f.magnitude(xs, m);
    double tol = (outType == DType.F32 ? 1e-6 : 1e-2) * scale;
    for (int i = 0; i < expected.length; i++) {
      if (!(Math.abs(expected[i] - got[i]) <= tol)) {
        fail("out[" + i + "] = " + got[i] + ", expected " + expected[i]);
      }
    }
  }

  @Test
  void stackedPartsFillTheirColumnsAndRowViewsCutThem() {
    SplittableRandom random = new SplittableRandom(5);
    QuantFixture q1 =
        new QuantFixture(random, 4, 32, 128, 32, true, false, QuantFixture.Kind.RANDOM);
    QuantFixture q2 =
        new QuantFixture(random, 8, 16, 128, -1, false, true, QuantFixture.Kind.RANDOM);
    QuantFixture d =
        new QuantFixture(random, 4, 24, 128, 64, false, false, QuantFixture.Kind.RANDOM);
    StackedWeight w =
        new StackedWeight(
            List.<LinearWeight>of(q1.on(ops), new DenseWeight(d.dense(DType.F32)), q2.on(ops)));
    assertEquals(72, w.outFeatures());
    float[] xs = values(random, 2 * 128, DType.F32);
    Tensor x = Tensor.fromFloats(DType.F32, xs, 2, 128);
    Tensor out = Tensor.fromFloats(DType.F32, new float[2 * 72], 2, 72);
    ops.linear(out, x, w);
    double[][] parts = {q1.product(xs, 2), d.product(xs, 2), q2.product(xs, 2)};
    int[] widths = {32, 24, 16};
    for (int r = 0; r < 2; r++) {
      int col = 0;
      for (int p = 0; p < 3; p++) {
        for (int c = 0; c < widths[p]; c++) {
          assertEquals(parts[p][r * widths[p] + c], out.getFloat(r, col + c), 1e-4, "part " + p);
        }
        col += widths[p];
      }
    }
    LinearWeight middle = w.rows(16, 64);
    Tensor cut = Tensor.fromFloats(DType.F32, new float[2 * 48], 2, 48);
    ops.linear(cut, x, middle);
    for (int r = 0; r < 2; r++) {
      for (int c = 0; c < 48; c++) {
        assertEquals(out.getFloat(r, 16 + c), cut.getFloat(r, c), 1e-5, "row view column " + c);
      }
    }
    middle.close(); // a view: frees nothing
    ops.linear(out, x, w);
  }

  @Test
  void badShapesAndDtypesFailWithOneMessage() {
    SplittableRandom random = new SplittableRandom(1);
    QuantizedMatrix w =
        new QuantFixture(random, 4, 16, 64, 32, false, false, QuantFixture.Kind.RANDOM).on(ops);
    Tensor x = Tensor.zeros(DType.BF16, 2, 64);
    OpArgumentException wide =
        assertThrows(
            OpArgumentException.class,
            () ->
                ops.quantizedMatmul(
                    Tensor.zeros(DType.BF16, 2, 16), Tensor.zeros(DType.BF16, 2, 63), w));
    assertTrue(wide.getMessage().contains("64 inputs"), wide.getMessage());
    OpArgumentException shape =
        assertThrows(
            OpArgumentException.class,
            () -> ops.quantizedMatmul(Tensor.zeros(DType.BF16, 2, 15), x, w));
    assertTrue(shape.getMessage().contains("out"), shape.getMessage());
    OpArgumentException dtype =
        assertThrows(
            OpArgumentException.class,
            () -> ops.quantizedMatmul(Tensor.zeros(DType.F16, 2, 16), x, w));
    assertTrue(dtype.getMessage().contains("F32 expected"), dtype.getMessage());
    assertThrows(IllegalArgumentException.class, () -> w.rows(8, 16));
  }
}
