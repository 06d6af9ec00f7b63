package dev.kernelj.llm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.regex.Pattern;

/**
 * Reads the {@code pattern} field shared by Split and Replace: either {@code {"String": "..."}} (a
 * literal) or {@code {"Regex": "..."}} (an Oniguruma regex).
 */
final class PatternSpec {

  private PatternSpec() {}

  /** The compiled pattern; a literal is quoted so that both kinds can be searched alike. */
  static Pattern read(JsonNode owner, JsonSpec spec, String field) {
    JsonNode p = spec.object(owner, "pattern", field);
    String at = field + ".pattern";
    if (p.has("String")) {
      return Pattern.compile(Pattern.quote(spec.string(p, "String", at)));
    }
    if (p.has("Regex")) {
      String regex = spec.string(p, "Regex", at);
      try {
        return OnigRegex.compile(regex);
      } catch (IllegalArgumentException e) {
        throw new TokenizerFormatException(spec.file(), at + ".Regex", e.getMessage(), e);
      }
    }
    throw spec.error(at, "expected {\"String\": ...} or {\"Regex\": ...}");
  }

  /** The literal text of a {@code {"String": ...}} pattern, or null for a regex. */
  static String literal(JsonNode owner, JsonSpec spec, String field) {
    JsonNode p = spec.object(owner, "pattern", field);
    return p.has("String") ? spec.string(p, "String", field + ".pattern") : null;
  }
}
