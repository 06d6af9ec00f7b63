package dev.kernelj.ops.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.DTypes;
import dev.kernelj.ops.RopeConfig;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The memory-bound kernels' CUDA C, run on the CPU by {@link HostEmulator} with the launches the
 * Java code computes, against the reference twins: every path of RMSNorm (warp per row, block per
 * row from registers, the two-pass fallbacks; plain and fused, strided, out aliasing x), the
 * unrolled add (aliased out, broadcast, tails) and both RoPE kernels in both layouts.
 */
class HostEmulatedKernelsTest {
  final SplittableRandom random = new SplittableRandom(11);

  @BeforeEach
  void requireCompiler() {
    String why = HostEmulator.unavailableReason();
    assumeTrue(why == null, () -> "host emulation skipped: " + why);
  }

  float[] values(DType t, int n, double scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = DTypes.round(t, (float) (random.nextDouble(-1, 1) * scale));
    }
    return v;
  }

  static void assertClose(
      String what, DType t, float[] expected, float[] actual, int from, int count) {
    double rtol = t == DType.F32 ? 1e-5 : 1e-2;
    double atol = t == DType.F32 ? 1e-5 : 1e-2;
    for (int i = from; i < from + count; i++) {
      double err = Math.abs(expected[i] - actual[i]);
      if (Float.isNaN(actual[i]) || !(err <= atol + rtol * Math.abs(expected[i]))) {
        fail(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
      }
    }
  }

  @ParameterizedTest(name = "{0} rows {1} cols {2} pad {3} fused {4} in place {5}")
  @CsvSource({
    "F32, 1, 4096, 0, false, false", "BF16, 7, 4096, 0, true, false",
        "BF16, 3, 4099, 0, true, false",
    "F16, 2, 5120, 0, true, false", "F32, 33, 1, 0, true, false", "BF16, 9, 64, 0, false, true",
    "BF16, 6, 1000, 8, true, false", "F32, 5, 1024, 0, true, true",
        "BF16, 2, 40000, 0, true, false",
    "BF16, 3, 2048, 3, false, false", "F16, 4, 8192, 0, false, true",
        "BF16, 2, 16384, 0, true, false"
  })
  void rmsNormMatchesItsTwin(DType t, int rows, int cols, int pad, boolean fused, boolean inPlace)
      throws Exception {
    int ld = cols + pad;
    float[] x = values(t, rows * ld, 2), w = values(t, cols, 1), residual = values(t, rows * ld, 2);
    float eps = 1e-5f;
    HostEmulator emu = HostEmulator.of(RmsNormKernels.Cuda.class, "KJ_RMSNORM");
    long dx = emu.buffer(t, x), dw = emu.buffer(t, w), dr = emu.buffer(t, residual);
    long dout = inPlace ? dx : emu.buffer(t, new float[rows * ld]);
    RecordingKernels<RmsNormKernels.Cuda> rec = RecordingKernels.of(RmsNormKernels.Cuda.class);
    if (fused) {
      RmsNorm.rmsNormResidual(
          rec.kernels(),
          StreamRef.DEFAULT,
          FakeTensors.at(t, dout),
          FakeTensors.at(t, dr),
          FakeTensors.at(t, dx),
          FakeTensors.at(t, dw),
          rows,
          cols,
          ld,
          ld,
          ld,
          eps);
    } else {
      RmsNorm.rmsNorm(
          rec.kernels(),
          StreamRef.DEFAULT,
          FakeTensors.at(t, dout),
          FakeTensors.at(t, dx),
          FakeTensors.at(t, dw),
          rows,
          cols,
          ld,
          ld,
          eps);
    }
    emu.run(rec.single());

    float[] expected = new float[rows * ld];
    float[] expectedResidual = residual.clone();
    RmsNorm.rmsNormReference(
        t,
        expected,
        0,
        ld,
        fused ? expectedResidual : null,
        0,
        ld,
        x,
        0,
        ld,
        w,
        0,
        rows,
        cols,
        eps);
    for (int r = 0; r < rows; r++) {
      assertClose("rmsNorm out row " + r, t, expected, emu.values(dout), r * ld, cols);
      if (fused) {
        assertClose("rmsNorm residual row " + r, t, expectedResidual, emu.values(dr), r * ld, cols);
      }
    }
  }

  @ParameterizedTest(name = "{0} n {1} bcols {2}")
  @CsvSource({"BF16, 100003, 0", "F32, 1200, 24", "F16, 7, 0", "BF16, 40960, 4096"})
  void addMatchesItsTwinWithOutAliasingA(DType t, int n, int bcols) throws Exception {
    float[] a = values(t, n, 3), b = values(t, bcols == 0 ? n : bcols, 3);
    HostEmulator emu = HostEmulator.of(Elementwise.Cuda.class, "KJ_ELEMENTWISE");
    long da = emu.buffer(t, a), db = emu.buffer(t, b);
    RecordingKernels<Elementwise.Cuda> rec = RecordingKernels.of(Elementwise.Cuda.class);
    Elementwise.binary(
        rec.kernels(),
        StreamRef.DEFAULT,
        Elementwise.BinaryOp.ADD,
        FakeTensors.at(t, da),
        FakeTensors.at(t, da),
        FakeTensors.at(t, db),
        n,
        bcols);
    emu.run(rec.single());
    float[] expected = new float[n];
    Elementwise.binaryReference(Elementwise.BinaryOp.ADD, t, expected, 0, a, 0, b, 0, n, bcols);
    assertEquals(
        0, java.util.Arrays.compare(expected, emu.values(da)), "add differs from its twin");
  }

  @ParameterizedTest(name = "{0} {1} head {2} rotary {3} scaling {4} head stride +{5}")
  @CsvSource({
    "F32, ROTATE_HALF, 128, 128, llama3, 0", "F32, INTERLEAVED, 128, 128, llama3, 0",
        "BF16, ROTATE_HALF, 128, 128, none, 0",
    "BF16, INTERLEAVED, 64, 32, linear, 0", "F32, ROTATE_HALF, 80, 80, none, 8",
        "BF16, ROTATE_HALF, 64, 24, none, 0",
    "F16, INTERLEAVED, 96, 48, none, 3"
  })
  void ropeMatchesItsTwin(
      DType t, RopeConfig.Layout layout, int headDim, int rotaryDim, String scaling, int headPad)
      throws Exception {
    RopeConfig.Scaling s =
        switch (scaling) {
          case "llama3" -> new RopeConfig.Llama3(8, 1, 4, 8192);
          case "linear" -> new RopeConfig.Linear(4);
          default -> new RopeConfig.NoScaling();
        };
    RopeConfig config = new RopeConfig(headDim, rotaryDim, 500000, layout, s);
    int tokens = 5, heads = 6, ldh = headDim + headPad, ldt = heads * ldh;
    float[] x = values(t, tokens * ldt, 2);
    int[] positions = {0, 1, 4097, 70000, 131071};
    float[] inv = config.inverseFrequencies();
    HostEmulator emu = HostEmulator.of(Rope.Cuda.class, "KJ_ROPE");
    long dx = emu.buffer(t, x), dp = emu.intBuffer(positions), df = emu.buffer(DType.F32, inv);
    RecordingKernels<Rope.Cuda> rec = RecordingKernels.of(Rope.Cuda.class);
    boolean interleaved = layout == RopeConfig.Layout.INTERLEAVED;
    Rope.rope(
        rec.kernels(),
        StreamRef.DEFAULT,
        FakeTensors.at(t, dx),
        FakeTensors.at(DType.I32, dp),
        FakeTensors.at(DType.F32, df),
        tokens,
        heads,
        headDim,
        rotaryDim,
        ldt,
        ldh,
        interleaved);
    assertEquals(
        Rope.vectorized(dx, tokens, heads, rotaryDim, ldt, ldh) ? "kj_rope_vec_" : "kj_rope_",
        rec.single().kernel().substring(0, rec.single().kernel().lastIndexOf('_') + 1));
    emu.run(rec.single());
    float[] expected = x.clone();
    Rope.ropeReference(
        t, expected, 0, positions, 0, inv, tokens, heads, rotaryDim, ldt, ldh, interleaved);
    // sin/cos of angles up to ~1.3e5 rad: the host's and Java's agree to a few ulps of the angle's
    // size
    double atol = t == DType.F32 ? 2e-5 : 1e-2;
    float[] got = emu.values(dx);
    for (int i = 0; i < expected.length; i++) {
      double err = Math.abs(expected[i] - got[i]);
      if (Float.isNaN(got[i])
          || !(err <= atol + (t == DType.F32 ? 1e-5 : 1e-2) * Math.abs(expected[i]))) {
        fail(
            "rope "
                + config
                + " "
                + t
                + ": element "
                + i
                + " is "
                + got[i]
                + ", expected "
                + expected[i]);
      }
    }
  }
}
