package dev.kernelj.llm.server.serial;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.engine.Device;
import dev.kernelj.llm.engine.Engine;
import dev.kernelj.llm.engine.EngineOptions;
import dev.kernelj.llm.engine.GenerationRequest;
import dev.kernelj.llm.engine.GenerationResult;
import dev.kernelj.llm.engine.SamplingSettings;
import dev.kernelj.llm.engine.TokenListener;
import dev.kernelj.llm.model.TinyLlama;
import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.Delta;
import dev.kernelj.llm.serving.FinishReason;
import dev.kernelj.llm.serving.RequestHandle;
import dev.kernelj.llm.serving.RequestRejectedException;
import dev.kernelj.llm.serving.ServeRequest;
import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.serving.TokenLogprob;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one-at-a-time serving engine against the engine of {@code kernelj generate}: the same tokens
 * (greedy, seeded, penalized), logprobs equal to the log-softmax of the engine's logits, stop
 * rules, streaming, and the contract's rejections, cancellation and shutdown.
 */
class SerialServingEngineTest {
  @TempDir static Path dir;
  static Path model;
  static SerialServingEngine serving;
  static Engine reference;

  static final int[][] PROMPTS = {
    {256, 72, 101, 108, 108, 111}, {256, 40}, {256, 99, 98, 97, 96, 95, 94, 93, 92}
  };

  @BeforeAll
  static void open() throws Exception {
    model = TinyLlama.write(dir.resolve("m"), TinyLlama.LLAMA, 5).dir();
    EngineOptions options = EngineOptions.defaults().withDevice(Device.CPU).withMaxContext(96);
    serving = SerialServingEngine.open(model, ServingOptions.defaults(options).withMaxWaiting(4));
    reference = Engine.open(model, options);
  }

  @AfterAll
  static void close() {
    serving.close();
    reference.close();
  }

  static Completion run(ServeRequest r) throws Exception {
    return serving.submit(r).completion().get(60, TimeUnit.SECONDS);
  }

  static GenerationResult generate(int[] prompt, SamplingSettings s, int maxTokens) {
    GenerationRequest request =
        new GenerationRequest(prompt, s, reference.stopConditions(maxTokens, List.of()));
    return reference.generate(List.of(request), TokenListener.NONE).get(0);
  }

  static ServeRequest request(int[] prompt, SamplingSettings s, int maxTokens, int logprobs) {
    return new ServeRequest(null, prompt, s, maxTokens, List.of(), Set.of(), false, logprobs);
  }

  @Test
  void greedySeededAndPenalizedRequestsGiveWhatGenerateGives() throws Exception {
    List<SamplingSettings> settings =
        List.of(
            SamplingSettings.greedy(),
            new SamplingSettings(0.9, 0, 1, 0, 1, 42),
            new SamplingSettings(1.2, 20, 0.9, 0.02, 1.3, 7),
            new SamplingSettings(1.0, 0, 1, 0, 1, 9, 0.8, 0.5));
    for (SamplingSettings s : settings) {
      for (int[] prompt : PROMPTS) {
        Completion c = run(request(prompt, s, 14, -1));
        GenerationResult expected = generate(prompt, s, 14);
        assertArrayEquals(expected.tokens(), c.tokenIds(), s + " on " + prompt.length);
        assertEquals(expected.text(), c.text());
        assertEquals(prompt.length, c.promptTokens());
        assertEquals(
            expected.tokens().length == 14 ? FinishReason.LENGTH : FinishReason.STOP,
            c.finishReason());
      }
    }
  }

  @Test
  void logprobsAreTheLogSoftmaxOfTheEnginesLogits() throws Exception {
    int[] prompt = PROMPTS[0];
    ServeRequest r =
        new ServeRequest(
            null, prompt, SamplingSettings.greedy(), 6, List.of(), Set.of(), true, 3, 2);
    Completion c = run(r);
    int vocab = TinyLlama.VOCAB;
    int[] all = new int[prompt.length + c.tokenIds().length];
    System.arraycopy(prompt, 0, all, 0, prompt.length);
    System.arraycopy(c.tokenIds(), 0, all, prompt.length, c.tokenIds().length);
    float[] rows = reference.logits(all, 0).rows();
    assertEquals(c.tokenIds().length, c.logprobs().size());
    for (int i = 0; i < c.tokenIds().length; i++) {
      int row = prompt.length - 1 + i;
      TokenLogprob lp = c.logprobs().get(i);
      double[] exact = logSoftmax(rows, row * vocab, vocab);
      assertEquals(c.tokenIds()[i], lp.tokenId());
      assertEquals(exact[lp.tokenId()], lp.logprob(), 1e-4);
      assertEquals(3, lp.topIds().length);
      assertEquals(lp.tokenId(), lp.topIds()[0], "greedy picks the most likely token");
      for (int j = 0; j < 3; j++) {
        assertEquals(exact[lp.topIds()[j]], lp.topLogprobs()[j], 1e-4);
        if (j > 0) {
          assertTrue(lp.topLogprobs()[j] <= lp.topLogprobs()[j - 1], "best first");
        }
      }
    }
    assertEquals(prompt.length - 1, c.promptLogprobs().size());
    for (int p = 1; p < prompt.length; p++) {
      TokenLogprob lp = c.promptLogprobs().get(p - 1);
      assertEquals(prompt[p], lp.tokenId());
      assertEquals(logSoftmax(rows, (p - 1) * vocab, vocab)[prompt[p]], lp.logprob(), 1e-4);
      assertEquals(2, lp.topIds().length);
    }
  }

  static double[] logSoftmax(float[] rows, int offset, int vocab) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < vocab; i++) {
      max = Math.max(max, rows[offset + i]);
    }
    double sum = 0;
    for (int i = 0; i < vocab; i++) {
      sum += Math.exp(rows[offset + i] - max);
    }
    double[] out = new double[vocab];
    for (int i = 0; i < vocab; i++) {
      out[i] = rows[offset + i] - max - Math.log(sum);
    }
    return out;
  }

  @Test
  void deltasStreamTheCompletionTokenByToken() throws Exception {
    RequestHandle h = serving.submit(request(PROMPTS[2], SamplingSettings.greedy(), 10, 1));
    ByteArrayOutputStream ids = new ByteArrayOutputStream();
    StringBuilder text = new StringBuilder();
    int logprobs = 0;
    Delta last = null;
    for (Delta d = h.poll(30, TimeUnit.SECONDS); d != null; d = h.poll(30, TimeUnit.SECONDS)) {
      assertNull(last == null ? null : last.finishReason(), "nothing after the last delta");
      for (int id : d.tokenIds()) {
        ids.write(id);
      }
      text.append(d.text());
      assertEquals(d.tokenIds().length, d.logprobs().size());
      logprobs += d.logprobs().size();
      last = d;
      if (d.finishReason() != null) {
        break;
      }
    }
    Completion c = h.completion().get(10, TimeUnit.SECONDS);
    assertEquals(c.finishReason(), last.finishReason());
    assertEquals(c.text(), text.toString());
    assertEquals(c.tokenIds().length, ids.size());
    assertEquals(c.tokenIds().length, logprobs);
    assertNull(h.poll(0, TimeUnit.SECONDS), "after the last delta, poll returns null at once");
  }

  @Test
  void stopTokenIdsAndIgnoreEosEndWhereTheyShould() throws Exception {
    int[] prompt = PROMPTS[1];
    int[] greedy = run(request(prompt, SamplingSettings.greedy(), 12, -1)).tokenIds();
    int stopAt = greedy[4];
    int first = 0;
    while (greedy[first] != stopAt) {
      first++;
    }
    Completion stopped =
        run(
            new ServeRequest(
                null, prompt, SamplingSettings.greedy(), 12, List.of(), Set.of(stopAt), false, -1));
    assertArrayEquals(java.util.Arrays.copyOf(greedy, first), stopped.tokenIds());
    assertEquals(FinishReason.STOP, stopped.finishReason());
    Completion ignoring =
        run(
            new ServeRequest(
                null, prompt, SamplingSettings.greedy(), 30, List.of(), Set.of(), true, -1));
    assertEquals(30, ignoring.tokenIds().length, "ignore_eos runs to max tokens");
    assertEquals(FinishReason.LENGTH, ignoring.finishReason());
  }

  @Test
  void rejectsWhatCanNeverRunWithTheNumbers() {
    var tooLong =
        assertThrows(
            RequestRejectedException.class,
            () -> serving.submit(request(new int[90], SamplingSettings.greedy(), 10, -1)));
    assertEquals(RequestRejectedException.Reason.TOO_LONG, tooLong.reason());
    assertTrue(tooLong.getMessage().contains("90") && tooLong.getMessage().contains("96"));
    var badId =
        assertThrows(
            RequestRejectedException.class,
            () -> serving.submit(request(new int[] {1, 9999}, SamplingSettings.greedy(), 4, -1)));
    assertEquals(RequestRejectedException.Reason.INVALID, badId.reason());
  }

  @Test
  void cancelStopsARunningRequestAndAFullQueueIsRejected() throws Exception {
    ServeRequest slow =
        new ServeRequest(
            null, PROMPTS[0], SamplingSettings.greedy(), 80, List.of(), Set.of(), true, -1);
    awaitStats(() -> serving.stats().running() == 0 && serving.stats().waiting() == 0);
    RequestHandle running = serving.submit(slow);
    awaitStats(() -> serving.stats().running() == 1); // taken off the queue
    List<RequestHandle> queued = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      queued.add(serving.submit(slow));
    }
    var full = assertThrows(RequestRejectedException.class, () -> serving.submit(slow));
    assertEquals(RequestRejectedException.Reason.QUEUE_FULL, full.reason());
    assertTrue(serving.stats().waiting() >= 3);
    queued.forEach(RequestHandle::cancel);
    running.cancel();
    Completion c = running.completion().get(30, TimeUnit.SECONDS);
    assertEquals(FinishReason.CANCELLED, c.finishReason());
    assertTrue(c.tokenIds().length < 80);
    for (RequestHandle h : queued) {
      assertEquals(FinishReason.CANCELLED, h.completion().get(30, TimeUnit.SECONDS).finishReason());
    }
    assertEquals(0, serving.stats().running());
    assertEquals(0, serving.stats().kvBlocksUsed());
  }

  static void awaitStats(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting for the engine");
      Thread.sleep(2);
    }
  }

  @Test
  void shutdownLetsRunningRequestsFinishThenRefuses() throws Exception {
    try (SerialServingEngine own =
        SerialServingEngine.open(
            model,
            ServingOptions.defaults(EngineOptions.defaults().withDevice(Device.CPU))
                .withMaxWaiting(8))) {
      RequestHandle a = own.submit(request(PROMPTS[0], SamplingSettings.greedy(), 8, -1));
      RequestHandle b = own.submit(request(PROMPTS[1], SamplingSettings.greedy(), 8, -1));
      own.shutdown(60_000);
      assertTrue(a.completion().isDone() && b.completion().isDone());
      assertTrue(a.completion().get().finishReason() != FinishReason.CANCELLED);
      assertTrue(b.completion().get().finishReason() != FinishReason.CANCELLED);
      var refused =
          assertThrows(
              RequestRejectedException.class,
              () -> own.submit(request(PROMPTS[0], SamplingSettings.greedy(), 8, -1)));
      assertEquals(RequestRejectedException.Reason.SHUTTING_DOWN, refused.reason());
    }
  }

  @Test
  void shutdownWithoutGraceCancelsWhatIsLeft() throws Exception {
    try (SerialServingEngine own =
        SerialServingEngine.open(
            model, ServingOptions.defaults(EngineOptions.defaults().withDevice(Device.CPU)))) {
      ServeRequest slow =
          new ServeRequest(
              null, PROMPTS[0], SamplingSettings.greedy(), 80, List.of(), Set.of(), true, -1);
      RequestHandle a = own.submit(slow);
      RequestHandle b = own.submit(slow);
      own.shutdown(0);
      assertEquals(FinishReason.CANCELLED, a.completion().get(30, TimeUnit.SECONDS).finishReason());
      assertEquals(FinishReason.CANCELLED, b.completion().get(30, TimeUnit.SECONDS).finishReason());
    }
  }
}
