package dev.kernelj.llm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code normalizer} section of {@code tokenizer.json}: rewrites each text piece that is not an
 * added token before pre-tokenization. Llama 2 and Mistral use {@code Sequence[Prepend("▁"),
 * Replace(" ", "▁")]}, Qwen uses {@code NFC}.
 */
sealed interface TextNormalizer {

  String normalize(String text);

  /** Applies each normalizer in order. */
  record Sequence(List<TextNormalizer> steps) implements TextNormalizer {
    public String normalize(String text) {
      for (TextNormalizer step : steps) text = step.normalize(text);
      return text;
    }
  }

  /** Prefixes non-empty text (SentencePiece's dummy prefix). */
  record Prepend(String prefix) implements TextNormalizer {
    public String normalize(String text) {
      return text.isEmpty() ? text : prefix + text;
    }
  }

  /** Replaces every occurrence of a literal string or an Oniguruma regex. */
  record Replace(String literal, Pattern regex, String content) implements TextNormalizer {
    public String normalize(String text) {
      if (literal != null) {
        return literal.isEmpty() ? text : text.replace(literal, content);
      }
      return regex.matcher(text).replaceAll(Matcher.quoteReplacement(content));
    }
  }

  /** One of the four Unicode normalization forms. */
  record UnicodeForm(Normalizer.Form form) implements TextNormalizer {
    public String normalize(String text) {
      return Normalizer.isNormalized(text, form) ? text : Normalizer.normalize(text, form);
    }
  }

  /** Unicode lowercasing, locale-independent like Rust's {@code str::to_lowercase}. */
  record Lowercase() implements TextNormalizer {
    public String normalize(String text) {
      return text.toLowerCase(Locale.ROOT);
    }
  }

  /** Removes leading and/or trailing whitespace. */
  record Strip(boolean left, boolean right) implements TextNormalizer {
    public String normalize(String text) {
      int start = 0;
      int end = text.length();
      while (left && start < end && UnicodeChars.isWhitespace(text.codePointAt(start)))
        start += Character.charCount(text.codePointAt(start));
      while (right && end > start && UnicodeChars.isWhitespace(text.codePointBefore(end)))
        end -= Character.charCount(text.codePointBefore(end));
      return text.substring(start, end);
    }
  }

  /** Builds a normalizer from its JSON, or returns null for a JSON null. */
  static TextNormalizer fromJson(JsonNode json, JsonSpec spec, String field) {
    if (JsonSpec.isNull(json)) {
      return null;
    }
    JsonNode o = spec.object(json, field);
    String type = spec.string(o, "type", field);
    return switch (type) {
      case "Sequence" ->
          new Sequence(
              spec.items(o, "normalizers", field, (item, where) -> fromJson(item, spec, where)));
      case "Prepend" -> new Prepend(spec.string(o, "prepend", field));
      case "Replace" -> replace(o, spec, field);
      case "NFC" -> new UnicodeForm(Normalizer.Form.NFC);
      case "NFD" -> new UnicodeForm(Normalizer.Form.NFD);
      case "NFKC" -> new UnicodeForm(Normalizer.Form.NFKC);
      case "NFKD" -> new UnicodeForm(Normalizer.Form.NFKD);
      case "Lowercase" -> new Lowercase();
      case "Strip" ->
          new Strip(
              spec.bool(o, "strip_left", field, true), spec.bool(o, "strip_right", field, true));
      default ->
          throw spec.error(
              field + ".type",
              "unsupported normalizer '"
                  + type
                  + "' (supported: Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD, Lowercase, Strip)");
    };
  }

  private static Replace replace(JsonNode o, JsonSpec spec, String field) {
    String content = spec.string(o, "content", field);
    Pattern pattern = PatternSpec.read(o, spec, field);
    String literal = PatternSpec.literal(o, spec, field);
    return new Replace(literal, literal == null ? pattern : null, content);
  }
}
