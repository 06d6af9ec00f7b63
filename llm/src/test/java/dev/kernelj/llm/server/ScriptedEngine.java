package dev.kernelj.llm.server;

import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.Delta;
import dev.kernelj.llm.serving.FinishReason;
import dev.kernelj.llm.serving.RequestHandle;
import dev.kernelj.llm.serving.ServeRequest;
import dev.kernelj.llm.serving.ServingEngine;
import dev.kernelj.llm.serving.ServingStats;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ServingEngine} that answers every request with the same reply, delta by delta as given,
 * and keeps the prompts it was sent: for tests of what the server makes of a reply a real model
 * would have to be trained to write.
 */
final class ScriptedEngine implements ServingEngine {
  private final List<String> pieces;
  final List<int[]> prompts = new CopyOnWriteArrayList<>();

  ScriptedEngine(String... pieces) {
    this.pieces = List.of(pieces);
  }

  @Override
  public RequestHandle submit(ServeRequest request) {
    prompts.add(request.promptIds());
    ConcurrentLinkedQueue<Delta> deltas = new ConcurrentLinkedQueue<>();
    long now = System.nanoTime();
    for (int i = 0; i < pieces.size(); i++) {
      FinishReason finish = i == pieces.size() - 1 ? FinishReason.STOP : null;
      deltas.add(new Delta(new int[] {1}, pieces.get(i), List.of(), finish, now));
    }
    Completion done =
        new Completion(
            new int[pieces.size()],
            String.join("", pieces),
            List.of(),
            FinishReason.STOP,
            request.promptIds().length,
            0,
            now,
            now,
            now,
            List.of());
    return new RequestHandle() {
      @Override
      public String id() {
        return request.id();
      }

      @Override
      public Delta poll(long timeout, TimeUnit unit) {
        return deltas.poll();
      }

      @Override
      public CompletableFuture<Completion> completion() {
        return CompletableFuture.completedFuture(done);
      }

      @Override
      public void onDeltas(Runnable listener) {
        listener.run();
      }

      @Override
      public void cancel() {}
    };
  }

  @Override
  public ServingStats stats() {
    return new ServingStats(0, 0, 0, 0, 1, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  }

  @Override
  public int maxModelLength() {
    return 4096;
  }

  @Override
  public void shutdown(long graceMillis) {}

  @Override
  public void close() {}
}
