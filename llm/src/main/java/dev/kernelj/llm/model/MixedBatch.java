package dev.kernelj.llm.model;

/**
 * The host side of one mixed step (continuous batching): decode rows of one token each, then
 * prefill chunks of several tokens, each row with its token, position and cache slot, and each
 * sequence with its block-table row, context length and (if it is sampled) the row its logits come
 * from. Everything goes up in one I32 block, laid out for this step's T rows and S sequences:
 *
 * <pre>
 * ids [T] | positions [T] | slots [T] | blockTables [S, width] | contextLens [S] | logitRows [L]
 * </pre>
 *
 * L, the rows that get logits, is one per sampled sequence, plus every row of a {@linkplain
 * #addScoredChunk scored chunk}; at most the {@code maxSequences} rows the logits hold.
 *
 * <p>The offsets move with T and S; a decode step padded to a bucket ({@link #addPadding}) has
 * exactly the layout of {@link StepBuffers#forDecode}'s inputs ahead of {@code logitRows}. Reused
 * from step to step: {@link #begin}, add rows, {@link #finish}; allocates nothing.
 */
public final class MixedBatch {
  private final int maxTokens;
  private final int maxSequences;
  private final int width;
  private final int blockSize;
  private final int[] packed;
  private final int[] chunkFirstRow;
  private final int[] chunkRows;
  private final int[] chunkContext;
  private int tokens;
  private int sequences;
  private int rows;
  private int decodeRows;
  private int chunks;
  private int logitRows;

  /**
   * @param width block-table entries per sequence (blocks of the longest sequence)
   */
  public MixedBatch(int maxTokens, int maxSequences, int width, int blockSize) {
    this.maxTokens = maxTokens;
    this.maxSequences = maxSequences;
    this.width = width;
    this.blockSize = blockSize;
    this.packed = new int[capacityWords(maxTokens, maxSequences, width)];
    this.chunkFirstRow = new int[maxSequences];
    this.chunkRows = new int[maxSequences];
    this.chunkContext = new int[maxSequences];
  }

  /** I32 words the packed inputs of a step of {@code tokens} rows and {@code sequences} take. */
  public static int capacityWords(int tokens, int sequences, int width) {
    return 3 * tokens + sequences * (width + 2);
  }

  /** Starts a step of {@code tokens} rows for {@code sequences} sequences. */
  public void begin(int tokens, int sequences) {
    if (tokens < 1
        || tokens > maxTokens
        || sequences < 1
        || sequences > Math.min(tokens, maxSequences)) {
      throw new IllegalArgumentException(
          "a step of "
              + tokens
              + " tokens for "
              + sequences
              + " sequences; this batch takes 1 to "
              + maxTokens
              + " tokens and 1 to "
              + maxSequences
              + " sequences, at most one per token");
    }
    this.tokens = tokens;
    this.sequences = sequences;
    rows = 0;
    decodeRows = 0;
    chunks = 0;
    logitRows = 0;
  }

  /**
   * A sequence feeding one token at {@code position} (its context is then {@code position + 1}
   * tokens); returns its logit row, or -1 without {@code logits}.
   */
  public int addDecode(int token, int position, int[] blocks, int blockCount, boolean logits) {
    if (chunks > 0) {
      throw new IllegalStateException("decode rows come before prefill chunks");
    }
    int row = rows;
    putRow(token, position, blocks);
    putSequence(decodeRows, blocks, blockCount, position + 1, logits ? row : -1);
    decodeRows++;
    return logits ? logitRows++ : -1;
  }

  /** A decode row that writes nowhere (slot -1) and attends to one cache row of block 0. */
  public void addPadding() {
    if (chunks > 0) {
      throw new IllegalStateException("padding rows belong to decode steps");
    }
    int row = take(1);
    packed[row] = 0;
    packed[tokens + row] = 0;
    packed[2 * tokens + row] = -1;
    int seq = decodeRows++;
    packed[tablesAt() + seq * width] = 0;
    packed[lensAt() + seq] = 1;
  }

  /**
   * A sequence feeding {@code all[from, from + count)} at positions {@code from ..}: a prefill
   * chunk attending to its {@code from} cached tokens and to itself. Returns the logit row of its
   * last token, or -1 without {@code logits}.
   */
  public int addChunk(
      int[] all, int from, int count, int[] blocks, int blockCount, boolean logits) {
    if (count < 1) {
      throw new IllegalArgumentException("a chunk needs at least one token, got " + count);
    }
    int first = rows;
    for (int i = 0; i < count; i++) {
      putRow(all[from + i], from + i, blocks);
    }
    int context = from + count;
    int seq = decodeRows + chunks;
    putSequence(seq, blocks, blockCount, context, logits ? first + count - 1 : -1);
    chunkFirstRow[chunks] = first;
    chunkRows[chunks] = count;
    chunkContext[chunks] = context;
    chunks++;
    return logits ? logitRows++ : -1;
  }

  /**
   * A prefill chunk like {@link #addChunk} whose every row gets logits (a request that asked for
   * its prompt's logprobs): row {@code i}'s logits predict {@code all[from + i + 1]}. Returns the
   * logit row of its first token; the others follow it.
   */
  public int addScoredChunk(int[] all, int from, int count, int[] blocks, int blockCount) {
    if (logitRows + count > maxSequences) {
      throw new IllegalStateException(
          "a scored chunk of "
              + count
              + " rows after "
              + logitRows
              + " logit rows; the logits hold "
              + maxSequences);
    }
    int first = rows;
    int firstLogitRow = logitRows;
    addChunk(all, from, count, blocks, blockCount, false);
    for (int i = 0; i < count; i++) {
      packed[logitsAt() + logitRows++] = first + i;
    }
    return firstLogitRow;
  }

  /** Checks that every row and sequence {@link #begin} announced was added. */
  public void finish() {
    if (rows != tokens || decodeRows + chunks != sequences) {
      throw new IllegalStateException(
          "step announced "
              + tokens
              + " rows and "
              + sequences
              + " sequences but got "
              + rows
              + " and "
              + (decodeRows + chunks));
    }
  }

  private void putRow(int token, int position, int[] blocks) {
    int row = take(1);
    int block = position / blockSize;
    packed[row] = token;
    packed[tokens + row] = position;
    packed[2 * tokens + row] = blocks[block] * blockSize + position % blockSize;
  }

  private void putSequence(int seq, int[] blocks, int blockCount, int context, int logitRow) {
    if (seq >= sequences) {
      throw new IllegalStateException("more sequences than the " + sequences + " announced");
    }
    int needed = (context + blockSize - 1) / blockSize;
    if (needed > blockCount || needed > width) {
      throw new IllegalArgumentException(
          "a context of "
              + context
              + " tokens needs "
              + needed
              + " blocks; the sequence has "
              + blockCount
              + " and a table row holds "
              + width);
    }
    System.arraycopy(blocks, 0, packed, tablesAt() + seq * width, needed);
    packed[lensAt() + seq] = context;
    if (logitRow >= 0) {
      if (logitRows == maxSequences) {
        throw new IllegalStateException(
            "more logit rows than the " + maxSequences + " logits hold");
      }
      packed[logitsAt() + logitRows] = logitRow;
    }
  }

  private int take(int n) {
    if (rows + n > tokens) {
      throw new IllegalStateException("more rows than the " + tokens + " announced");
    }
    int at = rows;
    rows += n;
    return at;
  }

  // ---------------------------------------------------------------- layout

  public int tokens() {
    return tokens;
  }

  public int sequences() {
    return sequences;
  }

  /** Sequences of one token, rows {@code 0 .. decodeRows - 1}. */
  public int decodeRows() {
    return decodeRows;
  }

  public int chunks() {
    return chunks;
  }

  public int chunkFirstRow(int chunk) {
    return chunkFirstRow[chunk];
  }

  public int chunkRows(int chunk) {
    return chunkRows[chunk];
  }

  /** Tokens the chunk's sequence has in the cache once the chunk is written. */
  public int chunkContext(int chunk) {
    return chunkContext[chunk];
  }

  /** The chunk's row in the block tables and context lengths. */
  public int chunkSequence(int chunk) {
    return decodeRows + chunk;
  }

  /**
   * Rows whose logits the step computes (sampled sequences, scored chunks), in the order they were
   * added.
   */
  public int logitRows() {
    return logitRows;
  }

  public int width() {
    return width;
  }

  public int blockSize() {
    return blockSize;
  }

  /** The packed inputs; the first {@link #packedLength} words are this step's. */
  public int[] packed() {
    return packed;
  }

  public int packedLength() {
    return logitsAt() + Math.max(sequences, logitRows);
  }

  /** Words up to and without the logit rows: what a decode bucket's inputs hold. */
  public int decodeInputLength() {
    return logitsAt();
  }

  public int positionsAt() {
    return tokens;
  }

  public int slotsAt() {
    return 2 * tokens;
  }

  public int tablesAt() {
    return 3 * tokens;
  }

  public int lensAt() {
    return tablesAt() + sequences * width;
  }

  public int logitsAt() {
    return lensAt() + sequences;
  }
}
