package dev.kernelj.llm.quant;

import dev.kernelj.llm.json.JsonFields;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads GPTQModel's {@code dynamic} setting: an object whose keys are module-name patterns, {@code
 * "-:pattern"} for modules left unquantized and {@code "+:pattern"} or {@code "pattern"} for
 * modules with their own {@code bits} or {@code group_size}. Excluding patterns are tried first, as
 * GPTQModel orders them.
 */
final class DynamicReader {
  private DynamicReader() {}

  static List<ModuleOverride> read(JsonFields q) {
    JsonFields dynamic = q.objectOrNull("dynamic");
    if (dynamic == null) {
      return List.of();
    }
    List<ModuleOverride> exclusions = new ArrayList<>();
    List<ModuleOverride> others = new ArrayList<>();
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
        if (bits != 0 && bits != 4 && bits != 8) {
          throw entry.error(
              "bits", "GPTQ with " + bits + " bits is not supported; supported: 4, 8");
        }
        groupSize = entry.intOr("group_size", 0);
        if (groupSize < -1) {
          throw entry.error("group_size", "must be -1 (one group) or positive but is " + groupSize);
        }
      }
      (exclude ? exclusions : others).add(new ModuleOverride(pattern, exclude, bits, groupSize));
    }
    exclusions.addAll(others);
    return exclusions;
  }
}
