package dev.kernelj.ops.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The figures {@code ops/scripts/ceilings.py --json} measured with PyTorch on the same card in the
 * same run: its copy bandwidth ({@code copy_GBps}), its bf16 GEMM rate ({@code
 * gemm_bf16_8192_TFLOPs}) and, under {@code pytorch}, one entry per op shape such as {@code
 * gemv_1x4096x4096} with {@code ms} and {@code GBps} or {@code TFLOPs}.
 */
final class Baseline {
  private final Map<String, Object> root;

  private Baseline(Map<String, Object> root) {
    this.root = root;
  }

  /** No baseline: every look-up is empty. */
  static Baseline none() {
    return new Baseline(Map.of());
  }

  @SuppressWarnings("unchecked")
  static Baseline load(Path path) throws IOException {
    Object parsed = MiniJson.parse(Files.readString(path));
    if (!(parsed instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException(
          path + ": a JSON object expected at the top, as ceilings.py writes it");
    }
    return new Baseline((Map<String, Object>) map);
  }

  boolean isEmpty() {
    return root.isEmpty();
  }

  /** The card PyTorch ran on, or "" when not recorded. */
  String card() {
    return root.get("card") instanceof String s ? s : "";
  }

  OptionalDouble copyGbps() {
    return number(root.get("copy_GBps"));
  }

  OptionalDouble gemmTflops() {
    return number(root.get("gemm_bf16_8192_TFLOPs"));
  }

  /**
   * PyTorch's rate for {@code key} in the unit of the op: GB/s for memory-bound ops, TFLOP/s for
   * the rest.
   */
  OptionalDouble torchRate(String key) {
    if (key == null
        || !(root.get("pytorch") instanceof Map<?, ?> ops)
        || !(ops.get(key) instanceof Map<?, ?> entry)) {
      return OptionalDouble.empty();
    }
    OptionalDouble gbps = number(entry.get("GBps"));
    return gbps.isPresent() ? gbps : number(entry.get("TFLOPs"));
  }

  private static OptionalDouble number(Object value) {
    return value instanceof Double d && !d.isNaN() ? OptionalDouble.of(d) : OptionalDouble.empty();
  }
}
