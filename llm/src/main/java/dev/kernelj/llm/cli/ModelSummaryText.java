package dev.kernelj.llm.cli;

import dev.kernelj.llm.util.ByteSizes;
import java.util.Locale;
import java.util.stream.Collectors;

/** Renders a {@link ModelSummary} as aligned "label: value" lines for people. */
final class ModelSummaryText {
  private ModelSummaryText() {}

  static String render(ModelSummary s) {
    StringBuilder out = new StringBuilder();
    line(out, "model", s.modelDir());
    line(
        out,
        "architecture",
        s.architecture() + (s.modelType().isEmpty() ? "" : " (" + s.modelType() + ")"));
    line(
        out,
        "parameters",
        String.format(Locale.ROOT, "%s (%,d)", humanCount(s.parameters()), s.parameters()));
    line(
        out,
        "dtype",
        s.dtype()
            + "; tensors: "
            + s.tensorDtypes().entrySet().stream()
                .map(e -> e.getKey() + " x" + e.getValue())
                .collect(Collectors.joining(", ")));
    line(out, "quantization", quantization(s.quantization()));
    line(out, "layers", String.valueOf(s.layers()));
    line(
        out,
        "heads",
        s.heads()
            + " query, "
            + s.kvHeads()
            + " key/value"
            + (s.kvHeads() < s.heads()
                ? " (grouped-query, " + s.heads() / s.kvHeads() + " per group)"
                : ""));
    line(out, "head dim", String.valueOf(s.headDim()));
    line(out, "hidden size", s.hiddenSize() + " (MLP " + s.intermediateSize() + ")");
    line(out, "context length", s.contextLength() + " tokens");
    line(out, "rope", "theta " + s.ropeTheta() + ", scaling " + s.ropeScaling());
    line(out, "sliding window", s.slidingWindow() == 0 ? "none" : s.slidingWindow() + " tokens");
    line(
        out,
        "vocab",
        s.vocabSize() + (s.tiedEmbeddings() ? " (embeddings tied to the LM head)" : ""));
    line(out, "tokenizer", s.tokenizer());
    for (int i = 0; i < s.shards().size(); i++) {
      ModelSummary.Shard shard = s.shards().get(i);
      line(
          out,
          i == 0 ? "weight files" : "",
          String.format(
              Locale.ROOT,
              "%s  %s  (%d tensors)",
              shard.file(),
              ByteSizes.format(shard.bytes()),
              shard.tensors()));
    }
    ModelSummary.Memory m = s.memory();
    line(
        out,
        m.device().equals("cpu") ? "CPU memory" : "GPU memory",
        "weights "
            + ByteSizes.format(m.weightsBytes())
            + (m.bf16TwinWeightsBytes() == null
                ? ""
                : " quantized (packed for the "
                    + (m.device().equals("cpu") ? "CPU" : "GPU")
                    + "; "
                    + ByteSizes.format(m.bf16TwinWeightsBytes())
                    + " as bf16)"));
    line(
        out,
        "",
        String.format(
            Locale.ROOT,
            "KV cache %s for %,d tokens (%s, %s per token)",
            ByteSizes.format(m.kvCacheBytes()),
            m.kvCacheTokens(),
            m.kvCacheDtype(),
            ByteSizes.format(m.kvCacheBytesPerToken())));
    if (m.matmulScratchBytes() != null && m.matmulScratchBytes() > 0) {
      line(
          out,
          "",
          "quantized matmul scratch up to "
              + ByteSizes.format(m.matmulScratchBytes())
              + " (act-order gather, dequantized slice for prefill)");
    }
    line(out, "", "total " + ByteSizes.format(m.totalBytes()));
    return out.toString();
  }

  private static String quantization(ModelSummary.Quantization q) {
    if (q == null) {
      return "none";
    }
    return String.format(
            Locale.ROOT,
            "%s %d-bit, group size %s, act-order %s, %s, zeros %s",
            q.method().toUpperCase(Locale.ROOT),
            q.bits(),
            q.groupSize() == -1 ? "-1 (one group)" : q.groupSize(),
            q.actOrder() ? "yes" : "no",
            q.symmetric() ? "symmetric" : "asymmetric",
            q.zeroFormat())
        + (q.dynamic().isEmpty()
            ? ""
            : "; per module (dynamic): " + String.join("; ", q.dynamic()));
  }

  private static String humanCount(long n) {
    if (n >= 1_000_000_000L) {
      return String.format(Locale.ROOT, "%.2fB", n / 1e9);
    }
    if (n >= 1_000_000L) {
      return String.format(Locale.ROOT, "%.2fM", n / 1e6);
    }
    if (n >= 1_000L) {
      return String.format(Locale.ROOT, "%.2fK", n / 1e3);
    }
    return String.valueOf(n);
  }

  private static void line(StringBuilder out, String label, String value) {
    out.append(String.format(Locale.ROOT, "%-15s %s%n", label.isEmpty() ? "" : label + ":", value));
  }
}
