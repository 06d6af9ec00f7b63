package dev.kernelj.llm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code pre_tokenizer} section of {@code tokenizer.json}: cuts a normalized piece into the
 * words the BPE model sees. Llama 3 and Qwen use {@code Sequence[Split(regex), ByteLevel]}, GPT-2
 * uses {@code ByteLevel} with its built-in regex, newer SentencePiece conversions use {@code
 * Metaspace}.
 */
sealed interface PreTokenizer {

  /** Receives the pieces a pre-tokenizer produces. */
  @FunctionalInterface
  interface Sink {
    /**
     * @param piece a non-empty piece of text
     * @param atOrigin whether the piece starts at offset 0 of the original input (Metaspace's
     *     {@code prepend_scheme: "first"} needs to know)
     */
    void accept(String piece, boolean atOrigin);
  }

  void split(String text, boolean atOrigin, Sink sink);

  /** GPT-2's word-splitting regex, which ByteLevel applies when {@code use_regex} is true. */
  String GPT2_REGEX =
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

  /** Runs each pre-tokenizer on every piece of the previous one. */
  record Sequence(List<PreTokenizer> steps) implements PreTokenizer {
    public void split(String text, boolean atOrigin, Sink sink) {
      run(0, text, atOrigin, sink);
    }

    private void run(int step, String text, boolean atOrigin, Sink sink) {
      if (step == steps.size()) {
        sink.accept(text, atOrigin);
      } else {
        steps
            .get(step)
            .split(text, atOrigin, (piece, origin) -> run(step + 1, piece, origin, sink));
      }
    }
  }

  /** Splits on a pattern; what happens to the matched delimiters is the {@code behavior}. */
  record Split(Pattern pattern, SplitBehavior behavior, boolean invert) implements PreTokenizer {
    public void split(String text, boolean atOrigin, Sink sink) {
      behavior.split(pattern, invert, text, atOrigin, sink);
    }
  }

  /**
   * Maps UTF-8 bytes to GPT-2's printable characters, optionally after a leading space and GPT-2's
   * regex split.
   */
  record ByteLevel(boolean addPrefixSpace, Pattern regex) implements PreTokenizer {
    public void split(String text, boolean atOrigin, Sink sink) {
      String prefixed = addPrefixSpace && !text.startsWith(" ") ? " " + text : text;
      if (regex == null) {
        sink.accept(ByteLevelTable.encode(prefixed), atOrigin);
      } else {
        SplitBehavior.ISOLATED.split(
            regex,
            false,
            prefixed,
            atOrigin,
            (piece, origin) -> sink.accept(ByteLevelTable.encode(piece), origin));
      }
    }
  }

  /**
   * SentencePiece's whitespace handling: spaces become the replacement character, a prefix
   * replacement is added per {@code prepend_scheme}, and words optionally split before each
   * replacement character.
   */
  record Metaspace(char replacement, PrependScheme scheme, boolean splitWords, Pattern delimiter)
      implements PreTokenizer {
    public void split(String text, boolean atOrigin, Sink sink) {
      String replaced = text.replace(' ', replacement);
      boolean prepend =
          switch (scheme) {
            case ALWAYS -> true;
            case FIRST -> atOrigin;
            case NEVER -> false;
          };
      if (prepend && (replaced.isEmpty() || replaced.charAt(0) != replacement)) {
        replaced = replacement + replaced;
      }
      if (replaced.isEmpty()) {
        return;
      }
      if (splitWords) {
        SplitBehavior.MERGED_WITH_NEXT.split(delimiter, false, replaced, atOrigin, sink);
      } else {
        sink.accept(replaced, atOrigin);
      }
    }
  }

  /** When Metaspace adds its leading replacement character. */
  enum PrependScheme {
    ALWAYS,
    FIRST,
    NEVER
  }

  /** Builds a pre-tokenizer from its JSON, or returns null for a JSON null. */
  static PreTokenizer fromJson(JsonNode json, JsonSpec spec, String field) {
    if (JsonSpec.isNull(json)) {
      return null;
    }
    JsonNode o = spec.object(json, field);
    String type = spec.string(o, "type", field);
    return switch (type) {
      case "Sequence" ->
          new Sequence(
              spec.items(o, "pretokenizers", field, (item, where) -> fromJson(item, spec, where)));
      case "Split" ->
          new Split(
              PatternSpec.read(o, spec, field),
              SplitBehavior.fromJson(spec.string(o, "behavior", field), spec, field + ".behavior"),
              spec.bool(o, "invert", field, false));
      case "ByteLevel" ->
          new ByteLevel(
              spec.bool(o, "add_prefix_space", field, true),
              spec.bool(o, "use_regex", field, true) ? OnigRegex.compile(GPT2_REGEX) : null);
      case "Metaspace" -> metaspace(o, spec, field);
      default ->
          throw spec.error(
              field + ".type",
              "unsupported pre_tokenizer '"
                  + type
                  + "' (supported: Sequence, Split, ByteLevel, Metaspace)");
    };
  }

  private static Metaspace metaspace(JsonNode o, JsonSpec spec, String field) {
    String replacement = spec.string(o, "replacement", field);
    if (replacement.length() != 1) {
      throw spec.error(
          field + ".replacement", "expected one BMP character but found '" + replacement + "'");
    }
    String scheme = spec.optionalString(o, "prepend_scheme", field);
    PrependScheme prepend;
    if (scheme == null) {
      // Files written before prepend_scheme existed carry add_prefix_space instead.
      prepend =
          spec.bool(o, "add_prefix_space", field, true)
              ? PrependScheme.ALWAYS
              : PrependScheme.NEVER;
    } else {
      prepend =
          switch (scheme) {
            case "always" -> PrependScheme.ALWAYS;
            case "first" -> PrependScheme.FIRST;
            case "never" -> PrependScheme.NEVER;
            default ->
                throw spec.error(
                    field + ".prepend_scheme",
                    "expected always, first or never but found '" + scheme + "'");
          };
    }
    return new Metaspace(
        replacement.charAt(0),
        prepend,
        spec.bool(o, "split", field, true),
        Pattern.compile(Pattern.quote(replacement)));
  }
}
