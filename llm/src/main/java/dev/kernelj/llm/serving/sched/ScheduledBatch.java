package dev.kernelj.llm.serving.sched;

/**
 * One scheduler step: which sequences run and how many of their tokens, as parallel arrays reused
 * from step to step. Entry {@code e} feeds tokens {@code start(e) .. start(e) + count(e) - 1} of
 * {@link #sequence(int) sequence(e)}; when that reaches the sequence's last known token the step
 * also samples its next token ({@link #samples}). A prefill chunk has several tokens, a decode row
 * one. A {@link #scored} entry (a request that asked for prompt logprobs) gets logits at every
 * position it feeds; any other at most one row, when it samples.
 */
public final class ScheduledBatch {
  private final Sequence[] sequences;
  private final int[] starts;
  private final int[] counts;
  private final boolean[] samples;
  private final boolean[] scored;
  private int size;
  private int tokens;
  private int logitRows;

  ScheduledBatch(int maxSequences) {
    sequences = new Sequence[maxSequences];
    starts = new int[maxSequences];
    counts = new int[maxSequences];
    samples = new boolean[maxSequences];
    scored = new boolean[maxSequences];
  }

  void clear() {
    java.util.Arrays.fill(sequences, 0, size, null);
    size = 0;
    tokens = 0;
    logitRows = 0;
  }

  void add(Sequence s, int count) {
    sequences[size] = s;
    starts[size] = s.computed();
    counts[size] = count;
    samples[size] = s.computed() + count == s.length();
    scored[size] = s.scoring();
    logitRows += rows(size);
    size++;
    tokens += count;
  }

  /** Logit rows entry {@code e} needs: one per position when scored, else one if it samples. */
  public int rows(int entry) {
    return scored[entry] ? counts[entry] : samples[entry] ? 1 : 0;
  }

  /** Logit rows of the whole step. */
  public int logitRows() {
    return logitRows;
  }

  /** Whether every position of the entry gets logits (its prompt's logprobs). */
  public boolean scored(int entry) {
    return scored[entry];
  }

  /** Entries (sequences) of this step. */
  public int size() {
    return size;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  /** Tokens fed in this step, all entries together. */
  public int tokens() {
    return tokens;
  }

  public Sequence sequence(int entry) {
    return sequences[entry];
  }

  /** Position of the entry's first token. */
  public int start(int entry) {
    return starts[entry];
  }

  public int count(int entry) {
    return counts[entry];
  }

  /** Whether the entry's next token is sampled in this step. */
  public boolean samples(int entry) {
    return samples[entry];
  }

  /**
   * Whether the entry is a decode row: one token that the model generated (not a prompt token),
   * computed by decode attention over the paged cache. A prompt token always goes through a prefill
   * chunk, even alone (the last one after a prefix-cache hit, a prompt of one token): a prompt's
   * K/V and first logits then have the same bits however it was cut or cached, which batch
   * invariance needs, because the two attention kernels sum in different orders.
   */
  public boolean isDecodeRow(int entry) {
    return counts[entry] == 1 && starts[entry] >= sequences[entry].promptLength();
  }

  /** Whether every entry is a decode row that samples: a pure decode step. */
  public boolean isDecodeOnly() {
    for (int e = 0; e < size; e++) {
      if (!isDecodeRow(e) || !samples[e]) {
        return false;
      }
    }
    return size > 0;
  }
}
