package dev.kernelj.llm.serving.runtime;

import dev.kernelj.llm.engine.EngineException;
import dev.kernelj.llm.engine.SampledTokens;
import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.Delta;
import dev.kernelj.llm.serving.ServingStats;
import dev.kernelj.llm.serving.kv.BlockPool;
import dev.kernelj.llm.serving.sched.ScheduledBatch;
import dev.kernelj.llm.serving.sched.Scheduler;
import dev.kernelj.llm.serving.sched.SchedulerCounters;
import dev.kernelj.llm.serving.sched.Sequence;
import dev.kernelj.llm.serving.sched.StepExecutor;
import dev.kernelj.llm.serving.sched.StepResult;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One step of the scheduler thread, start to end: form it, run it, record what it computed, and
 * give each sampled request its token (a delta, or its last delta and completion); also cancels and
 * fails requests, and keeps the counters {@link #stats} reports. A step that throws fails the
 * requests in it, not the engine. Scheduler thread only, except {@link #stats}.
 */
final class StepDriver {
  private final Scheduler scheduler;
  private final StepExecutor executor;
  private final StepResult result;
  private final int vocabSize;
  private final Set<RequestState> live = new LinkedHashSet<>();
  private final DeltaWakeups wakeups;
  // This step's handles, woken together after it: those given their first token first.
  private final List<ServingHandle> firstTokens = new ArrayList<>();
  private final List<ServingHandle> pushed = new ArrayList<>();
  private long stepNanos;
  private long hostNanos;
  private int peakUsed;
  private final AtomicInteger queued;
  private volatile ServingStats snapshot;

  /**
   * @param queued requests submitted that have neither started nor ended (the engine's bound on
   *     waiting requests); decremented here when one is first scheduled or ends before that
   */
  StepDriver(
      Scheduler scheduler,
      StepExecutor executor,
      int maxNumSeqs,
      int vocabSize,
      AtomicInteger queued,
      DeltaWakeups wakeups) {
    this.scheduler = scheduler;
    this.wakeups = wakeups;
    this.queued = queued;
    this.executor = executor;
    this.result = new StepResult(maxNumSeqs);
    this.vocabSize = vocabSize;
    publish();
  }

  void add(RequestState r) {
    live.add(r);
    scheduler.add(r.sequence);
    if (r.cancelled) {
      cancel(r); // cancelled before the scheduler thread took it in
    }
    publish();
  }

  /**
   * Ends {@code r} as cancelled unless it has ended; its blocks go back now. A request not taken in
   * yet is ended as soon as it is.
   */
  void cancel(RequestState r) {
    r.cancelled = true;
    if (!live.contains(r)) {
      return;
    }
    end(r, r.output.cancel(System.nanoTime()), false);
    publish();
  }

  void step() {
    long start = System.nanoTime();
    ScheduledBatch step = scheduler.schedule();
    if (step.isEmpty()) {
      throw new IllegalStateException(
          "no step formed with "
              + scheduler.runningCount()
              + " running and "
              + scheduler.waitingCount()
              + " waiting in "
              + scheduler.pool());
    }
    for (int e = 0; e < step.size(); e++) {
      started(RequestState.of(step.sequence(e)));
    }
    result.clear(step.size());
    try {
      executor.execute(step, result);
    } catch (RuntimeException e) {
      EngineException error = new EngineException("a step failed: " + e.getMessage(), e);
      List<RequestState> failed = new ArrayList<>();
      for (int i = 0; i < step.size(); i++) {
        failed.add(RequestState.of(step.sequence(i)));
      }
      failed.forEach(r -> fail(r, error));
      account(start);
      return;
    }
    scheduler.commit(step, result.tokens);
    long now = System.nanoTime();
    for (int e = 0; e < step.size(); e++) {
      RequestState r = RequestState.of(step.sequence(e));
      if (result.promptLogprobs[e] != null) {
        r.output.acceptPromptLogprobs(step.start(e) + 1, result.promptLogprobs[e]);
      }
      if (step.samples(e)) {
        deliver(r, result.tokens[e], e, now);
      }
    }
    firstTokens.addAll(pushed);
    wakeups.wake(firstTokens);
    firstTokens.clear();
    pushed.clear();
    account(start);
  }

  private void deliver(RequestState r, int token, int entry, long now) {
    if (token < 0 || token >= vocabSize) { // the sampler marked the row, or worse
      String where = "request " + r.handle.id() + ", token " + r.sequence.generated();
      fail(r, new EngineException(SampledTokens.problem(token, vocabSize, where)));
      return;
    }
    boolean first = r.firstTokenNanos == 0;
    if (first) {
      r.firstTokenNanos = now;
    }
    Delta d = r.output.accept(token, result.logprobs[entry], now);
    if (d.finishReason() != null) {
      end(r, d, true);
    } else {
      r.handle.push(d);
    }
    // Woken with the step's others, off this thread. Running sequences come first in a step and
    // the ones it admitted last, so in step order a burst's first tokens would be written after
    // every stream's next token; a first token is the latency a client waits on.
    (first ? firstTokens : pushed).add(r.handle);
  }

  private void account(long start) {
    long took = System.nanoTime() - start;
    stepNanos += took;
    hostNanos += Math.max(0, took - result.deviceNanos);
    peakUsed = Math.max(peakUsed, scheduler.pool().usedCount());
    publish();
  }

  /** Counts {@code r} out of the waiting requests the first time it runs or ends. */
  private void started(RequestState r) {
    if (!r.started) {
      r.started = true;
      queued.decrementAndGet();
    }
  }

  /**
   * Ends {@code r} with {@code last}; within a step its reader is woken with the step's others,
   * else at once.
   */
  private void end(RequestState r, Delta last, boolean inStep) {
    started(r);
    scheduler.finish(r.sequence);
    live.remove(r);
    publish(); // a caller that has its completion sees it counted out of the stats
    Sequence s = r.sequence;
    Completion done =
        r.output.completion(
            s.cachedPromptTokens(), r.arrivalNanos, r.firstTokenNanos, last.nanoTime());
    if (inStep) {
      r.handle.finishInStep(last, done);
    } else {
      r.handle.finish(last, done);
    }
  }

  private void fail(RequestState r, RuntimeException error) {
    started(r);
    scheduler.finish(r.sequence);
    live.remove(r);
    publish();
    r.handle.fail(error);
  }

  /** Cancels every request still running or waiting (shutdown after its grace). */
  void cancelAll() {
    for (RequestState r : List.copyOf(live)) {
      cancel(r);
    }
  }

  /** Fails every request still running or waiting (the scheduler thread is dying). */
  void failAll(RuntimeException error) {
    for (RequestState r : List.copyOf(live)) {
      try {
        fail(r, error);
      } catch (RuntimeException ignored) {
        r.handle.fail(error); // the scheduler's state may be what broke
      }
    }
  }

  ServingStats stats() {
    return snapshot;
  }

  private void publish() {
    BlockPool pool = scheduler.pool();
    SchedulerCounters c = scheduler.counters();
    snapshot =
        new ServingStats(
            scheduler.runningCount(),
            scheduler.waitingCount(),
            pool.usedCount(),
            pool.cachedFreeCount(),
            pool.numBlocks(),
            pool.blockSize(),
            c.prefixQueries,
            c.prefixHits,
            c.promptTokens,
            c.generationTokens,
            c.preemptions,
            c.finished,
            c.steps,
            stepNanos,
            hostNanos,
            Math.max(peakUsed, pool.usedCount()));
  }
}
