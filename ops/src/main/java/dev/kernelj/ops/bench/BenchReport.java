package dev.kernelj.ops.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Locale;

/** The benchmark's table for people and JSON for scripts (BENCHMARKS.md is written from either). */
final class BenchReport {
  private static final ObjectMapper JSON = new ObjectMapper();

  private BenchReport() {}

  static String table(
      String device, double copyGbps, double gemmTflops, Baseline baseline, List<BenchRow> rows) {
    StringBuilder sb = new StringBuilder();
    sb.append("KernelJ ops on ").append(device).append('\n');
    sb.append(
        String.format(
            Locale.ROOT,
            "ceilings measured here: copy %.0f GB/s, cuBLAS bf16 GEMM %.0f TFLOP/s%n",
            copyGbps,
            gemmTflops));
    if (!baseline.isEmpty()) {
      sb.append(
          String.format(
              Locale.ROOT,
              "PyTorch baseline (%s): copy %.0f GB/s, bf16 GEMM %.0f TFLOP/s%n",
              baseline.card(),
              baseline.copyGbps().orElse(Double.NaN),
              baseline.gemmTflops().orElse(Double.NaN)));
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "%-34s %-22s %10s %10s %-8s %8s %10s %8s %10s %8s%n",
            "op",
            "shape",
            "median us",
            "rate",
            "unit",
            "ceiling",
            "PyTorch",
            "vs torch",
            "b2b rate",
            "b2b ceil"));
    for (BenchRow r : rows) {
      if (r.error() != null) {
        sb.append(
            String.format(Locale.ROOT, "%-34s %-22s FAILED: %s%n", r.op(), r.shape(), r.error()));
        continue;
      }
      boolean b2b = !Double.isNaN(r.backToBackRate());
      double b2bFraction = r.backToBackRate() * r.fraction() / r.rate();
      sb.append(
          String.format(
              Locale.ROOT,
              "%-34s %-22s %10.1f %10.1f %-8s %7.1f%% %10s %8s %10s %8s%n",
              r.op(),
              r.shape(),
              r.micros(),
              r.rate(),
              r.unit(),
              100 * r.fraction(),
              Double.isNaN(r.torchRate()) ? "-" : String.format(Locale.ROOT, "%.1f", r.torchRate()),
              Double.isNaN(r.torchRate()) ? "-" : String.format(Locale.ROOT, "%.2fx", r.vsTorch()),
              b2b ? String.format(Locale.ROOT, "%.1f", r.backToBackRate()) : "-",
              b2b ? String.format(Locale.ROOT, "%.1f%%", 100 * b2bFraction) : "-"));
    }
    return sb.toString();
  }

  static String json(
      String device, double copyGbps, double gemmTflops, Baseline baseline, List<BenchRow> rows) {
    ObjectNode root = JSON.createObjectNode();
    root.put("device", device);
    root.put("copy_gbps", number(copyGbps));
    root.put("gemm_bf16_tflops", number(gemmTflops));
    root.put("baseline_card", baseline.isEmpty() ? null : baseline.card());
    ArrayNode ops = root.putArray("ops");
    for (BenchRow r : rows) {
      ObjectNode op = ops.addObject().put("op", r.op()).put("shape", r.shape());
      if (r.error() != null) {
        op.put("error", r.error());
      } else {
        op.put("median_us", number(r.micros()))
            .put("rate", number(r.rate()))
            .put("unit", r.unit())
            .put("fraction_of_ceiling", number(r.fraction()))
            .put("pytorch_rate", number(r.torchRate()))
            .put("vs_pytorch", number(r.vsTorch()))
            .put("back_to_back_us", number(r.backToBackMicros()))
            .put("back_to_back_rate", number(r.backToBackRate()));
      }
    }
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the bench report cannot be written as JSON", e);
    }
  }

  /** A JSON number to 4 decimals, or null for NaN and infinities (which JSON cannot hold). */
  static BigDecimal number(double v) {
    return Double.isFinite(v) ? BigDecimal.valueOf(v).setScale(4, RoundingMode.HALF_EVEN) : null;
  }
}
