package dev.kernelj.ops.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.DType;
import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.QuantizedMatrix;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.kernels.RecordingKernels;
import dev.kernelj.ops.kernels.quant.QuantFixture;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The CUDA backend picks each op's template instantiation by the tensors' dtypes and hands the
 * launcher pointers typed by those dtypes, at the tensors' addresses: proved on the CPU through a
 * port whose launchers record instead of launching.
 */
class TypedDispatchTest {
  private final FakePort port = new FakePort();
  private final CudaOps ops = new CudaOps(port);

  private RecordingKernels.Call onlyLaunch() {
    assertEquals(1, port.launches.size(), "launches: " + port.launches);
    return port.launches.get(0);
  }

  /** The dtypes and addresses of the call's pointer arguments, in order. */
  private static List<String> pointers(RecordingKernels.Call call) {
    return call.args().stream()
        .filter(a -> a instanceof ConstPtr<?>)
        .map(a -> ((ConstPtr<?>) a).dtype() + "@" + Long.toHexString(((ConstPtr<?>) a).address()))
        .toList();
  }

  private static String at(Tensor t) {
    return t.dtype() + "@" + Long.toHexString(t.address());
  }

  @ParameterizedTest(name = "x {0} w {1} out {2}")
  @CsvSource({
    "BF16, BF16, BF16, kj_gemv_mma_wbf16_xbf16_obf16",
    "BF16, BF16, F32, kj_gemv_mma_wbf16_xbf16_of32",
    "F32, BF16, BF16, kj_gemv_mma_wbf16_xf32_obf16",
    "F32, F16, F32, kj_gemv_mma_wf16_xf32_of32",
    "F16, F16, F16, kj_gemv_mma_wf16_xf16_of16",
    "F32, F32, F32, kj_gemv_simt_wf32_xf32_of32"
  })
  void aDecodeMatmulLaunchesTheGemvOfItsThreeDtypes(DType x, DType w, DType out, String kernel) {
    Tensor xs = ops.empty(x, 2, 64);
    Tensor ws = ops.empty(w, 32, 64);
    Tensor os = ops.empty(out, 2, 32);
    port.launches.clear();
    ops.matmul(os, xs, ws);
    RecordingKernels.Call call = onlyLaunch();
    assertEquals(kernel, call.kernel());
    assertEquals(List.of(at(os), at(xs), at(ws)), pointers(call));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"F32, kj_rmsnorm_f32", "F16, kj_rmsnorm_f16", "BF16, kj_rmsnorm_bf16"})
  void rmsNormLaunchesItsDtypesInstantiation(DType t, String kernel) {
    Tensor x = ops.empty(t, 3, 128);
    Tensor w = ops.empty(t, 128);
    Tensor out = ops.empty(t, 3, 128);
    port.launches.clear();
    ops.rmsNorm(out, x, w, 1e-5f);
    RecordingKernels.Call call = onlyLaunch();
    assertEquals(kernel, call.kernel());
    assertEquals(List.of(at(out), at(x), at(w)), pointers(call));
  }

  @Test
  void castsEmbeddingsAndActivationsFollowTheirDtypes() {
    Tensor in = ops.empty(DType.BF16, 16);
    Tensor out = ops.empty(DType.F16, 16);
    port.launches.clear();
    ops.cast(out, in);
    assertEquals("kj_cast_bf16_f16", onlyLaunch().kernel());
    assertEquals(List.of(at(out), at(in)), pointers(onlyLaunch()));

    Tensor table = ops.empty(DType.F16, 10, 8);
    Tensor ids = ops.empty(DType.I32, 3);
    Tensor rows = ops.empty(DType.F32, 3, 8);
    port.launches.clear();
    ops.embedding(rows, table, ids);
    assertEquals("kj_embedding_f16_f32", onlyLaunch().kernel());
    assertEquals(List.of(at(rows), at(table), at(ids)), pointers(onlyLaunch()));

    Tensor gateUp = ops.empty(DType.BF16, 2, 64);
    Tensor act = ops.empty(DType.BF16, 2, 32);
    port.launches.clear();
    ops.swiglu(act, gateUp.slice(1, 0, 32), gateUp.slice(1, 32, 64));
    assertEquals("kj_swiglu_bf16", onlyLaunch().kernel());
    assertEquals(
        List.of(at(act), at(gateUp), "BF16@" + Long.toHexString(gateUp.address() + 64)),
        pointers(onlyLaunch()),
        "the up half starts 32 bf16 elements into the row");
  }

  @Test
  void aCombinationNoKernelTakesIsOneErrorBeforeAnyLaunch() {
    Tensor x = ops.empty(DType.F16, 1, 64);
    Tensor w = ops.empty(DType.BF16, 32, 64);
    Tensor out = ops.empty(DType.F32, 1, 32);
    port.launches.clear();
    OpArgumentException e = assertThrows(OpArgumentException.class, () -> ops.matmul(out, x, w));
    assertTrue(e.getMessage().startsWith("matmul:"), e.getMessage());
    assertEquals(List.of(), port.launches);
  }

  @Test
  void aQuantizedMatmulLaunchesItsWidthAndRowCountOnRowViewsOfTheTensors() {
    QuantFixture f =
        new QuantFixture(
            new SplittableRandom(5), 4, 48, 256, 64, false, false, QuantFixture.Kind.RANDOM);
    QuantizedMatrix w = f.on(ops);
    Tensor x = ops.empty(DType.BF16, 70, 256);
    Tensor out = ops.empty(DType.BF16, 70, 48);
    port.launches.clear();
    ops.quantized().runGemm(out, x, w, 0); // (70 rows would take dequantize + cuBLAS by default)
    // 70 rows: 32, 32 and 6, each launch on views that start at its first row. The few-row kernel
    // takes 32 rows of this weight (its 2 blocks fill the fake port's SM), so no launch takes the
    // GEMM kernel's 64-row instantiation; the last 6 share x across a block of 16 row tiles, one
    // block for the one SM.
    assertEquals(
        List.of("kj_qfew_bf16_w4_m32", "kj_qfew_bf16_w4_m32", "kj_qfewx_bf16_m8"),
        port.launches.stream().map(RecordingKernels.Call::kernel).toList());
    List<String> third = pointers(port.launches.get(2));
    assertEquals(
        List.of(
            "BF16@" + Long.toHexString(out.address() + 64 * 48 * 2),
            "BF16@" + Long.toHexString(x.address() + 64 * 256 * 2),
            at(w.codes()),
            at(w.meta())),
        third.subList(0, 4));
    assertEquals(
        "BF16@" + Long.toHexString(x.address() + 32 * 256 * 2),
        pointers(port.launches.get(1)).get(1));
    assertEquals(List.of(32, 32, 6), port.launches.stream().map(c -> (Integer) c.arg(6)).toList());
  }

  @Test
  void aMisspeltQuantSwitchIsRefusedWhenTheOpsAreMade() {
    // Read silently as "unset" before: an A/B run would have measured the plan's rule twice.
    for (String[] bad :
        new String[][] {
          {"kernelj.quant.xRegisters", "true"}, {"kernelj.quant.denseFromRows", "lots"}
        }) {
      System.setProperty(bad[0], bad[1]);
      try {
        OpArgumentException e =
            assertThrows(OpArgumentException.class, () -> new CudaOps(new FakePort()));
        assertTrue(e.getMessage().startsWith("quantizedMatmul: -D" + bad[0]), e.getMessage());
        assertTrue(e.getMessage().endsWith("not \"" + bad[1] + "\""), e.getMessage());
      } finally {
        System.clearProperty(bad[0]);
      }
    }
  }

  @Test
  void sixtyFourRowsStayOnTheGemmPathWhereTheyRunAsTwoLaunchesOf32() {
    // The few-row kernel takes 32 rows of this 4-bit weight: 64 rows are two of its launches,
    // faster than dequantize + cuBLAS; 65 rows take dequantize + cuBLAS.
    QuantizedMatrix w4 =
        new QuantFixture(
                new SplittableRandom(7), 4, 48, 256, 64, false, false, QuantFixture.Kind.RANDOM)
            .on(ops);
    assertEquals(65, ops.quantized().denseFromRows(w4));
    assertEquals(
        List.of("kj_qfew_bf16_w4_m32", "kj_qfew_bf16_w4_m32"), launchesOf(64, w4, 256, 48));
    assertEquals(List.of("kj_qdequant_bf16_w4"), launchesOf(65, w4, 256, 48));
    assertTrue(port.queued.contains("gemm"), "cuBLAS multiplies the dequantized weight");
    // An 8-bit weight takes the few-row kernel up to 16 rows only: 17-63 rows are one launch of
    // the GEMM kernel, and from 64 dequantize + cuBLAS (its launches move twice the bytes).
    QuantizedMatrix w8 =
        new QuantFixture(
                new SplittableRandom(8), 8, 48, 256, 64, false, false, QuantFixture.Kind.RANDOM)
            .on(ops);
    assertEquals(64, ops.quantized().denseFromRows(w8));
    assertEquals(List.of("kj_qfew_bf16_w8_m16"), launchesOf(16, w8, 256, 48));
    assertEquals(List.of("kj_qgemm_bf16_w8_m32"), launchesOf(17, w8, 256, 48));
    assertEquals(List.of("kj_qgemm_bf16_w8_m64"), launchesOf(63, w8, 256, 48));
    assertEquals(List.of("kj_qdequant_bf16_w8"), launchesOf(64, w8, 256, 48));
    // 4-bit codes in groups of 32 inputs (half a tile) have only the GEMM kernel's 64-row launch:
    // dequantize + cuBLAS from 64.
    QuantizedMatrix g32 =
        new QuantFixture(
                new SplittableRandom(9), 4, 48, 256, 32, false, false, QuantFixture.Kind.RANDOM)
            .on(ops);
    assertEquals(64, ops.quantized().denseFromRows(g32));
    assertEquals(List.of("kj_qdequant_bf16_w4"), launchesOf(64, g32, 256, 48));
  }

  /** The kernels one {@code quantizedMatmul} of {@code m} rows through {@code w} launches. */
  private List<String> launchesOf(int m, QuantizedMatrix w, int inputs, int outputs) {
    Tensor x = ops.empty(DType.BF16, m, inputs);
    Tensor out = ops.empty(DType.BF16, m, outputs);
    port.launches.clear();
    port.queued.clear();
    ops.quantizedMatmul(out, x, w);
    return port.launches.stream().map(RecordingKernels.Call::kernel).toList();
  }

  @Test
  void anActOrderWeightGathersXFirstAndF32IsRefusedBeforeAnyLaunch() {
    QuantFixture f =
        new QuantFixture(
            new SplittableRandom(6), 8, 32, 128, 32, true, true, QuantFixture.Kind.RANDOM);
    QuantizedMatrix w = f.on(ops);
    Tensor x = ops.empty(DType.F16, 3, 128);
    Tensor out = ops.empty(DType.F16, 3, 32);
    port.launches.clear();
    ops.quantizedMatmul(out, x, w);
    assertEquals(
        List.of("kj_qgather_f16", "kj_qfew_f16_w8_m8"),
        port.launches.stream().map(RecordingKernels.Call::kernel).toList());
    List<String> gather = pointers(port.launches.get(0));
    assertEquals(List.of(at(x), at(w.inputMap())), gather.subList(1, 3));
    assertEquals(
        gather.get(0), pointers(port.launches.get(1)).get(1), "the GEMM reads the gathered x");

    Tensor x32 = ops.empty(DType.F32, 3, 128);
    Tensor out32 = ops.empty(DType.F32, 3, 32);
    port.launches.clear();
    OpArgumentException e =
        assertThrows(OpArgumentException.class, () -> ops.quantizedMatmul(out32, x32, w));
    assertTrue(e.getMessage().startsWith("quantizedMatmul:"), e.getMessage());
    assertEquals(List.of(), port.launches);
  }
}
