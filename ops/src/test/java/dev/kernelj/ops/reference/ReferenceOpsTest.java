package dev.kernelj.ops.reference;

import static dev.kernelj.ops.TestTensors.assertClose;
import static dev.kernelj.ops.TestTensors.random;
import static dev.kernelj.ops.TestTensors.rtol;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.DTypes;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.RopeConfig;
import dev.kernelj.ops.SoftmaxMask;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.TestTensors;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The reference backend against plain float64 computations written here from each op's definition.
 * Where an op rounds into bf16/f16 the naive value is computed in f64 and the tolerance is the
 * dtype's.
 */
class ReferenceOpsTest {
  final Ops ops = new ReferenceOps();
  final SplittableRandom random = new SplittableRandom(42);

  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"F32", "F16", "BF16"})
  void elementwiseAddMulScaleAndBroadcastBias(DType t) {
    Tensor a = random(random, t, 3, 5, 37);
    Tensor b = random(random, t, 3, 5, 37);
    Tensor bias = random(random, t, 1, 37);
    float[] av = a.toFloatArray(), bv = b.toFloatArray(), biasv = bias.toFloatArray();
    double[] sum = new double[av.length],
        prod = new double[av.length],
        scaled = new double[av.length],
        biased = new double[av.length];
    for (int i = 0; i < av.length; i++) {
      sum[i] = (double) av[i] + bv[i];
      prod[i] = (double) av[i] * bv[i];
      scaled[i] = av[i] * 0.37;
      biased[i] = (double) av[i] + biasv[i % 37];
    }
    Tensor out = ops.empty(t, 5, 37);
    ops.add(out, a, b);
    assertClose("add", sum, out.toFloatArray(), rtol(t), 1e-7);
    ops.mul(out, a, b);
    assertClose("mul", prod, out.toFloatArray(), rtol(t), 1e-7);
    ops.scale(out, a, 0.37f);
    assertClose("scale", scaled, out.toFloatArray(), rtol(t), 1e-7);
    ops.add(out, a, bias);
    assertClose("bias add", biased, out.toFloatArray(), rtol(t), 1e-7);
    ops.residualAdd(a, b);
    assertClose("residual add in place", sum, a.toFloatArray(), rtol(t), 1e-7);
  }

  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"F32", "F16", "BF16"})
  void castsRoundOnceToTheTarget(DType to) {
    Tensor in = random(random, DType.F32, 100, 1001);
    Tensor out = ops.empty(to, 1001);
    ops.cast(out, in);
    float[] iv = in.toFloatArray(), ov = out.toFloatArray();
    for (int i = 0; i < iv.length; i++) {
      assertEquals(DTypes.round(to, iv[i]), ov[i]);
      assertTrue(
          Math.abs(ov[i] - iv[i])
              <= Math.abs(iv[i]) * (to == DType.F32 ? 0 : to == DType.F16 ? 0x1p-11 : 0x1p-8)
                  + 1e-7);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"F32", "BF16"})
  void embeddingCopiesRowsAndMarksBadIdsNaN(DType t) {
    Tensor table = random(random, t, 1, 11, 9);
    Tensor ids = Tensor.fromInts(new int[] {3, 0, 10, 11, -1}, 5);
    Tensor out = ops.empty(DType.F32, 5, 9);
    ops.embedding(out, table, ids);
    for (int c = 0; c < 9; c++) {
      assertEquals(table.getFloat(3, c), out.getFloat(0, c));
      assertEquals(table.getFloat(10, c), out.getFloat(2, c));
      assertTrue(Float.isNaN(out.getFloat(3, c)) && Float.isNaN(out.getFloat(4, c)));
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"F32", "BF16"})
  void rmsNormAndItsFusedResidualForm(DType t) {
    int rows = 3, cols = 130;
    Tensor x = random(random, t, 2, rows, cols);
    Tensor residual = random(random, t, 2, rows, cols);
    Tensor w = random(random, t, 1, cols);
    float[] xv = x.toFloatArray(), rv = residual.toFloatArray(), wv = w.toFloatArray();
    double[] plain = new double[rows * cols],
        fused = new double[rows * cols],
        sum = new double[rows * cols];
    for (int r = 0; r < rows; r++) {
      double ssPlain = 0, ssFused = 0;
      for (int c = 0; c < cols; c++) {
        ssPlain += (double) xv[r * cols + c] * xv[r * cols + c];
        sum[r * cols + c] = DTypes.round(t, rv[r * cols + c] + xv[r * cols + c]);
        ssFused += sum[r * cols + c] * sum[r * cols + c];
      }
      for (int c = 0; c < cols; c++) {
        plain[r * cols + c] = xv[r * cols + c] / Math.sqrt(ssPlain / cols + 1e-5) * wv[c];
        fused[r * cols + c] = sum[r * cols + c] / Math.sqrt(ssFused / cols + 1e-5) * wv[c];
      }
    }
    Tensor out = ops.empty(t, rows, cols);
    ops.rmsNorm(out, x, w, 1e-5f);
    assertClose("rmsNorm", plain, out.toFloatArray(), rtol(t), 1e-6);
    ops.rmsNormResidual(out, residual, x, w, 1e-5f);
    assertClose("rmsNormResidual out", fused, out.toFloatArray(), rtol(t), 1e-6);
    assertClose("rmsNormResidual residual", sum, residual.toFloatArray(), 0, 0);
  }

  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"F32", "F16"})
  void layerNorm(DType t) {
    int rows = 4, cols = 77;
    Tensor x = random(random, t, 3, rows, cols);
    Tensor w = random(random, t, 1, cols);
    Tensor b = random(random, t, 1, cols);
    float[] xv = x.toFloatArray(), wv = w.toFloatArray(), bv = b.toFloatArray();
    double[] expected = new double[rows * cols];
    for (int r = 0; r < rows; r++) {
      double mean = 0, var = 0;
      for (int c = 0; c < cols; c++) mean += xv[r * cols + c] / (double) cols;
      for (int c = 0; c < cols; c++) var += Math.pow(xv[r * cols + c] - mean, 2) / cols;
      for (int c = 0; c < cols; c++)
        expected[r * cols + c] = (xv[r * cols + c] - mean) / Math.sqrt(var + 1e-5) * wv[c] + bv[c];
    }
    Tensor out = ops.empty(t, rows, cols);
    ops.layerNorm(out, x, w, b, 1e-5f);
    assertClose("layerNorm", expected, out.toFloatArray(), rtol(t), 1e-5);
  }

  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"F32", "BF16"})
  void softmaxWithCausalAndLengthMasks(DType t) {
    int rows = 6, cols = 9;
    Tensor x = random(random, t, 5, rows, cols);
    Tensor lengths = Tensor.fromInts(new int[] {7, 0}, 2);
    float[] xv = x.toFloatArray();
    // rows are 2 sequences x 3 queries; queries start at key 4 (4 cached tokens); sequence 1 is
    // empty
    double[] expected = new double[rows * cols];
    for (int r = 0; r < rows; r++) {
      int keep = Math.min(Math.min(cols, 4 + r % 3 + 1), r / 3 == 0 ? 7 : 0);
      double max = Double.NEGATIVE_INFINITY, sum = 0;
      for (int c = 0; c < keep; c++) max = Math.max(max, xv[r * cols + c]);
      for (int c = 0; c < keep; c++) sum += Math.exp(xv[r * cols + c] - max);
      for (int c = 0; c < cols; c++)
        expected[r * cols + c] = c < keep ? Math.exp(xv[r * cols + c] - max) / sum : 0;
    }
    Tensor out = ops.empty(t, rows, cols);
    ops.softmax(out, x, SoftmaxMask.causal(3, 4).withLengths(lengths, 3));
    assertClose("masked softmax", expected, out.toFloatArray(), rtol(t), 1e-7);
    ops.softmax(x, x, SoftmaxMask.none());
    float[] inPlace = x.toFloatArray();
    for (int r = 0; r < rows; r++) {
      double s = 0;
      for (int c = 0; c < cols; c++) s += inPlace[r * cols + c];
      assertEquals(
          1.0, s, t == DType.F32 ? 1e-6 : 2e-2, "row " + r + " of the in-place softmax sums to 1");
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"F32", "BF16"})
  void activationsAndSwigluOnStridedHalves(DType t) {
    Tensor x = random(random, t, 6, 2, 101);
    float[] xv = x.toFloatArray();
    double[] silu = new double[xv.length],
        tanh = new double[xv.length],
        erf = new double[xv.length];
    for (int i = 0; i < xv.length; i++) {
      double v = xv[i];
      silu[i] = v / (1 + Math.exp(-v));
      tanh[i] = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
      erf[i] = 0.5 * v * (1 + erfBySimpson(v / Math.sqrt(2)));
    }
    Tensor out = ops.empty(t, 2, 101);
    ops.silu(out, x);
    assertClose("silu", silu, out.toFloatArray(), rtol(t), 1e-6);
    ops.geluTanh(out, x);
    assertClose("geluTanh", tanh, out.toFloatArray(), rtol(t), 1e-6);
    ops.geluErf(out, x);
    assertClose("geluErf", erf, out.toFloatArray(), rtol(t), 1e-6);

    Tensor fused = random(random, t, 4, 3, 2 * 50);
    Tensor gate = fused.slice(1, 0, 50), up = fused.slice(1, 50, 100);
    double[] expected = new double[3 * 50];
    for (int r = 0; r < 3; r++) {
      for (int c = 0; c < 50; c++) {
        double g = fused.getFloat(r, c), u = fused.getFloat(r, 50 + c);
        expected[r * 50 + c] = g / (1 + Math.exp(-g)) * u;
      }
    }
    Tensor sw = ops.empty(t, 3, 50);
    ops.swiglu(sw, gate, up);
    assertClose("swiglu", expected, sw.toFloatArray(), rtol(t), 1e-6);
  }

  /**
   * erf(z) = 2/sqrt(pi) * integral_0^z exp(-s^2) ds by composite Simpson with many panels:
   * independent of the code under test.
   */
  static double erfBySimpson(double z) {
    int n = 20000;
    double h = z / n, sum = 1 + Math.exp(-z * z);
    for (int i = 1; i < n; i++) {
      sum += (i % 2 == 1 ? 4 : 2) * Math.exp(-Math.pow(i * h, 2));
    }
    return 2 / Math.sqrt(Math.PI) * sum * h / 3;
  }

  @ParameterizedTest
  @EnumSource(RopeConfig.Layout.class)
  void ropeRotatesPairsAndLeavesThePartialRestAlone(RopeConfig.Layout layout) {
    int tokens = 3, heads = 2, headDim = 10, rot = 6;
    RopeConfig config = new RopeConfig(headDim, rot, 10000, layout, new RopeConfig.Linear(2.0));
    Tensor x = random(random, DType.F32, 1, tokens, heads, headDim);
    Tensor positions = Tensor.fromInts(new int[] {0, 5, 1000}, tokens);
    float[] xv = x.toFloatArray();
    double[] expected = TestTensors.toDouble(xv);
    for (int tk = 0; tk < tokens; tk++) {
      for (int h = 0; h < heads; h++) {
        int base = (tk * heads + h) * headDim;
        for (int i = 0; i < rot / 2; i++) {
          double freq = Math.pow(10000, -2.0 * i / rot) / 2.0;
          double angle = positions.getFloat(tk) * freq;
          int ia = base + (layout == RopeConfig.Layout.INTERLEAVED ? 2 * i : i);
          int ib = base + (layout == RopeConfig.Layout.INTERLEAVED ? 2 * i + 1 : i + rot / 2);
          expected[ia] = xv[ia] * Math.cos(angle) - xv[ib] * Math.sin(angle);
          expected[ib] = xv[ib] * Math.cos(angle) + xv[ia] * Math.sin(angle);
        }
      }
    }
    ops.rope(x, positions, config);
    // position 1000 times an f32 frequency: the angle carries ~1e-4 absolute error from f32
    // rounding
    assertClose("rope " + layout, expected, x.toFloatArray(), 1e-5, 2e-4);
  }

  @ParameterizedTest
  @EnumSource(
      value = DType.class,
      names = {"F32", "BF16"})
  void matmulRoundsXToTheWeightTypeAndAccumulatesExactly(DType w) {
    int m = 11, n = 13, k = 67;
    Tensor x = random(random, DType.F32, 1, m, k);
    Tensor weight = random(random, w, 1, n, k);
    float[] xv = x.toFloatArray(), wv = weight.toFloatArray();
    double[] expected = new double[m * n];
    for (int r = 0; r < m; r++) {
      for (int j = 0; j < n; j++) {
        for (int c = 0; c < k; c++) {
          expected[r * n + j] += (double) DTypes.round(w, xv[r * k + c]) * wv[j * k + c];
        }
      }
    }
    Tensor out = ops.empty(DType.F32, m, n);
    ops.matmul(out, x, weight);
    assertClose("matmul", expected, out.toFloatArray(), 1e-6, 1e-6);
  }
}
