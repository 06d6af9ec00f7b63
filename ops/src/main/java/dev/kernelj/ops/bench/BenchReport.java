package dev.kernelj.ops.bench;

import java.util.List;
import java.util.Locale;

/** The benchmark's table for people and JSON for scripts (BENCHMARKS.md is written from either). */
final class BenchReport {
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
    StringBuilder sb = new StringBuilder("{\n  \"device\": " + quote(device) + ",\n");
    sb.append("  \"copy_gbps\": ").append(number(copyGbps)).append(",\n");
    sb.append("  \"gemm_bf16_tflops\": ").append(number(gemmTflops)).append(",\n");
    sb.append("  \"baseline_card\": ")
        .append(baseline.isEmpty() ? "null" : quote(baseline.card()))
        .append(",\n");
    sb.append("  \"ops\": [\n");
    for (int i = 0; i < rows.size(); i++) {
      BenchRow r = rows.get(i);
      sb.append("    {\"op\": ")
          .append(quote(r.op()))
          .append(", \"shape\": ")
          .append(quote(r.shape()));
      if (r.error() != null) {
        sb.append(", \"error\": ").append(quote(r.error()));
      } else {
        sb.append(", \"median_us\": ")
            .append(number(r.micros()))
            .append(", \"rate\": ")
            .append(number(r.rate()))
            .append(", \"unit\": ")
            .append(quote(r.unit()))
            .append(", \"fraction_of_ceiling\": ")
            .append(number(r.fraction()))
            .append(", \"pytorch_rate\": ")
            .append(number(r.torchRate()))
            .append(", \"vs_pytorch\": ")
            .append(number(r.vsTorch()))
            .append(", \"back_to_back_us\": ")
            .append(number(r.backToBackMicros()))
            .append(", \"back_to_back_rate\": ")
            .append(number(r.backToBackRate()));
      }
      sb.append('}').append(i + 1 < rows.size() ? "," : "").append('\n');
    }
    return sb.append("  ]\n}\n").toString();
  }

  /** A JSON number, or null for NaN and infinities (which JSON cannot hold). */
  static String number(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "null";
  }

  static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
