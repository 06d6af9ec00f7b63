package dev.kernelj.llm.quant;

import dev.kernelj.llm.config.ModelConfigReader;
import dev.kernelj.llm.json.JsonFields;
import dev.kernelj.llm.util.ModelFiles;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds and reads a model directory's quantization settings, looking in order at {@code
 * config.json}'s {@code quantization_config} (what transformers writes), AutoGPTQ's {@code
 * quantize_config.json} and AutoAWQ's {@code quant_config.json}. Accepts both spellings of the
 * common keys ({@code bits}/{@code w_bit}, {@code group_size}/{@code q_group_size}).
 */
public final class QuantizationConfigReader {
  /** AutoGPTQ's separate file. */
  public static final String GPTQ_FILE = "quantize_config.json";

  /** AutoAWQ's separate file. */
  public static final String AWQ_FILE = "quant_config.json";

  private QuantizationConfigReader() {}

  /**
   * The quantization of the model in {@code modelDir}, or empty when its weights are not quantized.
   */
  public static Optional<QuantizationConfig> read(Path modelDir) {
    Path configFile = modelDir.resolve(ModelConfigReader.CONFIG_FILE);
    if (ModelFiles.isPresent(configFile)) {
      JsonFields config = fileFields(configFile);
      JsonFields section = config.objectOrNull("quantization_config");
      if (section != null) {
        return Optional.of(parse(section, null));
      }
    }
    Path gptqFile = modelDir.resolve(GPTQ_FILE);
    if (ModelFiles.isPresent(gptqFile)) {
      return Optional.of(parse(fileFields(gptqFile), QuantMethod.GPTQ));
    }
    Path awqFile = modelDir.resolve(AWQ_FILE);
    if (ModelFiles.isPresent(awqFile)) {
      return Optional.of(parse(fileFields(awqFile), QuantMethod.AWQ));
    }
    return Optional.empty();
  }

  private static JsonFields fileFields(Path file) {
    return JsonFields.of(ModelConfigReader.readObject(file), file);
  }

  /**
   * Parses one quantization object.
   *
   * @param impliedMethod the method a dedicated file implies when it has no {@code quant_method},
   *     or null
   */
  public static QuantizationConfig parse(JsonFields q, QuantMethod impliedMethod) {
    QuantMethod method = method(q, impliedMethod);
    String bitsKey = spelling(q, "bits", "w_bit");
    int bits = q.requireInt(bitsKey);
    String groupKey = spelling(q, "group_size", "q_group_size");
    int groupSize = q.requireInt(groupKey);
    if (groupSize != -1 && groupSize < 1) {
      throw q.error(groupKey, "must be -1 (one group) or positive but is " + groupSize);
    }
    return switch (method) {
      case GPTQ -> gptq(q, bits, bitsKey, groupSize);
      case AWQ -> awq(q, bits, bitsKey, groupSize);
    };
  }

  /** The key as this object spells it: {@code usual} unless only {@code alternative} is present. */
  private static String spelling(JsonFields q, String usual, String alternative) {
    return !q.has(usual) && q.has(alternative) ? alternative : usual;
  }

  private static QuantMethod method(JsonFields q, QuantMethod impliedMethod) {
    if (!q.has("quant_method") && impliedMethod != null) {
      return impliedMethod;
    }
    String name = q.requireString("quant_method");
    for (QuantMethod method : QuantMethod.values()) {
      if (method.configName().equals(name.toLowerCase(Locale.ROOT))) {
        return method;
      }
    }
    throw q.error(
        "quant_method", "unsupported quantization method \"" + name + "\"; supported: gptq, awq");
  }

  /** Whether the kernels take {@code method} weights of {@code bits} bits. */
  static boolean supportsBits(QuantMethod method, int bits) {
    return method == QuantMethod.GPTQ ? bits == 4 || bits == 8 : bits == 4;
  }

  /** What is wrong with {@code bits} for {@code method}. */
  static String unsupportedBits(QuantMethod method, int bits) {
    return method.configName().toUpperCase(Locale.ROOT)
        + " with "
        + bits
        + " bits is not supported; supported: "
        + (method == QuantMethod.GPTQ ? "4, 8" : "4");
  }

  private static QuantizationConfig gptq(JsonFields q, int bits, String bitsKey, int groupSize) {
    if (!supportsBits(QuantMethod.GPTQ, bits)) {
      throw q.error(bitsKey, unsupportedBits(QuantMethod.GPTQ, bits));
    }
    if (q.has("rotation")) {
      // GPTQModel's rotated checkpoints: down_proj's weights expect their input turned by a
      // Hadamard (or random orthogonal) transform at run time, which no kernel here applies.
      throw q.error(
          "rotation",
          "\""
              + q.stringOr("rotation", "")
              + "\": checkpoints quantized with GPTQModel's rotation need that transform applied to"
              + " down_proj's input at run time, which KernelJ does not do; supported: rotation"
              + " null or absent");
    }
    if (q.booleanOr("is_marlin_format", false)) {
      throw q.error(
          "is_marlin_format",
          "Marlin-format GPTQ checkpoints (AutoGPTQ's marlin serialization) are not supported;"
              + " supported: checkpoint_format gptq and gptq_v2");
    }
    String packDtype = q.stringOr("pack_dtype", "int32");
    if (!packDtype.equalsIgnoreCase("int32") && !packDtype.equalsIgnoreCase("torch.int32")) {
      throw q.error(
          "pack_dtype",
          "codes packed in " + packDtype + " words are not supported; supported: int32");
    }
    String formatKey =
        !q.has("checkpoint_format") && q.has("format") ? "format" : "checkpoint_format";
    if (q.has("checkpoint_format")
        && q.has("format")
        && !q.stringOr("format", "").equalsIgnoreCase(q.stringOr("checkpoint_format", ""))) {
      // GPTQModel writes both with one value; which one a reader should believe is not known.
      throw q.error(
          "format",
          "\""
              + q.stringOr("format", "")
              + "\" disagrees with checkpoint_format \""
              + q.stringOr("checkpoint_format", "")
              + "\"; the zero points are read differently in the two, so the checkpoint's packing"
              + " is ambiguous");
    }
    String format = q.stringOr(formatKey, "gptq").toLowerCase(Locale.ROOT);
    GptqZeroFormat zeros =
        switch (format) {
          case "gptq" -> GptqZeroFormat.STORED_MINUS_ONE;
          case "gptq_v2" -> GptqZeroFormat.EXACT;
          default ->
              throw q.error(
                  formatKey,
                  "unsupported GPTQ checkpoint format \""
                      + format
                      + "\" (exllama/Marlin/BitBLAS layouts are not read); supported: gptq,"
                      + " gptq_v2");
        };
    return new QuantizationConfig(
        q.file(),
        QuantMethod.GPTQ,
        bits,
        groupSize,
        q.booleanOr("desc_act", false),
        q.booleanOr("sym", true),
        zeros,
        q.stringListOrEmpty("modules_to_not_convert"),
        DynamicReader.read(q, QuantMethod.GPTQ));
  }

  private static QuantizationConfig awq(JsonFields q, int bits, String bitsKey, int groupSize) {
    if (!supportsBits(QuantMethod.AWQ, bits)) {
      throw q.error(bitsKey, unsupportedBits(QuantMethod.AWQ, bits));
    }
    String version = q.stringOr("version", "gemm");
    if (!version.equalsIgnoreCase("gemm")) {
      throw q.error("version", "AWQ packing \"" + version + "\" is not supported; supported: gemm");
    }
    String backend = q.stringOr("backend", "autoawq");
    if (!backend.equalsIgnoreCase("autoawq")) {
      throw q.error(
          "backend",
          "AWQ checkpoints packed by \""
              + backend
              + "\" (llm-awq's layout) are not supported; supported: autoawq's GEMM packing");
    }
    if (!q.booleanOr("zero_point", true)) {
      throw q.error("zero_point", "AWQ without zero points is not supported");
    }
    return new QuantizationConfig(
        q.file(),
        QuantMethod.AWQ,
        bits,
        groupSize,
        false,
        false,
        GptqZeroFormat.EXACT,
        q.stringListOrEmpty("modules_to_not_convert"),
        DynamicReader.read(q, QuantMethod.AWQ));
  }
}
