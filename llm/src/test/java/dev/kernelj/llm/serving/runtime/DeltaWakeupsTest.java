package dev.kernelj.llm.serving.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.Delta;
import dev.kernelj.llm.serving.FinishReason;
import dev.kernelj.llm.serving.RequestHandle;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Deltas are queued without waking their reader and woken once per step from another thread: a
 * reader parked in a long poll still gets each token within a step, a delta queued but never woken
 * is found when the poll times out (not lost), and the last delta wakes the reader at once (within
 * a step, with the step's others). A listener stands in for a reader.
 */
class DeltaWakeupsTest {
  private static Delta token(int id) {
    return new Delta(new int[] {id}, "", List.of(), null, System.nanoTime());
  }

  private static Delta last() {
    return new Delta(new int[0], "", List.of(), FinishReason.LENGTH, System.nanoTime());
  }

  @Test
  void aWokenReaderGetsTheDeltaLongBeforeItsTimeout() throws Exception {
    ServingHandle h = new ServingHandle("r", () -> {});
    try (DeltaWakeups wakeups = new DeltaWakeups()) {
      CompletableFuture<Long> waited =
          CompletableFuture.supplyAsync(
              () -> {
                long t0 = System.nanoTime();
                try {
                  assertEquals(7, h.poll(30, TimeUnit.SECONDS).tokenIds()[0]);
                } catch (InterruptedException e) {
                  throw new AssertionError(e);
                }
                return System.nanoTime() - t0;
              });
      Thread.sleep(100); // let the reader park
      h.push(token(7));
      wakeups.wake(List.of(h));
      assertTrue(waited.get(10, TimeUnit.SECONDS) < TimeUnit.SECONDS.toNanos(5));
    }
  }

  @Test
  void aDeltaQueuedWithoutAWakeIsFoundAtTheTimeout() throws Exception {
    ServingHandle h = new ServingHandle("r", () -> {});
    CompletableFuture<Delta> got =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return h.poll(300, TimeUnit.MILLISECONDS);
              } catch (InterruptedException e) {
                throw new AssertionError(e);
              }
            });
    Thread.sleep(50);
    h.push(token(3));
    Delta d = got.get(10, TimeUnit.SECONDS);
    assertNotNull(d, "the queued delta is returned when the poll wakes up by its timeout");
    assertEquals(3, d.tokenIds()[0]);
    assertNull(h.poll(0, TimeUnit.MILLISECONDS));
  }

  @Test
  void theLastDeltaWakesTheReaderAtOnceAndEndsTheStream() throws Exception {
    ServingHandle h = new ServingHandle("r", () -> {});
    CompletableFuture<List<Delta>> read =
        CompletableFuture.supplyAsync(
            () -> {
              List<Delta> all = new ArrayList<>();
              try {
                for (Delta d; (d = h.poll(30, TimeUnit.SECONDS)) != null; ) {
                  all.add(d);
                }
              } catch (InterruptedException e) {
                throw new AssertionError(e);
              }
              return all;
            });
    Thread.sleep(100);
    h.push(token(1)); // never woken: the finish below wakes the reader for both
    h.finish(
        last(),
        new Completion(
            new int[] {1}, "", List.of(), FinishReason.LENGTH, 1, 0, 0, 0, 0, List.of()));
    List<Delta> all = read.get(5, TimeUnit.SECONDS);
    assertEquals(2, all.size());
    assertEquals(FinishReason.LENGTH, all.get(1).finishReason());
  }

  @Test
  void aListenerRunsInsteadOfAReaderForQueuedWokenAndLastDeltas() throws Exception {
    ServingHandle h = new ServingHandle("r", () -> {});
    AtomicInteger runs = new AtomicInteger();
    h.push(token(1));
    h.onDeltas(runs::incrementAndGet);
    assertEquals(1, runs.get(), "a delta queued before the listener is announced at once");
    h.push(token(2));
    h.wake();
    assertEquals(2, runs.get());
    h.finishInStep(last(), completion());
    assertEquals(2, runs.get(), "a finish within a step waits for the step's wake-up");
    h.wake();
    assertEquals(3, runs.get());
    assertEquals(1, h.poll(0, TimeUnit.SECONDS).tokenIds()[0]);
    assertEquals(2, h.poll(0, TimeUnit.SECONDS).tokenIds()[0]);
    assertEquals(FinishReason.LENGTH, h.poll(0, TimeUnit.SECONDS).finishReason());
    assertNull(h.poll(0, TimeUnit.SECONDS));

    ServingHandle ended = new ServingHandle("e", () -> {});
    ended.fail(new IllegalStateException("boom"));
    AtomicInteger told = new AtomicInteger();
    ended.onDeltas(told::incrementAndGet);
    assertEquals(1, told.get(), "a request that has ended is announced at once");
  }

  private static Completion completion() {
    return new Completion(
        new int[] {1, 2}, "", List.of(), FinishReason.LENGTH, 1, 0, 0, 0, 0, List.of());
  }

  @Test
  void streamingReadersOfTheEngineGetEveryTokenWithinAStep() throws Exception {
    // Steps of ~80 ms (20 ms a row, 4 rows); readers poll with a 30 s timeout, so a token left for
    // its reader to find would wait for the last delta's wake-up: up to 11 steps, ~900 ms.
    try (ContinuousBatchingEngine engine = StepFailureTest.engine(StepFailureTest.sleeping(20))) {
      List<RequestHandle> handles = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        handles.add(engine.submit(StepFailureTest.request(12)));
      }
      List<CompletableFuture<Long>> worst = new ArrayList<>();
      for (RequestHandle h : handles) {
        worst.add(
            CompletableFuture.supplyAsync(
                () -> {
                  long late = 0;
                  int tokens = 0;
                  try {
                    for (Delta d; (d = h.poll(30, TimeUnit.SECONDS)) != null; ) {
                      late = Math.max(late, System.nanoTime() - d.nanoTime());
                      tokens += d.tokenIds().length;
                    }
                  } catch (InterruptedException e) {
                    throw new AssertionError(e);
                  }
                  assertEquals(12, tokens);
                  return late;
                }));
      }
      for (CompletableFuture<Long> w : worst) {
        assertTrue(
            w.get(60, TimeUnit.SECONDS) < TimeUnit.MILLISECONDS.toNanos(400),
            "a token reached its reader steps after the step that made it");
      }
    }
  }

  @Test
  void aStepWakesTheReadersOfFirstTokensBeforeThoseOfLaterOnes() throws Exception {
    // A step runs the running sequences before those it admits, so in step order a burst's first
    // tokens would be written after every running stream's next one.
    try (ContinuousBatchingEngine engine = StepFailureTest.engine(StepFailureTest.sleeping(20))) {
      // (request, step time of a delta it read) in the order the wake-ups came
      List<String> order = Collections.synchronizedList(new ArrayList<>());
      RequestHandle running = engine.submit(StepFailureTest.request(40));
      listen(running, "running", order);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (order.size() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      RequestHandle admitted = engine.submit(StepFailureTest.request(3));
      listen(admitted, "admitted", order);
      admitted.completion().get(10, TimeUnit.SECONDS);
      running.cancel();
      running.completion().get(10, TimeUnit.SECONDS);

      List<String> seen = List.copyOf(order);
      String first = seen.stream().filter(e -> e.startsWith("admitted@")).findFirst().orElseThrow();
      String sameStep = "running@" + first.substring(first.indexOf('@') + 1);
      assertTrue(
          seen.contains(sameStep), "the running request had a token in that step too: " + seen);
      assertTrue(
          seen.indexOf(first) < seen.indexOf(sameStep),
          "a first token is woken after a running stream's token of the same step: " + seen);
    }
  }

  /** Records "{@code name}@{step time}" for each delta, as its wake-ups come. */
  private static void listen(RequestHandle h, String name, List<String> order) {
    h.onDeltas(
        () -> {
          try {
            for (Delta d; (d = h.poll(0, TimeUnit.SECONDS)) != null; ) {
              if (d.tokenIds().length > 0) {
                order.add(name + "@" + d.nanoTime());
              }
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
  }
}
