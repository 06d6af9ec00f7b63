package dev.kernelj.ops.kernels.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.DTypes;
import dev.kernelj.ops.kernels.FakeTensors;
import dev.kernelj.ops.kernels.GpuLimits;
import dev.kernelj.ops.kernels.HostEmulator;
import dev.kernelj.ops.kernels.RecordingKernels;
import dev.kernelj.ops.kernels.RmsNorm;
import dev.kernelj.ops.kernels.RmsNormKernels;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The streaming kernel that norms its row ({@code kj_qstream_norm}) run on the CPU by the {@link
 * HostEmulator}, against the two launches it replaces, also emulated: {@code kj_rmsnorm_residual}
 * (or {@code kj_rmsnorm}) and then {@code kj_qstream} on its output. The residual and the row added
 * to it are multiples of 1/4 small enough that every sum of squares is exact in f32, so the order
 * of the additions cannot matter and the two paths must agree bit for bit: the residual written
 * back, every output, the columns past the matrix left alone and the ticket left at zero. Each case
 * launches twice, as consecutive layers do, so the second launch finds the ticket the first one
 * reset.
 */
class QuantStreamNormEmulatedTest {
  private static final GpuLimits ONE_SM = QuantGemmPlanTest.withSms(1);

  private static final float EPS = 1e-5f;

  @BeforeEach
  void requireCompiler() {
    String why = HostEmulator.unavailableReason();
    assumeTrue(why == null, () -> "host emulation skipped: " + why);
  }

  /**
   * One row tile a block and two (the last block half empty); 4- and 8-bit codes; inputs that fill
   * no whole tile (zero-padded staging); a row of 4224 inputs, more than one piece a thread; no row
   * to add (the first layer's norm), where the residual must stay as it is.
   */
  @ParameterizedTest(name = "{0} {1}-bit {2}x{3} group {4}, {5} row tile(s) a block, add {6}")
  @CsvSource({
    "BF16, 4, 48, 512, 128, 2, true",
    "F16, 4, 32, 1152, 128, 1, true",
    "BF16, 4, 40, 1092, -1, 2, false",
    "F16, 8, 48, 512, 128, 2, true",
    "BF16, 8, 32, 4224, 64, 1, true",
    "F16, 4, 48, 4224, 128, 2, false"
  })
  void matchesTheNormThenTheStreamingKernel(
      DType t, int bits, int rows, int inputs, int groupSize, int perBlock, boolean add)
      throws Exception {
    SplittableRandom random = new SplittableRandom(rows * 11L + inputs + bits);
    QuantFixture f =
        new QuantFixture(
            random,
            bits,
            rows,
            inputs,
            groupSize,
            false,
            t == DType.BF16,
            QuantFixture.Kind.RANDOM);
    QuantGemmPlan plan = QuantGemmPlan.of(1, f.geo, ONE_SM, 0, StreamRef.DEFAULT);
    assertEquals(perBlock, plan.streamRowTiles());
    float[] residual = quarters(random, inputs, 2);
    float[] delta = add ? quarters(random, inputs, 2) : null;
    float[] weight = new float[inputs];
    for (int i = 0; i < inputs; i++) {
      weight[i] = DTypes.round(t, (float) (0.5 + random.nextDouble()));
    }

    Result apart = normThenStream(t, f, plan, residual, delta, weight);
    Result fused = streamNormed(t, f, plan, residual, delta, weight);

    float[] expectedResidual = residual;
    for (int launch = 0; add && launch < 2; launch++) {
      expectedResidual = sum(t, expectedResidual, delta);
    }
    assertBits(expectedResidual, apart.residual, "the norm kernel's residual");
    assertBits(expectedResidual, fused.residual, "the residual written back");
    assertBits(Arrays.copyOf(apart.out, rows), Arrays.copyOf(fused.out, rows), "the output");
    for (int c = rows; c < fused.out.length; c++) {
      assertTrue(Float.isNaN(fused.out[c]), "column " + c + " past the matrix was written");
    }
    assertEquals(
        0, Float.floatToRawIntBits(fused.ticket), "the ticket is reset for the next launch");
  }

  private record Result(float[] residual, float[] out, float ticket) {}

  /** Two layers' worth of the unfused path: the norm kernel, then the streaming kernel on h. */
  private static Result normThenStream(
      DType t, QuantFixture f, QuantGemmPlan plan, float[] residual, float[] delta, float[] weight)
      throws Exception {
    int k = f.inputs;
    HostEmulator norms = HostEmulator.of(RmsNormKernels.Cuda.class, "KJ_RMSNORM");
    long dr = norms.buffer(t, residual);
    long dd = delta == null ? 0 : norms.buffer(t, delta);
    long dw = norms.buffer(t, weight);
    long dh = norms.buffer(t, new float[k]);
    RecordingKernels<RmsNormKernels.Cuda> rec = RecordingKernels.of(RmsNormKernels.Cuda.class);
    for (int launch = 0; launch < 2; launch++) {
      if (delta == null) {
        RmsNorm.rmsNorm(
            rec.kernels(),
            StreamRef.DEFAULT,
            FakeTensors.at(t, dh),
            FakeTensors.at(t, dr),
            FakeTensors.at(t, dw),
            1,
            k,
            k,
            k,
            EPS);
      } else {
        RmsNorm.rmsNormResidual(
            rec.kernels(),
            StreamRef.DEFAULT,
            FakeTensors.at(t, dh),
            FakeTensors.at(t, dr),
            FakeTensors.at(t, dd),
            FakeTensors.at(t, dw),
            1,
            k,
            k,
            k,
            k,
            EPS);
      }
    }
    for (RecordingKernels.Call call : rec.calls()) {
      norms.run(call);
    }
    HostEmulator gemms = HostEmulator.of(QuantGemmKernels.Cuda.class, "KJ_QUANT");
    long dx = gemms.buffer(t, norms.values(dh));
    long dout = gemms.buffer(t, poisoned(f.rows));
    RecordingKernels<QuantGemmKernels.Cuda> q = RecordingKernels.of(QuantGemmKernels.Cuda.class);
    QuantGemm.gemm(
        q.kernels(),
        plan,
        f.geo,
        FakeTensors.at(t, dout),
        FakeTensors.at(t, dx),
        FakeTensors.at(DType.I32, gemms.intBuffer(f.codeWords)),
        FakeTensors.at(DType.I32, gemms.intBuffer(f.metaWords)),
        FakeTensors.at(DType.F32, gemms.buffer(DType.F32, new float[1])),
        FakeTensors.at(DType.I32, gemms.intBuffer(new int[1])),
        1,
        k,
        f.rows);
    gemms.run(q.single());
    return new Result(norms.values(dr), gemms.values(dout), 0f);
  }

  /** The same two launches through the streaming kernel that norms its row. */
  private static Result streamNormed(
      DType t, QuantFixture f, QuantGemmPlan plan, float[] residual, float[] delta, float[] weight)
      throws Exception {
    HostEmulator emu = HostEmulator.of(QuantGemmKernels.Cuda.class, "KJ_QUANT");
    long dr = emu.buffer(t, residual);
    long dd = delta == null ? 0 : emu.buffer(t, delta);
    long dw = emu.buffer(t, weight);
    long ticket = emu.intBuffer(new int[1]);
    long dout = emu.buffer(t, poisoned(f.rows));
    long codes = emu.intBuffer(f.codeWords);
    long meta = emu.intBuffer(f.metaWords);
    RecordingKernels<QuantGemmKernels.Cuda> rec = RecordingKernels.of(QuantGemmKernels.Cuda.class);
    for (int launch = 0; launch < 2; launch++) {
      QuantGemm.streamNormed(
          rec.kernels(),
          plan,
          f.geo,
          FakeTensors.at(t, dout),
          FakeTensors.at(t, dr),
          delta == null ? null : FakeTensors.at(t, dd),
          FakeTensors.at(t, dw),
          EPS,
          FakeTensors.at(DType.I32, ticket),
          FakeTensors.at(DType.I32, codes),
          FakeTensors.at(DType.I32, meta));
    }
    for (RecordingKernels.Call call : rec.calls()) {
      emu.run(call);
    }
    return new Result(emu.values(dr), emu.values(dout), emu.values(ticket)[0]);
  }

  /** Multiples of 1/4 in [-limit, limit]: exact in f16 and bf16, and so are their squares' sums. */
  private static float[] quarters(SplittableRandom random, int n, int limit) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = random.nextInt(-4 * limit, 4 * limit + 1) / 4f;
    }
    return v;
  }

  private static float[] sum(DType t, float[] a, float[] b) {
    float[] s = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      s[i] = DTypes.round(t, a[i] + b[i]);
    }
    return s;
  }

  /** The matrix's rows of output and three more past it, NaN. */
  private static float[] poisoned(int rows) {
    float[] out = new float[rows + 3];
    Arrays.fill(out, Float.NaN);
    return out;
  }

  private static void assertBits(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      assertEquals(
          Float.floatToRawIntBits(expected[i]),
          Float.floatToRawIntBits(actual[i]),
          what + " [" + i + "]: " + actual[i] + ", expected " + expected[i]);
    }
  }
}
