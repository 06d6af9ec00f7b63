package dev.kernelj.llm.tokenizer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.kernelj.llm.json.JsonLimits;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the {@code model} section of {@code tokenizer.json} (the BPE vocabulary and merge rules, 9
 * MB for Llama 3) with Jackson's streaming parser in one pass: each vocabulary entry becomes one
 * {@code String}, and each merge rule is resolved to a pair of ids and a merged id from the
 * parser's own character buffer, without splitting or concatenating strings.
 *
 * <p>Limits are checked before anything is sized by the file: ids are non-negative integers below
 * {@link #MAX_TOKEN_ID}, and the id space may be at most about twice the number of entries (a
 * vocabulary of 300 tokens claiming id 2^30 is refused before an array of 2^30 slots is made).
 */
final class ModelSectionReader {
  /** No real vocabulary comes near this (the largest have about 262,000 tokens). */
  static final int MAX_TOKEN_ID = 1 << 24;

  private final JsonParser in;
  private final JsonSpec spec;
  private final byte[] file;

  /** Where merge texts are decoded (both halves of a pair, one after the other). */
  private char[] chars = new char[256];

  private ModelSectionReader(JsonParser in, JsonSpec spec, byte[] file) {
    this.in = in;
    this.spec = spec;
    this.file = file;
  }

  /**
   * Reads the object at the parser's current token, leaving the parser on its closing brace.
   *
   * @param file the bytes the parser reads, from offset 0 (merges written before the vocabulary are
   *     read again from there)
   */
  static BpeTables read(JsonParser in, JsonSpec spec, byte[] file) throws IOException {
    return new ModelSectionReader(in, spec, file).read();
  }

  private BpeTables read() throws IOException {
    if (in.currentToken() != JsonToken.START_OBJECT) {
      throw spec.error("model", "expected an object but found " + describe(in.currentToken()));
    }
    String type = null;
    TokenIndex vocab = null;
    String[] tokens = null;
    long mergesAt = -1;
    MergeTable merges = null;
    boolean prefixSeen = false;
    String unk = null;
    String prefix = null;
    String suffix = null;
    boolean fuseUnk = false;
    boolean byteFallback = false;
    boolean ignoreMerges = false;
    Set<String> seen = new HashSet<>();
    while (in.nextToken() == JsonToken.FIELD_NAME) {
      String name = in.currentName();
      String field = "model." + name;
      if (!seen.add(name)) {
        throw spec.error(field, "duplicate key '" + name + "'");
      }
      in.nextToken();
      switch (name) {
        case "type" -> type = nullableString(field);
        case "vocab" -> {
          vocab = new TokenIndex(1 << 17);
          tokens = readVocab(vocab);
        }
        case "merges" -> {
          if (in.currentToken() != JsonToken.START_ARRAY) {
            throw spec.error(
                "model.merges", "expected an array but found " + describe(in.currentToken()));
          }
          // HF writes the prefix and the vocabulary first: then the merges are resolved as they are
          // read.
          if (vocab != null && prefixSeen) {
            merges = readMerges(in, vocab, tokens, prefixLength(prefix));
          } else {
            mergesAt = in.currentTokenLocation().getByteOffset();
            in.skipChildren();
          }
        }
        case "unk_token" -> unk = nullableString(field);
        case "continuing_subword_prefix" -> {
          prefix = nullableString(field);
          prefixSeen = true;
        }
        case "end_of_word_suffix" -> suffix = nullableString(field);
        case "fuse_unk" -> fuseUnk = nullableBool(field);
        case "byte_fallback" -> byteFallback = nullableBool(field);
        case "ignore_merges" -> ignoreMerges = nullableBool(field);
        default -> in.skipChildren();
      }
    }
    if (type != null && !type.equals("BPE")) {
      throw spec.error(
          "model.type",
          "unsupported model '"
              + type
              + "' (supported: BPE; WordPiece, WordLevel and Unigram tokenizers cannot be run)");
    }
    if (vocab == null) {
      throw spec.error("model.vocab", "missing: a BPE model needs a vocabulary");
    }
    BpeModel.Options options =
        new BpeModel.Options(unk, prefix, suffix, fuseUnk, byteFallback, ignoreMerges);
    if (merges == null && mergesAt >= 0) {
      // The merges came before the vocabulary (or the prefix they need): read them again now.
      try (JsonParser again =
          JsonLimits.parser(file, (int) mergesAt, file.length - (int) mergesAt)) {
        again.nextToken();
        merges = readMerges(again, vocab, tokens, prefixLength(prefix));
      }
    }
    return new BpeTables(
        vocab, TokenTexts.of(tokens), merges == null ? new MergeTable(0) : merges, options);
  }

  private static int prefixLength(String prefix) {
    return prefix == null ? 0 : prefix.length();
  }

  private String nullableString(String field) throws IOException {
    JsonToken token = in.currentToken();
    if (token == JsonToken.VALUE_NULL) return null;
    if (token != JsonToken.VALUE_STRING) {
      throw spec.error(field, "expected a string but found " + describe(token));
    }
    return in.getText();
  }

  /** A boolean; null reads as false. */
  private boolean nullableBool(String field) throws IOException {
    JsonToken token = in.currentToken();
    if (token == JsonToken.VALUE_NULL || token == JsonToken.VALUE_FALSE) return false;
    if (token == JsonToken.VALUE_TRUE) return true;
    throw spec.error(field, "expected true or false but found " + describe(token));
  }

  /** Reads {@code model.vocab} into {@code vocab}; returns the token text by id. */
  private String[] readVocab(TokenIndex vocab) throws IOException {
    if (in.currentToken() != JsonToken.START_OBJECT) {
      throw spec.error(
          "model.vocab",
          "expected an object of token to id but found " + describe(in.currentToken()));
    }
    List<String> texts = new ArrayList<>(1 << 17);
    IntList ids = new IntList(1 << 17);
    int maxId = -1;
    for (String token; (token = in.nextFieldName()) != null; ) {
      maxId = Math.max(maxId, readVocabEntry(token, vocab, texts, ids));
    }
    if (in.currentToken() != JsonToken.END_OBJECT) {
      throw spec.error("model.vocab", "malformed JSON: expected a token name");
    }
    int limit = idSpaceLimit(texts.size());
    if (maxId >= limit) {
      int at = ids.indexOf(maxId);
      throw spec.error(
          "model.vocab." + texts.get(at),
          "token id "
              + maxId
              + " is far beyond the "
              + texts.size()
              + " entries of the vocabulary (ids must stay below "
              + limit
              + ")");
    }
    String[] tokens = new String[maxId + 1];
    for (int i = 0; i < texts.size(); i++) {
      tokens[ids.get(i)] = texts.get(i);
    }
    return tokens;
  }

  /**
   * How large the id space of {@code entries} tokens may be: real files number their tokens
   * densely, sometimes leaving room for added tokens.
   */
  static int idSpaceLimit(int entries) {
    return (int) Math.min(MAX_TOKEN_ID, 2L * entries + 65536);
  }

  /**
   * Reads one {@code "token": id} entry (a method of its own for the JIT, see {@link #readMerges});
   * returns the id.
   */
  private int readVocabEntry(String token, TokenIndex vocab, List<String> texts, IntList ids)
      throws IOException {
    // nextIntValue is Jackson's fast path for "name": int, the shape of every entry.
    in.nextIntValue(0);
    JsonToken value = in.currentToken();
    if (value != JsonToken.VALUE_NUMBER_INT || in.getNumberType() != JsonParser.NumberType.INT) {
      throw spec.error(
          "model.vocab." + token,
          "expected an integer id but found "
              + (value == JsonToken.VALUE_NUMBER_INT
                  ? "the number " + in.getText()
                  : describe(value)));
    }
    int id = in.getIntValue();
    if (id < 0 || id >= MAX_TOKEN_ID) {
      throw spec.error(
          "model.vocab." + token,
          "token id " + id + (id < 0 ? " is negative" : " is beyond the limit of " + MAX_TOKEN_ID));
    }
    if (vocab.put(token, id) >= 0) {
      throw spec.error("model.vocab." + token, "duplicate key '" + token + "'");
    }
    texts.add(token);
    ids.add(id);
    return id;
  }

  /**
   * Merges come as {@code "a b"} strings (older files) or {@code ["a", "b"]} pairs (newer). The
   * loop only calls {@link #readMerge}: a fresh JVM compiles a method after a few hundred calls but
   * a long loop only after tens of thousands of iterations, so the work lives in the callee.
   */
  private MergeTable readMerges(JsonParser p, TokenIndex vocab, String[] tokens, int prefixLength)
      throws IOException {
    IntList lefts = new IntList(1 << 16);
    IntList rights = new IntList(1 << 16);
    IntList merged = new IntList(1 << 16);
    int[] ids = {-1, -1, -1};
    for (int rank = 0; p.nextToken() != JsonToken.END_ARRAY; rank++) {
      readMerge(p, rank, vocab, tokens, prefixLength, ids);
      lefts.add(ids[0]);
      rights.add(ids[1]);
      merged.add(ids[2]);
    }
    MergeTable table = new MergeTable(lefts.size());
    for (int rank = 0; rank < lefts.size(); rank++) {
      table.put(lefts.get(rank), rights.get(rank), rank, merged.get(rank));
    }
    return table;
  }

  /**
   * Resolves one merge rule to {@code ids = {left, right, merged}}; {@code ids[2]} holds the
   * previous merged id.
   */
  private void readMerge(
      JsonParser p, int rank, TokenIndex vocab, String[] tokens, int prefixLength, int[] ids)
      throws IOException {
    int leftEnd;
    int rightStart;
    int rightEnd;
    JsonToken at = p.currentToken();
    if (at == JsonToken.VALUE_STRING) {
      int length = decode(p, 0);
      leftEnd = singleSpace(chars, length, rank);
      rightStart = leftEnd + 1;
      rightEnd = length;
    } else if (at == JsonToken.START_ARRAY) {
      leftEnd = pairPart(p, 0, rank);
      rightStart = leftEnd;
      rightEnd = pairPart(p, leftEnd, rank);
      if (p.nextToken() != JsonToken.END_ARRAY) {
        throw spec.error(field(rank), "expected a pair of two token strings");
      }
    } else {
      throw spec.error(field(rank), "expected \"a b\" or [\"a\", \"b\"] but found " + describe(at));
    }
    char[] c = chars;
    int leftId = vocab.get(c, 0, leftEnd);
    int rightId = vocab.get(c, rightStart, rightEnd);
    if (leftId < 0 || rightId < 0) {
      String missing =
          leftId < 0 ? new String(c, 0, leftEnd) : new String(c, rightStart, rightEnd - rightStart);
      throw spec.error(
          field(rank),
          "merge '"
              + text(0, leftEnd, rightStart, rightEnd)
              + "' uses token '"
              + missing
              + "' which is not in model.vocab");
    }
    // HF drops the continuing-subword prefix from the right half: "a" + "##b" -> "ab".
    int mergedFrom =
        prefixLength > 0 && rightEnd - rightStart >= prefixLength
            ? rightStart + prefixLength
            : rightStart;
    int mergedId = guessMerged(tokens, ids[2], c, leftEnd, mergedFrom, rightEnd);
    if (mergedId < 0) mergedId = vocab.get(c, 0, leftEnd, mergedFrom, rightEnd);
    if (mergedId < 0) {
      throw spec.error(
          field(rank),
          "merge '"
              + text(0, leftEnd, rightStart, rightEnd)
              + "' produces '"
              + new String(c, 0, leftEnd)
              + new String(c, mergedFrom, rightEnd - mergedFrom)
              + "' which is not in model.vocab");
    }
    ids[0] = leftId;
    ids[1] = rightId;
    ids[2] = mergedId;
  }

  /** Copies the string at the parser into {@link #chars} from {@code offset}; returns its end. */
  private int decode(JsonParser p, int offset) throws IOException {
    int length = p.getTextLength();
    if (offset + length > chars.length) {
      chars = Arrays.copyOf(chars, Math.max(chars.length * 2, offset + length));
    }
    System.arraycopy(p.getTextCharacters(), p.getTextOffset(), chars, offset, length);
    return offset + length;
  }

  /**
   * Files converted from tiktoken (Llama 3, Qwen) number merged tokens in merge order, so the
   * merged id is usually the previous one or the next; checking those two texts (adjacent in
   * memory) is exact and avoids a random hash-table access for most of the 280k rules.
   */
  private static int guessMerged(
      String[] tokens, int last, char[] c, int leftEnd, int rightFrom, int rightEnd) {
    for (int guess = last; guess <= last + 1; guess++) {
      if (guess >= 0
          && guess < tokens.length
          && tokens[guess] != null
          && isConcatenation(tokens[guess], c, leftEnd, rightFrom, rightEnd)) {
        return guess;
      }
    }
    return -1;
  }

  private static boolean isConcatenation(
      String token, char[] c, int leftEnd, int rightFrom, int rightEnd) {
    if (token.length() != leftEnd + (rightEnd - rightFrom)) return false;
    for (int i = 0; i < leftEnd; i++) {
      if (token.charAt(i) != c[i]) return false;
    }
    for (int i = rightFrom, j = leftEnd; i < rightEnd; i++, j++) {
      if (token.charAt(j) != c[i]) return false;
    }
    return true;
  }

  /** Position of the one space separating the halves of an {@code "a b"} merge. */
  private int singleSpace(char[] c, int length, int rank) {
    int space = -1;
    for (int i = 0; i < length; i++) {
      if (c[i] != ' ') continue;
      if (space >= 0) {
        space = -1;
        break;
      }
      space = i;
    }
    if (space < 0) {
      throw spec.error(
          field(rank),
          "expected two tokens separated by one space but found '"
              + new String(c, 0, length)
              + "'");
    }
    return space;
  }

  /** One string of an {@code ["a", "b"]} pair, decoded at {@code offset}; returns its end. */
  private int pairPart(JsonParser p, int offset, int rank) throws IOException {
    if (p.nextToken() != JsonToken.VALUE_STRING) {
      throw spec.error(field(rank), "expected a pair of two token strings");
    }
    return decode(p, offset);
  }

  private String text(int leftFrom, int leftEnd, int rightFrom, int rightEnd) {
    return new String(chars, leftFrom, leftEnd - leftFrom)
        + " "
        + new String(chars, rightFrom, rightEnd - rightFrom);
  }

  private static String field(int rank) {
    return "model.merges[" + rank + "]";
  }

  /** What kind of value starts with {@code token}, for messages. */
  static String describe(JsonToken token) {
    if (token == null) return "the end of the file";
    return switch (token) {
      case VALUE_STRING -> "a string";
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      default -> token.asString() == null ? token.name() : "'" + token.asString() + "'";
    };
  }
}
