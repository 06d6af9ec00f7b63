package dev.kernelj.llm.tokenizer;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE model of {@code tokenizer.json}: turns one pre-tokenized word into token ids by
 * starting from single characters (or their {@code <0xNN>} byte tokens) and repeatedly applying
 * the lowest-ranked merge, leftmost first — exactly the order HF tokenizers' heap-based loop
 * produces. Results are cached per word because natural text repeats words constantly.
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

    private final Map<String, Integer> vocab;
    private final String[] tokens;
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
     * @param mergeLefts left halves of the merges, in rank order
     * @param mergeRights right halves of the merges, in rank order
     */
    BpeModel(Map<String, Integer> vocab, List<String> mergeLefts, List<String> mergeRights,
             Options options, JsonSpec spec) {
        this.vocab = vocab;
        this.options = options;
        int maxId = -1;
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            if (e.getValue() < 0) {
                throw spec.error("model.vocab." + e.getKey(), "token id " + e.getValue() + " is negative");
            }
            maxId = Math.max(maxId, e.getValue());
        }
        tokens = new String[maxId + 1];
        vocab.forEach((text, id) -> tokens[id] = text);

        unkId = resolveUnk(options.unkToken(), spec);
        byteTokenIds = new int[256];
        for (int b = 0; b < 256; b++) {
            byteTokenIds[b] = vocab.getOrDefault(String.format("<0x%02X>", b), -1);
        }
        plainChars = isEmpty(options.continuingSubwordPrefix()) && isEmpty(options.endOfWordSuffix());
        bmpCharIds = new int[0x10000];
        Arrays.fill(bmpCharIds, -1);
        vocab.forEach((text, id) -> {
            if (text.length() == 1) bmpCharIds[text.charAt(0)] = id;
        });
        merges = buildMerges(mergeLefts, mergeRights, spec);
    }

    private int resolveUnk(String unk, JsonSpec spec) {
        if (unk == null) {
            return -1;
        }
        Integer id = vocab.get(unk);
        if (id == null) {
            throw spec.error("model.unk_token", "unknown token '" + unk + "' is not in model.vocab");
        }
        return id;
    }

    private MergeTable buildMerges(List<String> lefts, List<String> rights, JsonSpec spec) {
        MergeTable table = new MergeTable(lefts.size());
        int prefixLength = isEmpty(options.continuingSubwordPrefix()) ? 0 : options.continuingSubwordPrefix().length();
        for (int rank = 0; rank < lefts.size(); rank++) {
            String left = lefts.get(rank);
            String right = rights.get(rank);
            Integer leftId = vocab.get(left);
            Integer rightId = vocab.get(right);
            String field = "model.merges[" + rank + "]";
            if (leftId == null || rightId == null) {
                throw spec.error(field, "merge '" + left + " " + right + "' uses token '"
                        + (leftId == null ? left : right) + "' which is not in model.vocab");
            }
            String merged = left + (prefixLength > 0 && right.length() >= prefixLength ? right.substring(prefixLength) : right);
            Integer mergedId = vocab.get(merged);
            if (mergedId == null) {
                throw spec.error(field, "merge '" + left + " " + right + "' produces '" + merged
                        + "' which is not in model.vocab");
            }
            table.put(leftId, rightId, rank, mergedId);
        }
        return table;
    }

    private static boolean isEmpty(String s) {
        return s == null || s.isEmpty();
    }

    /** Number of ids in the model vocabulary (highest id + 1). */
    int size() {
        return tokens.length;
    }

    /** Token text of a model id, or null when the id is not in the model vocabulary. */
    String token(int id) {
        return id >= 0 && id < tokens.length ? tokens[id] : null;
    }

    /** Id of a token text, or null. */
    Integer id(String token) {
        return vocab.get(token);
    }

    /** Appends the ids of one pre-tokenized word. */
    void tokenize(String word, IntList out) {
        if (word.isEmpty()) {
            return;
        }
        if (options.ignoreMerges()) {
            Integer whole = vocab.get(word);
            if (whole != null) {
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
        Integer id = vocab.get(decorated(word, start, end));
        return id == null ? -1 : id;
    }

    /** The character at [start, end) with the continuing-subword prefix and end-of-word suffix HF adds. */
    private String decorated(String word, int start, int end) {
        String s = word.substring(start, end);
        if (start > 0 && !isEmpty(options.continuingSubwordPrefix())) s = options.continuingSubwordPrefix() + s;
        if (end == word.length() && !isEmpty(options.endOfWordSuffix())) s = s + options.endOfWordSuffix();
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
