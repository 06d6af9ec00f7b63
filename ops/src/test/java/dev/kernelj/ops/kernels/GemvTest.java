package dev.kernelj.ops.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.DTypes;
import dev.kernelj.ops.OpArgumentException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Gemv's launch math without a GPU: which kernel each call takes, its grid, the argument checks,
 * that the Java constants match the CUDA C's, and the reference twin against a float64 sum.
 */
class GemvTest {
  record Call(String kernel, Launch launch, Object[] args) {}

  /** A GemvKernels.Cuda that records calls instead of launching. */
  static GemvKernels.Cuda recorder(List<Call> calls) {
    return (GemvKernels.Cuda)
        Proxy.newProxyInstance(
            GemvKernels.Cuda.class.getClassLoader(),
            new Class<?>[] {GemvKernels.Cuda.class},
            (proxy, method, args) -> {
              if (method.getDeclaringClass() == Object.class) {
                return method.invoke(calls, args);
              }
              calls.add(
                  new Call(
                      method.getName(),
                      (Launch) args[0],
                      Arrays.copyOfRange(args, 1, args.length)));
              return null;
            });
  }

  static final long ALIGNED = 0x7f0000000000L;

  static Call launch(
      DType x,
      DType w,
      DType out,
      int rows,
      int n,
      int k,
      long ldx,
      long ldw,
      long ldo,
      long xAddr,
      long wAddr) {
    List<Call> calls = new ArrayList<>();
    Gemv.gemv(
        recorder(calls),
        StreamRef.DEFAULT,
        FakeTensors.at(out, ALIGNED + (1 << 20)),
        FakeTensors.at(x, xAddr),
        FakeTensors.at(w, wAddr),
        rows,
        n,
        k,
        ldx,
        ldw,
        ldo);
    assertEquals(1, calls.size(), "one launch per gemv call");
    return calls.get(0);
  }

  static Call launch(DType x, DType w, DType out, int rows, int n, int k) {
    return launch(x, w, out, rows, n, k, k, k, n, ALIGNED, ALIGNED + (1 << 24));
  }

  @Test
  void halfWeightsWithAlignedRowsTakeTheTensorCoreKernel() {
    Call c = launch(DType.BF16, DType.BF16, DType.BF16, 8, 4096, 4096);
    assertEquals("kj_gemv_mma_wbf16_xbf16_obf16", c.kernel());
    assertEquals(4096 / 16, c.launch().grid().x());
    assertEquals(256, c.launch().threadsPerBlock());
    assertEquals(
        List.of(8, 4096, 4096, 4096L, 4096L, 4096L), Arrays.asList(c.args()).subList(3, 9));
    Call f16 = launch(DType.F32, DType.F16, DType.F32, 1, 1001, 1008);
    assertEquals("kj_gemv_mma_wf16_xf32_of32", f16.kernel());
    assertEquals(
        (1001 + 15) / 16, f16.launch().grid().x(), "a partial last tile still gets a block");
  }

  @Test
  void oddKUnalignedViewsAndF32WeightsTakeTheCudaCoreKernel() {
    Call oddK = launch(DType.BF16, DType.BF16, DType.F32, 3, 1001, 1003);
    assertEquals("kj_gemv_simt_wbf16_xbf16_of32", oddK.kernel());
    assertEquals((1001 + 3) / 4, oddK.launch().grid().x());
    Call oddStride =
        launch(
            DType.F32,
            DType.BF16,
            DType.BF16,
            2,
            64,
            1008,
            1012,
            1008,
            64,
            ALIGNED,
            ALIGNED + (1 << 24));
    assertEquals("kj_gemv_simt_wbf16_xf32_obf16", oddStride.kernel());
    Call shiftedX =
        launch(
            DType.BF16,
            DType.BF16,
            DType.BF16,
            2,
            64,
            1008,
            1008,
            1008,
            64,
            ALIGNED + 2,
            ALIGNED + (1 << 24));
    assertEquals("kj_gemv_simt_wbf16_xbf16_obf16", shiftedX.kernel());
    Call shiftedW =
        launch(
            DType.BF16, DType.BF16, DType.BF16, 2, 64, 1008, 1008, 1008, 64, ALIGNED, ALIGNED + 8);
    assertEquals("kj_gemv_simt_wbf16_xbf16_obf16", shiftedW.kernel());
    assertEquals(
        "kj_gemv_simt_wf32_xf32_of32",
        launch(DType.F32, DType.F32, DType.F32, 4, 256, 256).kernel());
  }

  @Test
  void tensorCoreConditionNeedsEveryChunkOn16Bytes() {
    assertTrue(Gemv.usesTensorCores(DType.BF16, 4096, 4096, 4096, 0x1000, 0x2000));
    assertTrue(Gemv.usesTensorCores(DType.F16, 8, 8, 8, 0x1000, 0x2000));
    assertFalse(Gemv.usesTensorCores(DType.F32, 4096, 4096, 4096, 0x1000, 0x2000), "f32 weights");
    assertFalse(Gemv.usesTensorCores(DType.BF16, 4100, 4100, 4100, 0x1000, 0x2000), "k % 8 != 0");
    assertFalse(Gemv.usesTensorCores(DType.BF16, 4096, 4100, 4096, 0x1000, 0x2000), "x stride");
    assertFalse(Gemv.usesTensorCores(DType.BF16, 4096, 4096, 4104 - 4, 0x1000, 0x2000), "w stride");
    assertFalse(Gemv.usesTensorCores(DType.BF16, 4096, 4096, 4096, 0x1008, 0x2000), "x base");
    assertFalse(Gemv.usesTensorCores(DType.BF16, 4096, 4096, 4096, 0x1000, 0x2004), "w base");
  }

  /**
   * Every supported dtype triple reaches a kernel, and every kernel of the interface is reachable.
   */
  @Test
  void everyEntryPointIsReachable() {
    TreeSet<String> used = new TreeSet<>();
    for (DType w : DTypes.FLOATING) {
      for (DType x : DTypes.FLOATING) {
        for (DType out : DTypes.FLOATING) {
          if (!Gemv.supports(x, w, out)) {
            continue;
          }
          used.add(launch(x, w, out, 2, 100, 64).kernel());
          used.add(launch(x, w, out, 2, 100, 63).kernel());
          String viaName =
              "kj_gemv_"
                  + (w == DType.F32 ? "simt" : "mma")
                  + "_w"
                  + DTypes.shortName(w)
                  + "_x"
                  + DTypes.shortName(x)
                  + "_o"
                  + DTypes.shortName(out);
          assertTrue(
              used.contains(viaName.toLowerCase()),
              () -> "w " + w + ", x " + x + ", out " + out + " missed " + viaName);
        }
      }
    }
    TreeSet<String> declared = new TreeSet<>();
    for (Method m : GemvKernels.Cuda.class.getMethods()) {
      declared.add(m.getName());
    }
    assertEquals(declared, used);
  }

  @Test
  void badArgumentsFailBeforeAnyLaunch() {
    List<Call> calls = new ArrayList<>();
    GemvKernels.Cuda k = recorder(calls);
    OpArgumentException rows =
        assertThrows(
            OpArgumentException.class,
            () ->
                Gemv.gemv(
                    k,
                    StreamRef.DEFAULT,
                    FakeTensors.at(DType.BF16, ALIGNED),
                    FakeTensors.at(DType.BF16, ALIGNED),
                    FakeTensors.at(DType.BF16, ALIGNED),
                    9,
                    16,
                    16,
                    16,
                    16,
                    16));
    assertTrue(
        rows.getMessage().contains("gemv") && rows.getMessage().contains("9 rows"),
        rows.getMessage());
    OpArgumentException strides =
        assertThrows(
            OpArgumentException.class,
            () ->
                Gemv.gemv(
                    k,
                    StreamRef.DEFAULT,
                    FakeTensors.at(DType.BF16, ALIGNED),
                    FakeTensors.at(DType.BF16, ALIGNED),
                    FakeTensors.at(DType.BF16, ALIGNED),
                    1,
                    16,
                    32,
                    32,
                    16,
                    16));
    assertTrue(strides.getMessage().contains("w 16"), strides.getMessage());
    OpArgumentException dtypes =
        assertThrows(
            OpArgumentException.class,
            () ->
                Gemv.gemv(
                    k,
                    StreamRef.DEFAULT,
                    FakeTensors.at(DType.BF16, ALIGNED),
                    FakeTensors.at(DType.F16, ALIGNED),
                    FakeTensors.at(DType.BF16, ALIGNED),
                    1,
                    16,
                    16,
                    16,
                    16,
                    16));
    assertTrue(dtypes.getMessage().contains("x F16, w BF16"), dtypes.getMessage());
    assertThrows(
        OpArgumentException.class,
        () ->
            Gemv.gemv(
                k,
                StreamRef.DEFAULT,
                FakeTensors.at(DType.BF16, ALIGNED),
                FakeTensors.at(DType.BF16, ALIGNED + 1),
                FakeTensors.at(DType.BF16, ALIGNED),
                1,
                16,
                16,
                16,
                16,
                16));
    assertThrows(
        OpArgumentException.class,
        () ->
            Gemv.gemv(
                k,
                StreamRef.DEFAULT,
                FakeTensors.at(DType.F32, ALIGNED + 2),
                FakeTensors.at(DType.BF16, ALIGNED),
                FakeTensors.at(DType.BF16, ALIGNED),
                1,
                16,
                16,
                16,
                16,
                16));
    Gemv.gemv(
        k,
        StreamRef.DEFAULT,
        FakeTensors.at(DType.BF16, ALIGNED),
        FakeTensors.at(DType.BF16, ALIGNED),
        FakeTensors.at(DType.BF16, ALIGNED),
        1,
        0,
        16,
        16,
        16,
        16);
    assertEquals(List.of(), calls, "n = 0 launches nothing");
  }

  /** The launch math's block shapes are the CUDA C's; a drift would skip or double-write rows. */
  @Test
  void javaConstantsMatchTheCudaSource() {
    String source = Nvcc.source(GemvKernels.Cuda.class);
    int tiles = define(source, "GEMV_MMA_TILES"), warps = define(source, "GEMV_MMA_WARPS");
    assertEquals(GemvSource.MMA_ROWS_PER_BLOCK, 16 * tiles);
    assertEquals(GemvSource.MMA_THREADS, 32 * warps);
    assertEquals(GemvSource.SIMT_ROWS_PER_BLOCK, define(source, "GEMV_ROWS_PER_BLOCK"));
    assertEquals(GemvSource.SIMT_THREADS, define(source, "GEMV_THREADS"));
    assertEquals(Gemv.MAX_ROWS, define(source, "GEMV_MAX_ROWS"));
  }

  static int define(String source, String name) {
    String marker = "#define " + name + " ";
    int at = source.indexOf(marker);
    assertTrue(at >= 0, () -> name + " is not #defined in Gemv's CUDA C");
    int end = source.indexOf('\n', at);
    return Integer.parseInt(source.substring(at + marker.length(), end).trim());
  }

  @Test
  void referenceRoundsXToTheWeightTypeAndSumsInDouble() {
    SplittableRandom random = new SplittableRandom(7);
    int rows = 3, n = 37, k = 129, ldx = 131, ldw = 133, ldo = 41;
    float[] x = new float[rows * ldx], w = new float[n * ldw], out = new float[rows * ldo];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextDouble(-1, 1);
    }
    for (int i = 0; i < w.length; i++) {
      w[i] = DTypes.round(DType.BF16, (float) random.nextDouble(-1, 1));
    }
    Arrays.fill(out, Float.NaN);
    Gemv.matmulReference(DType.BF16, DType.F32, out, 0, ldo, x, 0, ldx, w, 0, ldw, rows, n, k);
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < ldo; j++) {
        if (j >= n) {
          assertTrue(Float.isNaN(out[r * ldo + j]), "padding past n is not written");
          continue;
        }
        double s = 0;
        for (int c = 0; c < k; c++) {
          s += (double) DTypes.round(DType.BF16, x[r * ldx + c]) * w[j * ldw + c];
        }
        assertEquals((float) s, out[r * ldo + j], 0f, "row " + r + ", column " + j);
      }
    }
  }
}
