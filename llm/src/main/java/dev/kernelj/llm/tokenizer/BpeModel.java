package dev.kernelj.llm.tokenizer;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE model of {@code tokenizer.json}: turns one pre-tokenized word into token ids by starting
 * from single characters (or their {@code <0xNN>} byte tokens) and repeatedly applying the
 * lowest-ranked merge, leftmost first — exactly the order HF tokenizers' heap-based loop produces.
 * Results are cached per word because natural text repeats words constantly.
 */
final class BpeModel {

  /** Options of the {@code model} section that change how words are split. */
  record Options(
      String unkToken,
      String continuingSubwordPrefix,
      String endOfWordSuffix,
      boolean fuseUnk,
      boolean byteFallback,
      boolean ignoreMerges) {}

  private static final int CACHE_LIMIT = 100_000;

  /** Longer words are rare and mostly unique (base64, long runs); caching them only churns. */
  private static final int CACHEABLE_LENGTH = 256;

  private final TokenIndex vocab;
  private final TokenTexts tokens;
  private final MergeTable merges;
  private final Options options;
  private final int unkId;
  private final int[] byteTokenIds;

  /** Id of each single-character BMP token, or -1; valid only without prefix/suffix decoration. */
  private final int[] bmpCharIds;

  private final boolean plainChars;
  private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

  /**
   * @param vocab token text to id
   * @param tokens token text by id
   * @param merges the merge rules, resolved to ids
   */
  BpeModel(TokenIndex vocab, TokenTexts tokens, MergeTable merges, Options options, JsonSpec spec) {
    this.vocab = vocab;
    this.tokens = tokens;
    this.merges = merges;
    this.options = options;
    unkId = resolveUnk(options.unkToken(), spec);
    byteTokenIds = new int[256];
    for (int b = 0; b < 256; b++) {
      byteTokenIds[b] = vocab.get(byteTokenText(b));
    }
    plainChars = isEmpty(options.continuingSubwordPrefix()) && isEmpty(options.endOfWordSuffix());
    bmpCharIds = new int[0x10000];
    Arrays.fill(bmpCharIds, -1);
    vocab.forEachSingleChar((c, id) -> bmpCharIds[c] = id);
  }

  /**
   * SentencePiece's name of a byte token, {@code <0x0A>}; built by hand because String.format is
   * slow to load.
   */
  private static String byteTokenText(int b) {
    String hex = "0123456789ABCDEF";
    return "<0x" + hex.charAt(b >> 4) + hex.charAt(b & 0xF) + ">";
  }

  private int resolveUnk(String unk, JsonSpec spec) {
    if (unk == null) {
      return -1;
    }
    int id = vocab.get(unk);
    if (id < 0) {
      throw spec.error("model.unk_token", "unknown token '" + unk + "' is not in model.vocab");
    }
    return id;
  }

  private static boolean isEmpty(String s) {
    return s == null || s.isEmpty();
  }

  /** Number of ids in the model vocabulary (highest id + 1). */
  int size() {
    return tokens.size();
  }

  /** Token text of a model id, or null when the id is not in the model vocabulary. */
  String token(int id) {
    return tokens.get(id);
  }

  /** Id of a token text, or null. */
  Integer id(String token) {
    int id = vocab.get(token);
    return id < 0 ? null : id;
  }

  /** Appends the ids of one pre-tokenized word. */
  void tokenize(String word, IntList out) {
    if (word.isEmpty()) {
      return;
    }
    if (options.ignoreMerges()) {
      int whole = vocab.get(word);
      if (whole >= 0) {
        out.add(whole);
        return;
      }
    }
    int[] cached = cache.get(word);
    if (cached == null) {
      cached = mergeWord(word);
      if (word.length() <= CACHEABLE_LENGTH) {
        if (cache.size() >= CACHE_LIMIT) {
          cache.clear();
        }
        cache.put(word, cached);
      }
    }
    out.addAll(cached);
  }

  private int[] mergeWord(String word) {
    IntList symbols = new IntList(word.length());
    int pendingUnk = -1;
    for (int i = 0; i < word.length(); ) {
      int cp = word.codePointAt(i);
      int next = i + Character.charCount(cp);
      int id = charId(word, i, next);
      if (id >= 0) {
        if (pendingUnk >= 0) {
          symbols.add(pendingUnk);
          pendingUnk = -1;
        }
        symbols.add(id);
      } else if (!addByteFallback(decorated(word, i, next), symbols) && unkId >= 0) {
        if (pendingUnk >= 0 && !options.fuseUnk()) {
          symbols.add(pendingUnk);
        }
        pendingUnk = unkId;
      }
      i = next;
    }
    if (pendingUnk >= 0) {
      symbols.add(pendingUnk);
    }
    return applyMerges(symbols.toArray());
  }

  private int charId(String word, int start, int end) {
    if (plainChars && end == start + 1) {
      return bmpCharIds[word.charAt(start)];
    }
    return vocab.get(decorated(word, start, end));
  }

  /**
   * The character at [start, end) with the continuing-subword prefix and end-of-word suffix HF
   * adds.
   */
  private String decorated(String word, int start, int end) {
    String s = word.substring(start, end);
    if (start > 0 && !isEmpty(options.continuingSubwordPrefix()))
      s = options.continuingSubwordPrefix() + s;
    if (end == word.length() && !isEmpty(options.endOfWordSuffix()))
      s = s + options.endOfWordSuffix();
    return s;
  }

  private boolean addByteFallback(String piece, IntList symbols) {
    if (!options.byteFallback()) {
      return false;
    }
    byte[] bytes = piece.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (byte b : bytes) {
      if (byteTokenIds[b & 0xFF] < 0) return false;
    }
    for (byte b : bytes) {
      symbols.add(byteTokenIds[b & 0xFF]);
    }
    return true;
  }

  /** Merges the lowest-ranked adjacent pair (leftmost on ties) until no rule applies. */
  private int[] applyMerges(int[] ids) {
    int n = ids.length;
    if (n < 2) {
      return ids;
    }
    int[] prev = new int[n];
    int[] next = new int[n];
    for (int i = 0; i < n; i++) {
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
    }
    LongMinHeap queue = new LongMinHeap(n);
    for (int i = 0; i + 1 < n; i++) {
      enqueue(queue, ids, i, i + 1);
    }
    int alive = n;
    while (!queue.isEmpty()) {
      long top = queue.poll();
      int pos = (int) top;
      int rank = (int) (top >>> 32);
      int right = next[pos];
      if (ids[pos] < 0 || right < 0) continue;
      int slot = merges.find(ids[pos], ids[right]);
      if (slot < 0 || merges.rank(slot) != rank) continue;
      ids[pos] = merges.mergedId(slot);
      ids[right] = -1;
      alive--;
      int after = next[right];
      next[pos] = after;
      if (after >= 0) prev[after] = pos;
      if (prev[pos] >= 0) enqueue(queue, ids, prev[pos], pos);
      if (after >= 0) enqueue(queue, ids, pos, after);
    }
    int[] result = new int[alive];
    for (int i = 0, k = 0; i >= 0; i = next[i]) {
      result[k++] = ids[i];
    }
    return result;
  }

  private void enqueue(LongMinHeap queue, int[] ids, int left, int right) {
    int slot = merges.find(ids[left], ids[right]);
    if (slot >= 0) {
      queue.add(((long) merges.rank(slot) << 32) | left);
    }
  }
}
