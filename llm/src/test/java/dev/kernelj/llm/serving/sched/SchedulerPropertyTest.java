package dev.kernelj.llm.serving.sched;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;

/**
 * Random schedules of arrivals, prompt lengths, shared prefixes, prompts scored for their logprobs,
 * cancellations, pool sizes, budgets and batch caps: the pool's invariants hold after every step, a
 * step's logit rows stay within the batch cap, every scored prompt position gets logits before its
 * request samples, every block comes back, and every request that was not cancelled gets exactly
 * the tokens it gets alone (so chunking, prefix hits and preemption lose nothing and mix nothing
 * up).
 */
class SchedulerPropertyTest {
  private static final int MAX_LEN = 40;

  @Property(tries = 400)
  @StatisticsReport(onFailureOnly = true)
  void everyScheduleKeepsThePoolSoundAndEachOutputItsOwn(
      @ForAll @IntRange(min = 1, max = 6) int blockSize,
      @ForAll @IntRange(min = 0, max = 16) int spareBlocks,
      @ForAll @IntRange(min = 1, max = 6) int maxNumSeqs,
      @ForAll @IntRange(min = 1, max = 48) int budget,
      @ForAll boolean caching,
      @ForAll @IntRange(min = 1, max = 12) int requests,
      @ForAll long seed) {
    int numBlocks = (MAX_LEN + blockSize - 1) / blockSize + spareBlocks;
    Random random = new Random(seed);
    int[][] systemPrompts = {tokens(random, 0), tokens(random, 7), tokens(random, 13)};
    List<SchedulerHarness.Arrival> arrivals = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      int[] prefix = systemPrompts[random.nextInt(systemPrompts.length)];
      int[] prompt = concat(prefix, tokens(random, 1 + random.nextInt(12)));
      int maxTokens = 1 + random.nextInt(MAX_LEN - prompt.length);
      int arrival = random.nextInt(20);
      int cancel = random.nextInt(4) == 0 ? arrival + random.nextInt(15) : -1;
      int promptLogprobs = random.nextInt(4) == 0 ? random.nextInt(3) : -1;
      arrivals.add(
          new SchedulerHarness.Arrival(arrival, prompt, maxTokens, promptLogprobs, cancel));
    }
    SchedulerHarness harness =
        new SchedulerHarness(numBlocks, blockSize, maxNumSeqs, budget, caching, MAX_LEN);
    List<int[]> outputs = harness.run(arrivals);
    SchedulerCounters c = harness.scheduler.counters();
    Statistics.label("preempted").collect(c.preemptions > 0);
    Statistics.label("prefix hits").collect(c.prefixHits > 0);
    Statistics.label("chunked").collect(harness.chunked);
    Statistics.label("prompts scored in chunks").collect(harness.scoredInChunks);
    // The schedules must keep exercising what they are here to check.
    for (String label :
        new String[] {"preempted", "prefix hits", "chunked", "prompts scored in chunks"}) {
      Statistics.label(label).coverage(c2 -> c2.check(true).percentage(p -> p > 10));
    }
    for (int i = 0; i < requests; i++) {
      SchedulerHarness.Arrival a = arrivals.get(i);
      int[] expected = PagedTokenModel.expected(a.prompt(), a.maxTokens());
      int[] got = outputs.get(i);
      if (a.cancelStep() >= 0 && got.length < expected.length) {
        expected = java.util.Arrays.copyOf(expected, got.length); // cancelled: a prefix of it
      }
      assertArrayEquals(expected, got, "request " + i);
    }
  }

  static int[] tokens(Random random, int n) {
    return random.ints(n, 0, PagedTokenModel.VOCAB).toArray();
  }

  static int[] concat(int[] a, int[] b) {
    int[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
