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
      case AWQ -> awq(q, bits, bitsKey, groupSize, groupKey);
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

  private static QuantizationConfig gptq(JsonFields q, int bits, String bitsKey, int groupSize) {
    if (bits != 4 && bits != 8) {
      throw q.error(bitsKey, "GPTQ with " + bits + " bits is not supported; supported: 4, 8");
    }
    String format = q.stringOr("checkpoint_format", "gptq");
    GptqZeroFormat zeros =
        switch (format) {
          case "gptq" -> GptqZeroFormat.STORED_MINUS_ONE;
          case "gptq_v2" -> GptqZeroFormat.EXACT;
          default ->
              throw q.error(
                  "checkpoint_format",
                  "unsupported GPTQ checkpoint format \""
                      + format
                      + "\"; supported: gptq, gptq_v2");
        };
    return new QuantizationConfig(
        q.file(),
        QuantMethod.GPTQ,
        bits,
        groupSize,
        q.booleanOr("desc_act", false),
        q.booleanOr("sym", true),
        zeros,
        q.stringListOrEmpty("modules_to_not_convert"));
  }

  private static QuantizationConfig awq(
      JsonFields q, int bits, String bitsKey, int groupSize, String groupKey) {
    if (bits != 4) {
      throw q.error(bitsKey, "AWQ with " + bits + " bits is not supported; supported: 4");
    }
    if (groupSize == -1) {
      throw q.error(groupKey, "AWQ needs a positive group size");
    }
    String version = q.stringOr("version", "gemm");
    if (!version.equalsIgnoreCase("gemm")) {
      throw q.error("version", "AWQ packing \"" + version + "\" is not supported; supported: gemm");
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
        q.stringListOrEmpty("modules_to_not_convert"));
  }
}
