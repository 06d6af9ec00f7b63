package dev.kernelj.llm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code decoder} section of {@code tokenizer.json}: turns the token texts of a sequence of ids
 * back into a string. Like HF's {@code decode_chain}, each decoder maps a list of strings to a list
 * of strings, so that a Sequence can feed one into the next; the final list is joined.
 */
sealed interface TokenDecoder {

  List<String> decodeChain(List<String> tokens);

  /** Decodes to one string. */
  default String decode(List<String> tokens) {
    return String.join("", decodeChain(tokens));
  }

  /**
   * The bytes of a token that stands for bytes rather than text (GPT-2's byte characters where a
   * ByteLevel step decodes, {@code <0xNN>} where a ByteFallback step does), or null for any other
   * token or decoder.
   */
  static byte[] rawBytes(TokenDecoder decoder, String token) {
    if (decoder instanceof Sequence sequence) {
      for (TokenDecoder step : sequence.steps()) {
        byte[] bytes = rawBytes(step, token);
        if (bytes != null) return bytes;
      }
    } else if (decoder instanceof ByteLevel) {
      return ByteLevel.bytesOf(token);
    } else if (decoder instanceof ByteFallback) {
      int b = ByteFallback.byteToken(token);
      if (b >= 0) return new byte[] {(byte) b};
    }
    return null;
  }

  /** Runs each decoder on the output of the previous one. */
  record Sequence(List<TokenDecoder> steps) implements TokenDecoder {
    public List<String> decodeChain(List<String> tokens) {
      for (TokenDecoder step : steps) tokens = step.decodeChain(tokens);
      return tokens;
    }
  }

  /** Maps GPT-2's byte characters back to bytes; a token with other characters keeps its UTF-8. */
  record ByteLevel() implements TokenDecoder {
    public List<String> decodeChain(List<String> tokens) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      for (String token : tokens) {
        if (!appendByteLevel(token, bytes)) {
          bytes.writeBytes(token.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
      }
      return List.of(Utf8.decodeLossy(bytes.toByteArray(), bytes.size()));
    }

    /** The bytes of a token made only of GPT-2's byte characters, or null. */
    static byte[] bytesOf(String token) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(token.length());
      return appendByteLevel(token, bytes) ? bytes.toByteArray() : null;
    }

    private static boolean appendByteLevel(String token, ByteArrayOutputStream bytes) {
      for (int i = 0; i < token.length(); i++) {
        if (ByteLevelTable.byteOf(token.charAt(i)) < 0) return false;
      }
      for (int i = 0; i < token.length(); i++) {
        bytes.write(ByteLevelTable.byteOf(token.charAt(i)));
      }
      return true;
    }
  }

  /** Replaces a literal in each token (Llama 2: "▁" back to " "). */
  record Replace(String literal, String content) implements TokenDecoder {
    public List<String> decodeChain(List<String> tokens) {
      List<String> out = new ArrayList<>(tokens.size());
      for (String t : tokens) out.add(literal.isEmpty() ? t : t.replace(literal, content));
      return out;
    }
  }

  /**
   * Turns runs of {@code <0xNN>} tokens back into text: a run that is valid UTF-8 becomes its
   * string, an invalid run becomes one U+FFFD per byte (HF's rule).
   */
  record ByteFallback() implements TokenDecoder {
    public List<String> decodeChain(List<String> tokens) {
      List<String> out = new ArrayList<>(tokens.size());
      byte[] run = new byte[16];
      int runLength = 0;
      for (String t : tokens) {
        int b = byteToken(t);
        if (b >= 0) {
          if (runLength == run.length) run = java.util.Arrays.copyOf(run, runLength * 2);
          run[runLength++] = (byte) b;
          continue;
        }
        runLength = flush(run, runLength, out);
        out.add(t);
      }
      flush(run, runLength, out);
      return out;
    }

    private static int flush(byte[] run, int length, List<String> out) {
      if (length == 0) return 0;
      if (Utf8.isValid(run, length)) {
        out.add(new String(run, 0, length, java.nio.charset.StandardCharsets.UTF_8));
      } else {
        for (int i = 0; i < length; i++) out.add("\uFFFD");
      }
      return 0;
    }

    /** The byte of a {@code <0xNN>} token, or -1 for any other token. */
    static int byteToken(String t) {
      if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') return -1;
      int hi = asciiHex(t.charAt(3));
      int lo = asciiHex(t.charAt(4));
      return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    private static int asciiHex(char c) {
      // Character.digit would also accept non-ASCII digits, which Rust's from_str_radix does not.
      return c < 0x80 ? Character.digit(c, 16) : -1;
    }
  }

  /** Joins all tokens into one. */
  record Fuse() implements TokenDecoder {
    public List<String> decodeChain(List<String> tokens) {
      return List.of(String.join("", tokens));
    }
  }

  /**
   * Removes up to {@code start} leading and {@code stop} trailing {@code content} characters per
   * token.
   */
  record Strip(char content, int start, int stop) implements TokenDecoder {
    public List<String> decodeChain(List<String> tokens) {
      List<String> out = new ArrayList<>(tokens.size());
      for (String t : tokens) {
        int from = 0;
        while (from < start && from < t.length() && t.charAt(from) == content) from++;
        int to = t.length();
        for (int i = 0; i < stop && to > from && t.charAt(to - 1) == content; i++) to--;
        out.add(t.substring(from, to));
      }
      return out;
    }
  }

  /**
   * SentencePiece's decoder: the replacement character becomes a space, except in the first token
   * when a prefix was prepended, where it is dropped.
   */
  record Metaspace(char replacement, boolean dropFirst) implements TokenDecoder {
    public List<String> decodeChain(List<String> tokens) {
      List<String> out = new ArrayList<>(tokens.size());
      for (int i = 0; i < tokens.size(); i++) {
        String t = tokens.get(i);
        if (i == 0 && dropFirst) {
          t = t.replace(String.valueOf(replacement), "");
        } else {
          t = t.replace(replacement, ' ');
        }
        out.add(t);
      }
      return out;
    }
  }

  /** Builds a decoder from its JSON, or returns null for a JSON null. */
  static TokenDecoder fromJson(JsonNode json, JsonSpec spec, String field) {
    if (JsonSpec.isNull(json)) {
      return null;
    }
    JsonNode o = spec.object(json, field);
    String type = spec.string(o, "type", field);
    return switch (type) {
      case "Sequence" ->
          new Sequence(
              spec.items(o, "decoders", field, (item, where) -> fromJson(item, spec, where)));
      case "ByteLevel" -> new ByteLevel();
      case "Replace" -> {
        String literal = PatternSpec.literal(o, spec, field);
        if (literal == null) {
          throw spec.error(
              field + ".pattern",
              "only {\"String\": ...} patterns are supported in a Replace decoder");
        }
        yield new Replace(literal, spec.string(o, "content", field));
      }
      case "ByteFallback" -> new ByteFallback();
      case "Fuse" -> new Fuse();
      case "Strip" -> {
        String content = spec.string(o, "content", field);
        if (content.length() != 1) {
          throw spec.error(
              field + ".content", "expected one character but found '" + content + "'");
        }
        yield new Strip(
            content.charAt(0), spec.integer(o, "start", field), spec.integer(o, "stop", field));
      }
      case "Metaspace" -> {
        PreTokenizer.Metaspace pre = (PreTokenizer.Metaspace) PreTokenizer.fromJson(o, spec, field);
        yield new Metaspace(pre.replacement(), pre.scheme() != PreTokenizer.PrependScheme.NEVER);
      }
      default ->
          throw spec.error(
              field + ".type",
              "unsupported decoder '"
                  + type
                  + "' (supported: Sequence, ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace)");
    };
  }
}
