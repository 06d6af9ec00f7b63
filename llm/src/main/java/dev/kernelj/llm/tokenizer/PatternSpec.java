package dev.kernelj.llm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.regex.Pattern;

/**
 * Reads the {@code pattern} field shared by Split and Replace: either {@code {"String": "..."}} (a
 * literal) or {@code {"Regex": "..."}} (an Oniguruma regex).
 */
final class PatternSpec {

  /**
   * Longest pattern accepted. Real pre-tokenizer patterns are under 1,000 characters; Java builds a
   * literal's skip table in time quadratic in its length, so a megabyte pattern would never finish
   * compiling.
   */
  static final int MAX_PATTERN_CHARS = 8192;

  private PatternSpec() {}

  /** The compiled pattern; a literal is quoted so that both kinds can be searched alike. */
  static Pattern read(JsonNode owner, JsonSpec spec, String field) {
    JsonNode p = spec.object(owner, "pattern", field);
    String at = field + ".pattern";
    if (p.has("String")) {
      return Pattern.compile(Pattern.quote(bounded(spec, spec.string(p, "String", at), at)));
    }
    if (p.has("Regex")) {
      String regex = bounded(spec, spec.string(p, "Regex", at), at + ".Regex");
      try {
        return OnigRegex.compile(regex);
      } catch (IllegalArgumentException e) {
        throw new TokenizerFormatException(spec.file(), at + ".Regex", e.getMessage(), e);
      }
    }
    throw spec.error(at, "expected {\"String\": ...} or {\"Regex\": ...}");
  }

  private static String bounded(JsonSpec spec, String pattern, String field) {
    if (pattern.length() > MAX_PATTERN_CHARS) {
      throw spec.error(
          field,
          "pattern of " + pattern.length() + " characters, over the limit of " + MAX_PATTERN_CHARS);
    }
    return pattern;
  }

  /** The literal text of a {@code {"String": ...}} pattern, or null for a regex. */
  static String literal(JsonNode owner, JsonSpec spec, String field) {
    JsonNode p = spec.object(owner, "pattern", field);
    return p.has("String") ? spec.string(p, "String", field + ".pattern") : null;
  }
}
