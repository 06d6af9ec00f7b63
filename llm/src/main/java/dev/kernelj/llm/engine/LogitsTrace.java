package dev.kernelj.llm.engine;

/**
 * Logits of a prompt and of greedy decode steps after it, as {@code kernelj logits} writes them.
 *
 * @param vocab values per row
 * @param rows row-major f32 {@code [promptTokens + steps, vocab]}: one row per prompt position,
 *     then one per decode step
 * @param greedyIds argmax of the last prompt row and of each decode row ({@code steps + 1} ids);
 *     decode step {@code i} was fed {@code greedyIds[i]}
 */
public record LogitsTrace(int vocab, float[] rows, int[] greedyIds) {
  /** Number of rows. */
  public int rowCount() {
    return rows.length / vocab;
  }
}
