package dev.kernelj.llm.quant;

import dev.kernelj.llm.json.JsonFields;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads GPTQModel's {@code dynamic} setting: an object whose keys are module-name patterns, {@code
 * "-:pattern"} for modules left unquantized and {@code "+:pattern"} or {@code "pattern"} for
 * modules with their own {@code bits} or {@code group_size}. The entries keep their written order:
 * like GPTQModel (and vLLM), a module takes the first entry that matches it.
 */
final class DynamicReader {
  private DynamicReader() {}

  /** The entries of {@code q}'s {@code dynamic}, for a checkpoint of {@code method}. */
  static List<ModuleOverride> read(JsonFields q, QuantMethod method) {
    JsonFields dynamic = q.objectOrNull("dynamic");
    if (dynamic == null) {
      return List.of();
    }
    List<ModuleOverride> overrides = new ArrayList<>();
    for (String key : dynamic.keys()) {
      boolean exclude = key.startsWith("-:");
      String regex = key.startsWith("-:") || key.startsWith("+:") ? key.substring(2) : key;
      Pattern pattern;
      try {
        pattern = Pattern.compile(regex);
      } catch (PatternSyntaxException e) {
        throw dynamic.error(key, "is not a pattern this reader understands: " + e.getDescription());
      }
      JsonFields entry = dynamic.objectOrNull(key);
      int bits = 0;
      int groupSize = 0;
      if (entry != null && !exclude) {
        bits = entry.intOr("bits", 0);
        if (bits != 0 && !QuantizationConfigReader.supportsBits(method, bits)) {
          throw entry.error("bits", QuantizationConfigReader.unsupportedBits(method, bits));
        }
        groupSize = entry.intOr("group_size", 0);
        if (groupSize < -1) {
          throw entry.error("group_size", "must be -1 (one group) or positive but is " + groupSize);
        }
      }
      overrides.add(new ModuleOverride(pattern, exclude, bits, groupSize));
    }
    return overrides;
  }
}
