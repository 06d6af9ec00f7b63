package dev.kernelj.llm.serving.sched;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.engine.SamplingSettings;
import dev.kernelj.llm.serving.kv.BlockHasher;
import dev.kernelj.llm.serving.kv.BlockPool;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Which entries of a step are decode rows: only a generated token fed alone. A prompt token is a
 * prefill chunk even when it is the only one left, after a prefix-cache hit or in a one-token
 * prompt, so that a prompt is computed by the same attention kernel however it was cached or cut.
 */
class DecodeRowTest {
  private static final int BLOCK = 16;

  private final BlockPool pool = new BlockPool(64, BLOCK);
  private final Scheduler scheduler =
      new Scheduler(pool, new BlockHasher(BLOCK, 42), 8, 64, true, 256);
  private final PagedTokenModel model = new PagedTokenModel(pool);
  private final StepResult result = new StepResult(8);

  @Test
  void theLastPromptTokenAfterAPrefixHitIsAChunkAndGeneratedTokensAreDecodeRows() {
    int[] prompt = IntStream.range(0, BLOCK + 1).map(i -> 7 + i).toArray();
    Sequence cold = add(prompt, 3);
    ScheduledBatch first = step();
    assertEquals(BLOCK + 1, first.count(0), "the cold prompt in one chunk");
    assertFalse(first.isDecodeRow(0));
    ScheduledBatch next = step();
    assertTrue(next.isDecodeRow(0), "a generated token");
    assertTrue(next.isDecodeOnly());
    runToEnd(cold);

    add(prompt, 3);
    ScheduledBatch hit = step();
    assertEquals(BLOCK, hit.start(0), "the first block came from the prefix cache");
    assertEquals(1, hit.count(0));
    assertFalse(hit.isDecodeRow(0), "one prompt token left: still a prefill chunk");
    assertFalse(hit.isDecodeOnly());
  }

  @Test
  void aOneTokenPromptIsAChunk() {
    add(new int[] {5}, 2);
    ScheduledBatch first = step();
    assertEquals(1, first.count(0));
    assertFalse(first.isDecodeRow(0));
    assertFalse(first.isDecodeOnly());
    assertTrue(step().isDecodeOnly());
  }

  private Sequence add(int[] prompt, int maxTokens) {
    Sequence s = new Sequence("r", prompt, maxTokens, SamplingSettings.greedy(), -1, -1, null);
    s.keyPrompt(new BlockHasher(BLOCK, 42));
    scheduler.add(s);
    return s;
  }

  /** Schedules, runs and commits one step; returns what was scheduled. */
  private ScheduledBatch step() {
    ScheduledBatch step = scheduler.schedule();
    SchedulerHarness.executeAndCommit(scheduler, model, step, result);
    return step;
  }

  private void runToEnd(Sequence s) {
    while (s.generated() < s.maxTokens()) {
      step();
    }
  }
}
