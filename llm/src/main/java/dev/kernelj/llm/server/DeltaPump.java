package dev.kernelj.llm.server;

import dev.kernelj.llm.serving.RequestHandle;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A few threads that read the deltas of every request in flight and write their chunks ({@link
 * ChoiceRun#pump}), and one that watches their clients ({@link ChoiceRun#watch}), so that a step's
 * tokens wake a few threads rather than one handler thread per request. With a thread per stream,
 * every step of 256 streams woke 256 threads, each to write one chunk and park again: on the GPU
 * host that burst competed with the scheduler thread for cores and stretched a 4 ms step of the 1B
 * model to 5.7 ms over HTTP (HttpOverheadBench shows the same on a CPU). The engine announces new
 * deltas through {@link RequestHandle#onDeltas}; a run is queued on its thread at most once until
 * that thread has read it.
 */
final class DeltaPump implements AutoCloseable {
  /**
   * Pump threads: one per four cores, at most four (a 16-core host writes a 1B model's 60,000
   * chunks a second with a core to spare), at least one.
   */
  static int defaultThreads() {
    return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 4));
  }

  /** How often the watch thread looks for clients that left ({@link ChoiceRun#watch}). */
  static final long WATCH_MILLIS = 100;

  private final Worker[] workers;
  private final AtomicInteger next = new AtomicInteger();
  private final Set<ChoiceRun> runs = ConcurrentHashMap.newKeySet();
  private final Thread watch;

  DeltaPump(int threads) {
    workers = new Worker[threads];
    for (int i = 0; i < threads; i++) {
      workers[i] = new Worker("kernelj-stream-" + i);
    }
    // One thread looks at every request's client, instead of each handler thread waking for its
    // own ten times a second (5,000 wake-ups a second at 500 requests).
    watch = new Thread(this::watchLoop, "kernelj-stream-watch");
    watch.setDaemon(true);
    watch.start();
  }

  /** Reads {@code run}'s deltas on one of the threads, and watches its client, from now on. */
  void register(ChoiceRun run, Iterable<RequestHandle> handles) {
    runs.add(run);
    Worker w = workers[Math.floorMod(next.getAndIncrement(), workers.length)];
    for (RequestHandle h : handles) {
      h.onDeltas(() -> w.ready(run));
    }
  }

  /** Stops watching {@code run}'s client. */
  void unregister(ChoiceRun run) {
    runs.remove(run);
  }

  private void watchLoop() {
    try {
      while (true) {
        Thread.sleep(WATCH_MILLIS);
        for (ChoiceRun run : runs) {
          run.watch();
        }
      }
    } catch (InterruptedException e) {
      // closed
    }
  }

  @Override
  public void close() {
    watch.interrupt();
    for (Worker w : workers) {
      w.thread.interrupt();
    }
  }

  private static final class Worker {
    final Thread thread;
    final ConcurrentLinkedQueue<ChoiceRun> ready = new ConcurrentLinkedQueue<>();
    final EventEncoder encoder = new EventEncoder();
    volatile boolean parked;

    Worker(String name) {
      thread = new Thread(this::loop, name);
      thread.setDaemon(true);
      thread.start();
    }

    /** Queues {@code run} unless it is queued already (any thread; cheap, never blocks). */
    void ready(ChoiceRun run) {
      if (run.queued.compareAndSet(false, true)) {
        ready.add(run);
        if (parked) { // unpark is a system call when the thread sleeps: skip it when it runs
          LockSupport.unpark(thread);
        }
      }
    }

    private void loop() {
      while (!Thread.currentThread().isInterrupted()) {
        ChoiceRun run = ready.poll();
        if (run == null) {
          parked = true;
          if (ready.isEmpty()) { // looked at after publishing parked: see ready()
            LockSupport.park(this);
          }
          parked = false;
          continue;
        }
        run.queued.set(false); // deltas from now on queue it again
        run.pump(encoder);
      }
    }
  }
}
