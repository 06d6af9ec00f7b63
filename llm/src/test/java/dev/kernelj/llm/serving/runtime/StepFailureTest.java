package dev.kernelj.llm.serving.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.engine.EngineException;
import dev.kernelj.llm.engine.SamplingSettings;
import dev.kernelj.llm.serving.RequestHandle;
import dev.kernelj.llm.serving.ServeRequest;
import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.serving.sched.ScheduledBatch;
import dev.kernelj.llm.serving.sched.StepExecutor;
import dev.kernelj.llm.serving.sched.StepResult;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A step that throws fails the requests in it, and a sampled id outside the vocabulary fails its
 * request; the others go on, the engine keeps serving, and every block comes back. A cancel that
 * races its own submission still ends the request.
 */
class StepFailureTest {
  /** Samples {@code token.applyAsInt(step)} for every row; throws at step {@code failAt}. */
  static final class Scripted implements StepExecutor {
    final int failAt;
    final IntUnaryOperator token;
    int steps;

    Scripted(int failAt, IntUnaryOperator token) {
      this.failAt = failAt;
      this.token = token;
    }

    @Override
    public void execute(ScheduledBatch step, StepResult result) {
      if (steps++ == failAt) {
        throw new IllegalStateException("device lost");
      }
      for (int e = 0; e < step.size(); e++) {
        result.tokens[e] = token.applyAsInt(steps);
      }
    }

    @Override
    public void close() {}
  }

  /** Samples token 5 for every row, sleeping {@code millis} a row first. */
  static Scripted sleeping(long millis) {
    return new Scripted(
        -1,
        step -> {
          try {
            Thread.sleep(millis);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return 5;
        });
  }

  static ContinuousBatchingEngine engine(StepExecutor executor) {
    ServingOptions options = ServingOptions.builder().maxNumSeqs(4).build();
    ServedModel model = new ServedModel(100, Set.of(), null, 64, 32, 4, "scripted");
    return new ContinuousBatchingEngine(executor, model, null, options);
  }

  static ServeRequest request(int tokens) {
    return new ServeRequest(
        null,
        new int[] {1, 2, 3},
        SamplingSettings.greedy(),
        tokens,
        List.of(),
        Set.of(),
        true,
        -1);
  }

  @Test
  void aFailedStepFailsItsRequestsAndTheEngineGoesOn() throws Exception {
    try (ContinuousBatchingEngine e = engine(new Scripted(3, step -> 7))) {
      RequestHandle a = e.submit(request(10));
      ExecutionException failed =
          org.junit.jupiter.api.Assertions.assertThrows(
              ExecutionException.class, () -> a.completion().get(10, TimeUnit.SECONDS));
      assertInstanceOf(EngineException.class, failed.getCause());
      assertTrue(failed.getCause().getMessage().contains("device lost"), failed.getMessage());
      // The deltas made before the failure, then null at once.
      int tokens = 0;
      while (a.poll(0, TimeUnit.SECONDS) != null) {
        tokens++;
      }
      assertEquals(3, tokens); // steps 0, 1 and 2 ran; step 3 failed
      assertNull(a.poll(1, TimeUnit.HOURS));
      Served next = Served.drain(e.submit(request(5)));
      assertEquals(5, next.tokens().length);
      assertEquals(0, ContinuousBatchingTest.awaitIdle(e).kvBlocksUsed());
      e.scheduler().checkInvariants();
    }
  }

  @Test
  void aCancelRightAfterSubmitIsNeverLost() throws Exception {
    // One millisecond a step: a request of 60 tokens cannot finish before its cancel is seen.
    try (ContinuousBatchingEngine e = engine(sleeping(1))) {
      for (int i = 0; i < 100; i++) {
        RequestHandle h = e.submit(request(60));
        h.cancel();
        Served s = Served.drain(h);
        assertEquals(dev.kernelj.llm.serving.FinishReason.CANCELLED, s.completion().finishReason());
      }
      assertEquals(0, ContinuousBatchingTest.awaitIdle(e).kvBlocksUsed());
    }
  }

  @Test
  void aTokenOutsideTheVocabularyFailsItsRequest() throws Exception {
    try (ContinuousBatchingEngine e = engine(new Scripted(-1, step -> step == 2 ? 100 : 5))) {
      RequestHandle a = e.submit(request(6));
      ExecutionException failed =
          org.junit.jupiter.api.Assertions.assertThrows(
              ExecutionException.class, () -> a.completion().get(10, TimeUnit.SECONDS));
      assertTrue(
          failed.getCause().getMessage().contains("token 100, outside the vocabulary of 100"),
          failed.getCause().getMessage());
      assertEquals(0, ContinuousBatchingTest.awaitIdle(e).kvBlocksUsed());
    }
  }
}
