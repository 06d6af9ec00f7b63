package dev.kernelj.llm.testing;

import static org.junit.jupiter.api.Assertions.fail;

import dev.kernelj.llm.util.ModelFormatException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs fuzz cases on a watchdog thread: a case may succeed or throw one of the expected error types
 * ({@link ModelFormatException} unless told otherwise); any other throwable, or a batch that takes
 * longer than {@link #BATCH_TIMEOUT_SECONDS}, fails the test with the input that caused it.
 */
public final class FuzzHarness {
  /** Far above the microseconds a batch takes: only a hang gets near it. */
  public static final int BATCH_TIMEOUT_SECONDS = 20;

  private final ExecutorService worker =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread thread = new Thread(r, "fuzz-worker");
            thread.setDaemon(true);
            return thread;
          });
  private final AtomicLong cases = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final List<Class<? extends RuntimeException>> expected;
  private final AtomicReference<Case> running = new AtomicReference<>();

  /** A harness for readers whose one error type is {@link ModelFormatException}. */
  public FuzzHarness() {
    this(List.of(ModelFormatException.class));
  }

  /** A harness accepting any of {@code expected} as a clean rejection. */
  public FuzzHarness(List<Class<? extends RuntimeException>> expected) {
    this.expected = List.copyOf(expected);
  }

  /** One fuzz input: describes itself for failure messages and runs the code under test. */
  public interface Case {
    void run();

    String describe();

    /** A case running {@code body}, described by {@code input} (cut to 4,000 characters). */
    static Case of(Runnable body, String input) {
      return new Case() {
        @Override
        public void run() {
          body.run();
        }

        @Override
        public String describe() {
          return input.length() > 4000 ? input.substring(0, 4000) + "..." : input;
        }
      };
    }
  }

  /** Runs {@code batch} (each case once), failing on an unexpected throwable or a hang. */
  public void runBatch(Iterable<Case> batch) {
    Future<?> future =
        worker.submit(
            () -> {
              for (Case c : batch) {
                cases.incrementAndGet();
                running.set(c);
                try {
                  c.run();
                } catch (Throwable thrown) {
                  if (expected.stream().noneMatch(type -> type.isInstance(thrown))) {
                    throw new AssertionError(
                        "unexpected " + thrown + " for input: " + c.describe(), thrown);
                  }
                  rejected.incrementAndGet();
                }
              }
              return null;
            });
    try {
      future.get(BATCH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      Case stuck = running.get();
      fail(
          "fuzz batch did not finish within "
              + BATCH_TIMEOUT_SECONDS
              + " s: a hang, running input: "
              + (stuck == null ? "?" : stuck.describe()));
    } catch (ExecutionException e) {
      if (e.getCause() instanceof AssertionError assertion) {
        throw assertion;
      }
      throw new AssertionError(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail("interrupted");
    }
  }

  /**
   * Checks, after all tries, that at least {@code minCases} ran and that some but not all of them
   * were rejected (more than {@code minRejectedShare} of them): otherwise the mutator is broken.
   */
  public void assertEnoughRan(long minCases, double minRejectedShare) {
    org.junit.jupiter.api.Assertions.assertTrue(cases() >= minCases, "ran " + cases() + " cases");
    org.junit.jupiter.api.Assertions.assertTrue(
        rejected() > cases() * minRejectedShare && rejected() < cases(),
        "rejected " + rejected() + " of " + cases());
  }

  /** Cases run so far. */
  public long cases() {
    return cases.get();
  }

  /** Cases that ended in one of the expected errors. */
  public long rejected() {
    return rejected.get();
  }
}
