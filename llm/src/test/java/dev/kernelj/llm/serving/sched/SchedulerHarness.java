package dev.kernelj.llm.serving.sched;

import dev.kernelj.llm.engine.SamplingSettings;
import dev.kernelj.llm.serving.kv.BlockHasher;
import dev.kernelj.llm.serving.kv.BlockPool;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Drives a {@link Scheduler} and a {@link PagedTokenModel} step by step through a schedule of
 * arrivals and cancellations, checking the pool's invariants and the step limits after every step.
 */
final class SchedulerHarness {
  /**
   * One request of a schedule: when it arrives, what it asks (with its prompt's logprobs when
   * {@code promptLogprobs >= 0}), when (if ever) it is cancelled.
   */
  record Arrival(int step, int[] prompt, int maxTokens, int promptLogprobs, int cancelStep) {}

  final BlockPool pool;
  final Scheduler scheduler;
  final PagedTokenModel model;
  final int maxNumSeqs;
  final int budget;
  final List<Sequence> sequences = new ArrayList<>();
  final List<boolean[]> scored = new ArrayList<>(); // per sequence: prompt positions scored
  int steps;
  boolean chunked;
  boolean scoredInChunks;

  SchedulerHarness(
      int numBlocks, int blockSize, int maxNumSeqs, int budget, boolean caching, int maxLen) {
    this.pool = new BlockPool(numBlocks, blockSize);
    this.scheduler =
        new Scheduler(pool, new BlockHasher(blockSize, 42), maxNumSeqs, budget, caching, maxLen);
    this.model = new PagedTokenModel(pool);
    this.maxNumSeqs = maxNumSeqs;
    this.budget = budget;
  }

  /** Runs {@code arrivals} to the end; returns each request's output (cut short if cancelled). */
  List<int[]> run(List<Arrival> arrivals) {
    StepResult result = new StepResult(maxNumSeqs);
    for (Arrival a : arrivals) {
      sequences.add(
          new Sequence(
              "r" + sequences.size(),
              a.prompt(),
              a.maxTokens(),
              SamplingSettings.greedy(),
              -1,
              a.promptLogprobs(),
              a));
      scored.add(new boolean[a.prompt().length]);
    }
    int lastArrival = arrivals.stream().mapToInt(Arrival::step).max().orElse(0);
    for (int step = 0; step <= lastArrival || scheduler.hasWork(); step++) {
      if (step > 100_000) {
        throw new AssertionError("no progress after 100000 steps: " + scheduler.runningCount());
      }
      for (int i = 0; i < arrivals.size(); i++) {
        Sequence s = sequences.get(i);
        if (arrivals.get(i).step() == step) {
          s.keyPrompt(new BlockHasher(pool.blockSize(), 42));
          scheduler.add(s);
        }
        if (arrivals.get(i).cancelStep() == step && arrivals.get(i).step() <= step) {
          scheduler.finish(s);
        }
      }
      if (scheduler.hasWork()) {
        runStep(result);
      }
      scheduler.checkInvariants();
    }
    if (pool.usedCount() != 0) {
      throw new AssertionError("blocks still held after every request ended: " + pool);
    }

    List<int[]> outputs = new ArrayList<>();
    for (Sequence s : sequences) {
      outputs.add(Arrays.copyOfRange(s.tokenArray(), s.promptLength(), s.length()));
    }
    return outputs;
  }

  private void runStep(StepResult result) {
    ScheduledBatch step = scheduler.schedule();
    if (step.isEmpty() || step.tokens() > budget || step.size() > maxNumSeqs) {
      throw new AssertionError(
          "step of " + step.size() + " sequences and " + step.tokens() + " tokens");
    }
    int rows = 0;
    for (int e = 0; e < step.size(); e++) {
      chunked |= !step.samples(e);
      rows += step.rows(e);
      checkScored(step, e);
    }
    if (rows != step.logitRows() || rows > maxNumSeqs) {
      throw new AssertionError(rows + " logit rows, the step says " + step.logitRows());
    }
    for (int e = 0; e < step.size(); e++) {
      Sequence s = step.sequence(e);
      if (step.samples(e) && s.generated() == 0 && s.promptLogprobs() >= 0) {
        boolean[] marks = scored.get(sequences.indexOf(s));
        for (int p = 0; p + 1 < s.promptLength(); p++) {
          if (!marks[p]) {
            throw new AssertionError(s + " samples first without logits at prompt position " + p);
          }
        }
      }
    }
    executeAndCommit(scheduler, model, step, result);
    steps++;
  }

  /**
   * Runs {@code step} on {@code model}, commits its tokens and finishes the sequences that reached
   * their maximum, as the engine's step driver does.
   */
  static void executeAndCommit(
      Scheduler scheduler, PagedTokenModel model, ScheduledBatch step, StepResult result) {
    model.execute(step, result);
    scheduler.commit(step, result.tokens);
    for (int e = 0; e < step.size(); e++) {
      Sequence s = step.sequence(e);
      if (step.samples(e) && s.generated() == s.maxTokens()) {
        scheduler.finish(s);
      }
    }
  }

  /** A scored entry covers prompt positions from its start; a scored prompt is never cached. */
  private void checkScored(ScheduledBatch step, int e) {
    Sequence s = step.sequence(e);
    boolean[] marks = scored.get(sequences.indexOf(s));
    if (s.promptLogprobs() >= 0 && s.cachedPromptTokens() != 0) {
      throw new AssertionError(s + " took its scored prompt from the cache");
    }
    if (!step.scored(e)) {
      if (s.promptLogprobs() >= 0 && step.start(e) < s.promptLength() - 1) {
        throw new AssertionError(s + " feeds prompt positions unscored");
      }
      return;
    }
    scoredInChunks |= step.count(e) < s.promptLength() - 1;
    int end = Math.min(step.start(e) + step.count(e), marks.length);
    for (int p = step.start(e); p < end; p++) {
      marks[p] = true;
    }
  }
}
