package dev.kernelj.ops.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;

/**
 * The figures {@code ops/scripts/ceilings.py --json} measured with PyTorch on the same card in the
 * same run: its copy bandwidth ({@code copy_GBps}), its bf16 GEMM rate ({@code
 * gemm_bf16_8192_TFLOPs}) and, under {@code pytorch}, one entry per op shape such as {@code
 * gemv_1x4096x4096} with {@code ms} and {@code GBps} or {@code TFLOPs}. Python's {@code json}
 * writes {@code NaN} for a figure it could not measure; it reads as no figure.
 */
final class Baseline {
  private static final JsonMapper JSON =
      JsonMapper.builder()
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private final JsonNode root;

  private Baseline(JsonNode root) {
    this.root = root;
  }

  /** No baseline: every look-up is empty. */
  static Baseline none() {
    return new Baseline(MissingNode.getInstance());
  }

  /**
   * @throws IllegalArgumentException when the file is not JSON or not an object, saying where
   */
  static Baseline load(Path path) throws IOException {
    return parse(Files.readString(path), path.toString());
  }

  /** The baseline {@code json} holds; {@code source} names it in errors. */
  static Baseline parse(String json, String source) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          source + ": not valid JSON: " + e.getOriginalMessage() + location(e), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(
          source + ": a JSON object expected at the top, as ceilings.py writes it");
    }
    return new Baseline(root);
  }

  private static String location(JsonProcessingException e) {
    return e.getLocation() == null
        ? ""
        : " (line "
            + e.getLocation().getLineNr()
            + ", column "
            + e.getLocation().getColumnNr()
            + ")";
  }

  boolean isEmpty() {
    return root.isMissingNode() || root.isEmpty();
  }

  /** The card PyTorch ran on, or "" when not recorded. */
  String card() {
    return root.path("card").isTextual() ? root.path("card").asText() : "";
  }

  OptionalDouble copyGbps() {
    return number(root.path("copy_GBps"));
  }

  OptionalDouble gemmTflops() {
    return number(root.path("gemm_bf16_8192_TFLOPs"));
  }

  /**
   * PyTorch's rate for {@code key} in the unit of the op: GB/s for memory-bound ops, TFLOP/s for
   * the rest.
   */
  OptionalDouble torchRate(String key) {
    if (key == null) {
      return OptionalDouble.empty();
    }
    JsonNode entry = root.path("pytorch").path(key);
    OptionalDouble gbps = number(entry.path("GBps"));
    return gbps.isPresent() ? gbps : number(entry.path("TFLOPs"));
  }

  private static OptionalDouble number(JsonNode value) {
    return value.isNumber() && Double.isFinite(value.doubleValue())
        ? OptionalDouble.of(value.doubleValue())
        : OptionalDouble.empty();
  }
}
