package dev.kernelj.llm.serving.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.engine.Device;
import dev.kernelj.llm.engine.EngineException;
import dev.kernelj.llm.engine.SamplingSettings;
import dev.kernelj.llm.model.TinyLlama;
import dev.kernelj.llm.serving.RequestHandle;
import dev.kernelj.llm.serving.ServeRequest;
import dev.kernelj.llm.serving.ServingEngine;
import dev.kernelj.llm.serving.sched.ScheduledBatch;
import dev.kernelj.llm.serving.sched.StepExecutor;
import dev.kernelj.llm.serving.sched.StepResult;
import dev.kernelj.ops.kernels.sampling.SamplingKernels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A row the sampler cannot draw from (non-finite logits, every logit -infinity) fails its request
 * only, with an error naming the request, the token and the cause; the requests sharing its steps
 * get the tokens they get alone, and every block comes back.
 */
class DegenerateRowsTest {
  @TempDir Path dir;

  /** Samples token 5 for every row, except the marked request's rows at its second token. */
  static final class Marking implements StepExecutor {
    final String marked;
    final int mark;

    Marking(String marked, int mark) {
      this.marked = marked;
      this.mark = mark;
    }

    @Override
    public void execute(ScheduledBatch step, StepResult result) {
      for (int e = 0; e < step.size(); e++) {
        var s = step.sequence(e);
        boolean hit = RequestState.of(s).handle.id().equals(marked) && s.generated() == 1;
        result.tokens[e] = hit ? mark : 5;
      }
    }

    @Override
    public void close() {}
  }

  @Test
  void markedRowsFailTheirRequestOnlyWithTheCause() throws Exception {
    for (int mark : new int[] {SamplingKernels.NON_FINITE, SamplingKernels.ALL_MASKED}) {
      try (ContinuousBatchingEngine e = StepFailureTest.engine(new Marking("req-1", mark))) {
        RequestHandle a = e.submit(StepFailureTest.request(6));
        RequestHandle b = e.submit(StepFailureTest.request(6));
        ExecutionException failed =
            assertThrows(ExecutionException.class, () -> a.completion().get(10, TimeUnit.SECONDS));
        assertInstanceOf(EngineException.class, failed.getCause());
        String message = failed.getCause().getMessage();
        assertTrue(message.contains("request req-1, token 2"), message);
        assertTrue(
            message.contains(
                mark == SamplingKernels.ALL_MASKED ? "is -infinity" : "hold NaN or infinity"),
            message);
        assertArrayEquals(new int[] {5, 5, 5, 5, 5, 5}, Served.drain(b).tokens());
        assertEquals(0, ContinuousBatchingTest.awaitIdle(e).kvBlocksUsed());
      }
    }
  }

  /**
   * On the reference backend: an infinity in one token's embedding row makes the logits of every
   * request whose prompt holds that token non-finite; the sampler marks those rows and the step's
   * other rows are sampled as usual.
   */
  @Test
  void aPoisonedPromptFailsAloneInAMixedBatch() throws Exception {
    TinyLlama.Spec spec = TinyLlama.LLAMA;
    Path model = TinyLlama.write(dir.resolve("m"), spec, 5).dir();
    int poisoned = 3;
    TinyLlama.poison(
        model, "model.embed_tokens.weight", poisoned * spec.hidden(), Float.POSITIVE_INFINITY);
    List<ServeRequest> clean = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      int[] prompt = {TinyLlama.BOS, 10 + i, 20 + i, 30 + i, 40 + i};
      SamplingSettings s =
          i == 1 ? SamplingSettings.greedy() : new SamplingSettings(0.9, 0, 1, 0, 1, 77 + i);
      clean.add(ContinuousBatchingTest.request(prompt, s, 8));
    }
    ServeRequest bad =
        ContinuousBatchingTest.request(
            new int[] {TinyLlama.BOS, 11, poisoned, 12}, SamplingSettings.greedy(), 8);
    try (ContinuousBatchingEngine e =
        ServingEngine.open(
            model, ContinuousBatchingTest.small().device(Device.CPU).maxModelLen(64).build())) {
      List<int[]> solo = ContinuousBatchingTest.alone(e, clean);
      List<RequestHandle> handles = new ArrayList<>();
      RequestHandle badHandle = e.submit(bad);
      for (ServeRequest r : clean) {
        handles.add(e.submit(r));
      }
      ExecutionException failed =
          assertThrows(
              ExecutionException.class, () -> badHandle.completion().get(60, TimeUnit.SECONDS));
      String message = failed.getCause().getMessage();
      assertTrue(message.contains("request " + badHandle.id() + ", token 1"), message);
      assertTrue(message.contains("NaN or infinity"), message);
      for (int i = 0; i < clean.size(); i++) {
        assertArrayEquals(solo.get(i), Served.drain(handles.get(i)).tokens(), "request " + i);
      }
      assertEquals(0, ContinuousBatchingTest.awaitIdle(e).kvBlocksUsed());
      e.scheduler().checkInvariants();
    }
  }
}
