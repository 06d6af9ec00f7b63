package dev.kernelj.llm.serving.runtime;

import dev.kernelj.llm.model.MixedBatch;
import dev.kernelj.llm.serving.sched.ScheduledBatch;
import dev.kernelj.llm.serving.sched.Sequence;

/**
 * Lays a scheduler step out as a mixed step: decode rows first ({@link ScheduledBatch#isDecodeRow}:
 * one generated token), then the prefill chunks (prompt tokens, one or more), in entry order within
 * each; remembers which logit rows each entry got (one when it samples, one per position when it is
 * scored) and which entry each logit row belongs to. Reused from step to step; allocates nothing.
 */
final class StepLayout {
  /** The entry's first logit row, or -1 when it gets none this step. */
  final int[] logitRowOf;

  /** The entry of each logit row. */
  final int[] entryOfRow;

  int logitRows;

  /**
   * @param maxRows the most logit rows of a step (the scheduler's {@code maxNumSeqs}, also the most
   *     entries)
   */
  StepLayout(int maxRows) {
    logitRowOf = new int[maxRows];
    entryOfRow = new int[maxRows];
  }

  void fill(ScheduledBatch step, MixedBatch b) {
    logitRows = 0;
    for (int e = 0; e < step.size(); e++) {
      if (step.isDecodeRow(e)) {
        Sequence s = step.sequence(e);
        int start = step.start(e);
        boolean logits = step.samples(e) || step.scored(e);
        record(e, b.addDecode(s.token(start), start, s.blockArray(), s.blockCount(), logits), 1);
      }
    }
    for (int e = 0; e < step.size(); e++) {
      if (!step.isDecodeRow(e)) {
        Sequence s = step.sequence(e);
        int[] all = s.tokenArray();
        int start = step.start(e);
        int count = step.count(e);
        if (step.scored(e)) {
          record(e, b.addScoredChunk(all, start, count, s.blockArray(), s.blockCount()), count);
        } else {
          record(
              e, b.addChunk(all, start, count, s.blockArray(), s.blockCount(), step.samples(e)), 1);
        }
      }
    }
  }

  private void record(int entry, int firstRow, int rows) {
    logitRowOf[entry] = firstRow;
    if (firstRow >= 0) {
      for (int r = firstRow; r < firstRow + rows; r++) {
        entryOfRow[r] = entry;
      }
      logitRows += rows;
    }
  }
}
