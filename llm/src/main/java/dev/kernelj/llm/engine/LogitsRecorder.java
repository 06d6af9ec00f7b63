package dev.kernelj.llm.engine;

import dev.kernelj.llm.model.BlockTable;
import dev.kernelj.llm.model.PagedKvCache;
import java.util.List;

/**
 * Runs a prompt and greedy decode steps through the generation path (the sampler draws the greedy
 * ids where the logits are), keeping every row of logits (for {@code kernelj logits} and parity
 * checks).
 */
final class LogitsRecorder {
  private final Generator generator;
  private final PagedKvCache cache;
  private final int vocab;

  LogitsRecorder(Generator generator, PagedKvCache cache, int vocab) {
    this.generator = generator;
    this.cache = cache;
    this.vocab = vocab;
  }

  /**
   * @param request a greedy request whose stop conditions allow {@code steps + 1} tokens
   */
  LogitsTrace record(GenerationRequest request, int steps) {
    int[] ids = request.promptIds();
    BlockTable table = cache.newSequence();
    try {
      table.reserve(ids.length + steps);
      SequenceState s = new SequenceState(0, request, table, null);
      float[] rows = new float[(ids.length + steps) * vocab];
      int[] greedy = new int[steps + 1];
      greedy[0] = generator.prefill(s, ids, rows);
      for (int step = 0; step < steps; step++) {
        s.accept(greedy[step]);
        greedy[step + 1] = generator.decodeStep(List.of(s))[0];
        float[] row = generator.lastDecodeLogits(1);
        System.arraycopy(row, 0, rows, (ids.length + step) * vocab, vocab);
      }
      return new LogitsTrace(vocab, rows, greedy);
    } finally {
      table.release();
    }
  }
}
