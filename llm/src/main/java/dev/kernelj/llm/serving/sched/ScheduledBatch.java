package dev.kernelj.llm.serving.sched;

/**
 * One scheduler step: which sequences run and how many of their tokens, as parallel arrays reused
 * from step to step. Entry {@code e} feeds tokens {@code start(e) .. start(e) + count(e) - 1} of
 * {@link #sequence(int) sequence(e)}; when that reaches the sequence's last known token the step
 * also samples its next token ({@link #samples}). A prefill chunk has several tokens, a decode row
 * one.
 */
public final class ScheduledBatch {
  private final Sequence[] sequences;
  private final int[] starts;
  private final int[] counts;
  private final boolean[] samples;
  private int size;
  private int tokens;

  ScheduledBatch(int maxSequences) {
    sequences = new Sequence[maxSequences];
    starts = new int[maxSequences];
    counts = new int[maxSequences];
    samples = new boolean[maxSequences];
  }

  void clear() {
    java.util.Arrays.fill(sequences, 0, size, null);
    size = 0;
    tokens = 0;
  }

  void add(Sequence s, int count) {
    sequences[size] = s;
    starts[size] = s.computed();
    counts[size] = count;
    samples[size] = s.computed() + count == s.length();
    size++;
    tokens += count;
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

  /** Whether every entry feeds one token and samples: a pure decode step. */
  public boolean isDecodeOnly() {
    for (int e = 0; e < size; e++) {
      if (counts[e] != 1 || !samples[e]) {
        return false;
      }
    }
    return size > 0;
  }
}
