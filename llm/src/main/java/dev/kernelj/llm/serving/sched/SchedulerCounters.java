package dev.kernelj.llm.serving.sched;

/** What the scheduler has done, all time; written by the scheduler thread only. */
public final class SchedulerCounters {
  /** Prompt tokens looked up in the prefix cache at first admission. */
  public long prefixQueries;

  /** Of those, tokens found. */
  public long prefixHits;

  /** Tokens computed other than the previous step's sampled token (prompts and recomputation). */
  public long promptTokens;

  /** Tokens sampled. */
  public long generationTokens;

  public long preemptions;

  /** Sequences ended by {@link Scheduler#finish}. */
  public long finished;

  public long steps;
}
