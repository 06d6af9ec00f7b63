package dev.kernelj.ops.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kernelj.ops.cuda.CudaOps;
import dev.kernelj.ops.cuda.FakePort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What OpsBench does without a GPU: reads the PyTorch baseline, writes its report, survives a
 * failing case.
 */
class BenchReadingAndReportingTest {
  static final String CEILINGS =
      """
      {
        "card": "NVIDIA H200",
        "torch": "2.8.0+cu128",
        "copy_GBps": 4021.5,
        "gemm_bf16_8192_TFLOPs": 731.25,
        "pytorch": {
          "rmsnorm_4096x4096": {"ms": 0.0421, "GBps": 1594.2},
          "gemv_1x4096x4096": {"ms": 0.011, "GBps": 3050.0},
          "sdpa_causal_b4_h32_s4096_d128": {"ms": 1.02, "TFLOPs": 536.0},
          "broken": {"ms": NaN, "GBps": NaN}
        }
      }
      """;

  @Test
  void theBaselineGivesPyTorchsFigurePerShape(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("ceilings.json");
    Files.writeString(file, CEILINGS);
    Baseline b = Baseline.load(file);
    assertEquals("NVIDIA H200", b.card());
    assertEquals(4021.5, b.copyGbps().getAsDouble());
    assertEquals(731.25, b.gemmTflops().getAsDouble());
    assertEquals(3050.0, b.torchRate("gemv_1x4096x4096").getAsDouble());
    assertEquals(536.0, b.torchRate("sdpa_causal_b4_h32_s4096_d128").getAsDouble());
    assertTrue(b.torchRate("gemv_8x4096x4096").isEmpty());
    assertTrue(b.torchRate("broken").isEmpty(), "NaN is no figure");
    assertTrue(b.torchRate(null).isEmpty());
    assertTrue(Baseline.none().torchRate("rmsnorm_4096x4096").isEmpty());
  }

  @Test
  void malformedJsonSaysWhereAndWhat() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Baseline.parse("{\"a\": [1, 2,, 3]}", "ceilings.json"));
    assertTrue(
        e.getMessage().startsWith("ceilings.json: not valid JSON: ")
            && e.getMessage().contains("line 1, column 13"),
        e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> Baseline.parse("{\"a\": 1} x", "ceilings.json"));
    assertThrows(
        IllegalArgumentException.class,
        () -> Baseline.parse("{\"card\": \"a\", \"card\": \"b\"}", "ceilings.json"),
        "a key twice is an error, not the last one winning");
    e =
        assertThrows(
            IllegalArgumentException.class, () -> Baseline.parse("[1, 2]", "ceilings.json"));
    assertEquals(
        "ceilings.json: a JSON object expected at the top, as ceilings.py writes it",
        e.getMessage());
  }

  @Test
  void theJsonReportIsValidJsonWithNullForMissingFigures() throws IOException {
    List<BenchRow> rows =
        List.of(
            new BenchRow("gemv bf16 m=1", "4096x4096", 10.5, 3200.0, "GB/s", 0.8, 3050.0, null),
            new BenchRow(
                "rope bf16 \"in place\"",
                "4096x32x128",
                20.0,
                3000.0,
                "GB/s",
                0.75,
                Double.NaN,
                null),
            BenchRow.failed(
                "matmul bf16 (cuBLAS)", "4096x4096x4096", "CublasException: libcublas not found"));
    String json = BenchReport.json("NVIDIA H200", 4000, Double.NaN, Baseline.none(), rows);
    @SuppressWarnings("unchecked")
    Map<String, Object> parsed = new ObjectMapper().readValue(json, Map.class);
    assertEquals(4000.0, ((Number) parsed.get("copy_gbps")).doubleValue());
    assertEquals(null, parsed.get("gemm_bf16_tflops"));
    List<?> ops = (List<?>) parsed.get("ops");
    assertEquals(3, ops.size());
    Map<?, ?> first = (Map<?, ?>) ops.get(0);
    assertEquals(3200.0 / 3050.0, ((Number) first.get("vs_pytorch")).doubleValue(), 1e-4);
    assertEquals(null, ((Map<?, ?>) ops.get(1)).get("pytorch_rate"));
    assertEquals("CublasException: libcublas not found", ((Map<?, ?>) ops.get(2)).get("error"));

    String table = BenchReport.table("NVIDIA H200", 4000, 700, Baseline.none(), rows);
    assertTrue(table.contains("1.05x"), table);
    assertTrue(table.contains("FAILED: CublasException: libcublas not found"), table);
  }

  @Test
  void aFailingCaseBecomesARowAndTheRunGoesOn() {
    OpsBench bench = new OpsBench(new CudaOps(new FakePort()), 3, Baseline.none());
    bench.attempt(
        "broken op",
        "1x1",
        null,
        () -> {
          throw new IllegalStateException("kernel fault\nat line 2");
        });
    bench.attempt("next op", "2x2", null, () -> OpsBench.Measured.bytes(2.0, 4000.0));
    List<BenchRow> rows = bench.rows();
    assertEquals("IllegalStateException: kernel fault; at line 2", rows.get(0).error());
    assertEquals(2.0, rows.get(1).rate(), 1e-12, "4000 bytes in 2 us is 2 GB/s");
  }

  @Test
  void backToBackLaunchesAreTimedTogetherAndReported() {
    // every event pair reads 0.1 ms whatever lies between: 20 launches back to back give 5 us each
    FakePort port =
        new FakePort() {
          @Override
          public float elapsedMillis(long start, long end) {
            return 0.1f;
          }
        };
    OpsBench bench = new OpsBench(new CudaOps(port), 3, Baseline.none());
    int[] launches = {0};
    double perLaunch = bench.backToBackMicros(rep -> launches[0]++);
    assertEquals(100.0 / OpsBench.BACK_TO_BACK_LAUNCHES, perLaunch, 1e-3);
    assertEquals(
        3 * OpsBench.BACK_TO_BACK_LAUNCHES, launches[0], "three rounds of back-to-back launches");

    bench.attempt("op", "1x1", null, () -> OpsBench.Measured.bytes(bench, rep -> {}, 1e6));
    BenchRow row = bench.rows().get(0);
    assertEquals(1e6 / perLaunch / 1e3, row.backToBackRate(), 1e-6);
    String table = BenchReport.table("fake", 4000, 700, Baseline.none(), bench.rows());
    assertTrue(
        table.contains("b2b rate")
            && table.contains(String.format(java.util.Locale.ROOT, "%.1f", row.backToBackRate())),
        table);
  }

  @Test
  void unknownArgumentsAreRefusedWithTheUsage() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> OpsBench.main(new String[] {"--sdpa", "x"}));
    assertEquals("unknown argument --sdpa; " + OpsBench.USAGE, e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> OpsBench.main(new String[] {"--json"}));
    assertEquals("--json needs a value; " + OpsBench.USAGE, e.getMessage());
  }
}
