package dev.kernelj.llm.testing;

import static org.junit.jupiter.api.Assertions.fail;

import dev.kernelj.llm.util.ModelFormatException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs fuzz cases on a watchdog thread: a case may succeed or throw {@link ModelFormatException};
 * any other throwable, or a batch that takes longer than {@link #BATCH_TIMEOUT_SECONDS}, fails the
 * test with the input that caused it.
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

  /** One fuzz input: describes itself for failure messages and runs the code under test. */
  public interface Case {
    void run();

    String describe();
  }

  /** Runs {@code batch} (each case once), failing on an unexpected throwable or a hang. */
  public void runBatch(Iterable<Case> batch) {
    Future<?> future =
        worker.submit(
            () -> {
              for (Case c : batch) {
                cases.incrementAndGet();
                try {
                  c.run();
                } catch (ModelFormatException expected) {
                  rejected.incrementAndGet();
                } catch (Throwable unexpected) {
                  throw new AssertionError(
                      "unexpected " + unexpected + " for input: " + c.describe(), unexpected);
                }
              }
              return null;
            });
    try {
      future.get(BATCH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      fail("fuzz batch did not finish within " + BATCH_TIMEOUT_SECONDS + " s: a hang");
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

  /** Cases run so far. */
  public long cases() {
    return cases.get();
  }

  /** Cases that ended in a {@link ModelFormatException}. */
  public long rejected() {
    return rejected.get();
  }
}
