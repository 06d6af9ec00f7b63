package dev.kernelj.llm.tokenizer;

import java.util.Arrays;

/**
 * Reads the {@code model} section of {@code tokenizer.json} (the BPE vocabulary and merge rules, 9
 * MB for Llama 3) in one pass over the file's bytes: each vocabulary entry becomes one {@code
 * String}, and each merge rule is resolved to a pair of ids and a merged id directly from the
 * reader's decode buffer, without splitting or concatenating strings.
 */
final class ModelSectionReader {

  private final JsonCursor in;
  private final JsonSpec spec;

  private ModelSectionReader(JsonCursor in, JsonSpec spec) {
    this.in = in;
    this.spec = spec;
  }

  /** Reads the object at the cursor. */
  static BpeTables read(JsonCursor in, JsonSpec spec) {
    return new ModelSectionReader(in, spec).read();
  }

  private BpeTables read() {
    if (in.peek("model") != '{') {
      throw spec.error(
          "model", "expected an object but found " + JsonCursor.describe(in.peek("model")));
    }
    in.expect('{', "model");
    String type = null;
    TokenIndex vocab = null;
    String[] tokens = null;
    int mergesAt = -1;
    MergeTable merges = null;
    boolean prefixSeen = false;
    String unk = null;
    String prefix = null;
    String suffix = null;
    boolean fuseUnk = false;
    boolean byteFallback = false;
    boolean ignoreMerges = false;
    for (boolean first = true; in.hasNext('}', first, "model"); first = false) {
      String name = in.name("model");
      String field = "model." + name;
      switch (name) {
        case "type" -> type = in.nullableString(field);
        case "vocab" -> {
          vocab = new TokenIndex(1 << 17);
          tokens = readVocab(vocab);
        }
        case "merges" -> {
          // HF writes the prefix and the vocabulary first: then the merges are resolved as they are
          // read.
          expectMergesArray();
          if (vocab != null && prefixSeen) {
            merges = readMerges(vocab, tokens, prefixLength(prefix));
          } else {
            mergesAt = in.skipValue("model.merges");
          }
        }
        case "unk_token" -> unk = in.nullableString(field);
        case "continuing_subword_prefix" -> {
          prefix = in.nullableString(field);
          prefixSeen = true;
        }
        case "end_of_word_suffix" -> suffix = in.nullableString(field);
        case "fuse_unk" -> fuseUnk = in.nullableBool(field);
        case "byte_fallback" -> byteFallback = in.nullableBool(field);
        case "ignore_merges" -> ignoreMerges = in.nullableBool(field);
        default -> in.skipValue(field);
      }
    }
    if (type != null && !type.equals("BPE")) {
      throw spec.error("model.type", "unsupported model '" + type + "' (supported: BPE)");
    }
    if (vocab == null) {
      throw spec.error("model.vocab", "missing: a BPE model needs a vocabulary");
    }
    BpeModel.Options options =
        new BpeModel.Options(unk, prefix, suffix, fuseUnk, byteFallback, ignoreMerges);
    if (merges == null && mergesAt >= 0) {
      // The merges came before the vocabulary (or the prefix they need): resolve them now.
      int end = in.position();
      in.seek(mergesAt);
      merges = readMerges(vocab, tokens, prefixLength(prefix));
      in.seek(end);
    }
    return new BpeTables(
        vocab, TokenTexts.of(tokens), merges == null ? new MergeTable(0) : merges, options);
  }

  private static int prefixLength(String prefix) {
    return prefix == null ? 0 : prefix.length();
  }

  /** Reads {@code model.vocab} into {@code vocab}; returns the token text by id. */
  private String[] readVocab(TokenIndex vocab) {
    if (in.peek("model.vocab") != '{') {
      throw spec.error(
          "model.vocab",
          "expected an object of token to id but found "
              + JsonCursor.describe(in.peek("model.vocab")));
    }
    in.expect('{', "model.vocab");
    String[][] tokens = {new String[1 << 17]};
    int maxId = -1;
    for (boolean first = true; in.hasNext('}', first, "model.vocab"); first = false) {
      maxId = Math.max(maxId, readVocabEntry(vocab, tokens));
    }
    return Arrays.copyOf(tokens[0], maxId + 1);
  }

  /**
   * Reads one {@code "token": id} entry (a method of its own for the JIT, see {@link #readMerges});
   * returns the id.
   */
  private int readVocabEntry(TokenIndex vocab, String[][] tokensHolder) {
    String token = in.name("model.vocab");
    int id = in.intValue("model.vocab", token);
    if (id < 0) {
      throw spec.error("model.vocab." + token, "token id " + id + " is negative");
    }
    String[] tokens = tokensHolder[0];
    if (id >= tokens.length)
      tokens = tokensHolder[0] = Arrays.copyOf(tokens, Math.max(id + 1, tokens.length * 2));
    int replaced = vocab.put(token, id);
    if (replaced >= 0 && token.equals(tokens[replaced])) tokens[replaced] = null;
    tokens[id] = token;
    return id;
  }

  private void expectMergesArray() {
    if (in.peek("model.merges") != '[') {
      throw spec.error(
          "model.merges",
          "expected an array but found " + JsonCursor.describe(in.peek("model.merges")));
    }
  }

  /**
   * Merges come as {@code "a b"} strings (older files) or {@code ["a", "b"]} pairs (newer). The
   * loop only calls {@link #readMerge}: a fresh JVM compiles a method after a few hundred calls but
   * a long loop only after tens of thousands of iterations, so the work lives in the callee.
   */
  private MergeTable readMerges(TokenIndex vocab, String[] tokens, int prefixLength) {
    IntList lefts = new IntList(1 << 16);
    IntList rights = new IntList(1 << 16);
    IntList merged = new IntList(1 << 16);
    int[] ids = {-1, -1, -1};
    in.expect('[', "model.merges");
    for (int rank = 0; in.hasNext(']', rank == 0, "model.merges"); rank++) {
      readMerge(rank, vocab, tokens, prefixLength, ids);
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
  private void readMerge(int rank, TokenIndex vocab, String[] tokens, int prefixLength, int[] ids) {
    int leftEnd;
    int rightStart;
    int rightEnd;
    char at = in.peek("model.merges");
    if (at == '"') {
      int length = in.readString(0, "model.merges", "");
      leftEnd = singleSpace(in.chars, length, rank);
      rightStart = leftEnd + 1;
      rightEnd = length;
    } else if (at == '[') {
      in.expect('[', "model.merges");
      leftEnd = pairPart(0, rank, true);
      rightStart = leftEnd;
      rightEnd = pairPart(leftEnd, rank, false);
      if (in.hasNext(']', false, "model.merges")) {
        throw spec.error(field(rank), "expected a pair of two token strings");
      }
    } else {
      throw spec.error(
          field(rank), "expected \"a b\" or [\"a\", \"b\"] but found " + JsonCursor.describe(at));
    }
    char[] c = in.chars;
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
  private int pairPart(int offset, int rank, boolean first) {
    if (!in.hasNext(']', first, "model.merges") || in.peek("model.merges") != '"') {
      throw spec.error(field(rank), "expected a pair of two token strings");
    }
    return in.readString(offset, "model.merges", "");
  }

  private String text(int leftFrom, int leftEnd, int rightFrom, int rightEnd) {
    char[] c = in.chars;
    return new String(c, leftFrom, leftEnd - leftFrom)
        + " "
        + new String(c, rightFrom, rightEnd - rightFrom);
  }

  private static String field(int rank) {
    return "model.merges[" + rank + "]";
  }
}
