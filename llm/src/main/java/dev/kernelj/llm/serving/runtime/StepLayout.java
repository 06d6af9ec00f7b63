package dev.kernelj.llm.serving.runtime;

import dev.kernelj.llm.model.MixedBatch;
import dev.kernelj.llm.serving.sched.ScheduledBatch;
import dev.kernelj.llm.serving.sched.Sequence;

/**
 * Lays a scheduler step out as a mixed step: entries of one token as decode rows first, then the
 * prefill chunks, in entry order within each; remembers which logit row each sampling entry got and
 * which entry each logit row belongs to. Reused from step to step; allocates nothing.
 */
final class StepLayout {
  /** The entry's logit row, or -1 when it samples nothing this step. */
  final int[] logitRowOf;

  /** The entry of each logit row. */
  final int[] entryOfRow;

  int logitRows;

  StepLayout(int maxSequences) {
    logitRowOf = new int[maxSequences];
    entryOfRow = new int[maxSequences];
  }

  void fill(ScheduledBatch step, MixedBatch b) {
    logitRows = 0;
    for (int e = 0; e < step.size(); e++) {
      if (step.count(e) == 1) {
        Sequence s = step.sequence(e);
        int start = step.start(e);
        record(
            e, b.addDecode(s.token(start), start, s.blockArray(), s.blockCount(), step.samples(e)));
      }
    }
    for (int e = 0; e < step.size(); e++) {
      if (step.count(e) > 1) {
        Sequence s = step.sequence(e);
        record(
            e,
            b.addChunk(
                s.tokenArray(),
                step.start(e),
                step.count(e),
                s.blockArray(),
                s.blockCount(),
                step.samples(e)));
      }
    }
  }

  private void record(int entry, int row) {
    logitRowOf[entry] = row;
    if (row >= 0) {
      entryOfRow[row] = entry;
      logitRows++;
    }
  }
}
