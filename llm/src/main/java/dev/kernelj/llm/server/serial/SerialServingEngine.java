package dev.kernelj.llm.server.serial;

import dev.kernelj.llm.engine.Engine;
import dev.kernelj.llm.engine.EngineOptions;
import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.Delta;
import dev.kernelj.llm.serving.FinishReason;
import dev.kernelj.llm.serving.RequestHandle;
import dev.kernelj.llm.serving.RequestRejectedException;
import dev.kernelj.llm.serving.RequestRejectedException.Reason;
import dev.kernelj.llm.serving.ServeRequest;
import dev.kernelj.llm.serving.ServingEngine;
import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.serving.ServingStats;
import dev.kernelj.ops.reference.ReferenceOps;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link ServingEngine} that runs one request at a time, first come first served, on one {@link
 * Engine} (either backend), behind a bounded queue. It keeps the whole contract (streaming,
 * logprobs, stop rules, cancellation, shutdown with grace, stats) but not its speed: no batching,
 * and each token recomputes its context ({@link SerialGeneration}). {@code kernelj serve} uses it
 * until the continuous-batching scheduler lands; the server's tests use it as the solo reference.
 */
public final class SerialServingEngine implements ServingEngine {
  private static final long IDLE_POLL_MILLIS = 50;

  private final Engine engine;
  private final ReferenceOps sampler = new ReferenceOps();
  private final Set<Integer> eosIds;
  private final int maxWaiting;
  private final int blockSize;
  private final LinkedBlockingDeque<SerialHandle> waiting = new LinkedBlockingDeque<>();
  private final Thread worker;
  private final AtomicLong ids = new AtomicLong();
  private final AtomicLong promptTokens = new AtomicLong();
  private final AtomicLong generationTokens = new AtomicLong();
  private final AtomicLong finished = new AtomicLong();
  private final AtomicLong steps = new AtomicLong();
  private volatile SerialHandle running;
  private volatile int runningContext;
  private volatile boolean accepting = true;
  private volatile boolean aborting;
  private volatile boolean stopping;

  private SerialServingEngine(Engine engine, int maxWaiting, int blockSize) {
    this.engine = engine;
    this.eosIds = engine.stopConditions(1, List.of()).eosIds();
    this.maxWaiting = maxWaiting;
    this.blockSize = blockSize;
    this.worker = new Thread(this::serve, "kernelj-serial-engine");
    worker.setDaemon(true);
    worker.start();
  }

  /** Opens the model in {@code modelDir} for one sequence at a time. */
  public static SerialServingEngine open(Path modelDir, ServingOptions options) {
    EngineOptions engineOptions = options.engine().withMaxBatch(1);
    Engine engine = Engine.open(modelDir, engineOptions);
    return new SerialServingEngine(engine, options.maxWaiting(), engineOptions.blockSize());
  }

  /** The engine underneath (its tokenizer, config and device). */
  public Engine engine() {
    return engine;
  }

  @Override
  public RequestHandle submit(ServeRequest request) {
    check(request);
    SerialHandle handle =
        new SerialHandle(
            request.id() != null ? request.id() : "serial-" + ids.incrementAndGet(), request);
    synchronized (waiting) {
      if (!accepting) {
        throw new RequestRejectedException(Reason.SHUTTING_DOWN, "the engine is shutting down");
      }
      if (waiting.size() >= maxWaiting) {
        throw new RequestRejectedException(
            Reason.QUEUE_FULL,
            "the waiting queue is full (" + maxWaiting + " requests); retry later");
      }
      waiting.add(handle);
    }
    return handle;
  }

  private void check(ServeRequest r) {
    int[] prompt = r.promptIds();
    int vocab = engine.config().vocabSize();
    if (prompt.length == 0) {
      throw new RequestRejectedException(Reason.INVALID, "the prompt is empty");
    }
    for (int i = 0; i < prompt.length; i++) {
      if (prompt[i] < 0 || prompt[i] >= vocab) {
        throw new RequestRejectedException(
            Reason.INVALID,
            "prompt token "
                + i
                + " is "
                + prompt[i]
                + ", outside the vocabulary [0, "
                + vocab
                + ")");
      }
    }
    if (r.maxTokens() < 1) {
      throw new RequestRejectedException(
          Reason.INVALID, "max tokens must be at least 1, got " + r.maxTokens());
    }
    if (r.logprobs() > 20 || r.promptLogprobs() > 20) {
      throw new RequestRejectedException(Reason.INVALID, "at most 20 logprobs per token");
    }
    if (!r.stopStrings().isEmpty() && !engine.hasTokenizer()) {
      throw new RequestRejectedException(
          Reason.INVALID, "stop strings need a tokenizer; the model directory has none");
    }
    long total = (long) prompt.length + r.maxTokens();
    if (total > maxModelLength()) {
      throw new RequestRejectedException(
          Reason.TOO_LONG,
          "the prompt of "
              + prompt.length
              + " tokens + "
              + r.maxTokens()
              + " tokens to generate = "
              + total
              + " exceeds the maximum model length of "
              + maxModelLength()
              + " tokens");
    }
  }

  private void serve() {
    while (!stopping || !waiting.isEmpty()) {
      SerialHandle next;
      try {
        next = waiting.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      if (next == null) {
        continue;
      }
      running = next;
      if (aborting) {
        next.cancel(); // taken just as the grace period ran out
      }
      SerialGeneration.Outcome outcome = null;
      RuntimeException failure = null;
      try {
        outcome =
            new SerialGeneration(engine, sampler, eosIds, next)
                .run(
                    context -> {
                      runningContext = context;
                      steps.incrementAndGet();
                    });
        promptTokens.addAndGet(outcome.result().promptTokens());
        generationTokens.addAndGet(outcome.result().tokenIds().length);
      } catch (RuntimeException e) {
        failure = e;
      } finally {
        // Free the request's share of the engine before its owner hears that it finished.
        finished.incrementAndGet();
        running = null;
        runningContext = 0;
      }
      if (outcome != null) {
        next.finish(outcome.last(), outcome.result());
      } else {
        next.fail(failure);
      }
    }
  }

  @Override
  public ServingStats stats() {
    int context = runningContext;
    int used = running == null ? 0 : (context + blockSize - 1) / blockSize;
    return new ServingStats(
        running == null ? 0 : 1,
        waiting.size(),
        used,
        0,
        (int) (engine.kvCacheTokens() / blockSize),
        blockSize,
        0,
        0,
        promptTokens.get(),
        generationTokens.get(),
        0,
        finished.get(),
        steps.get(),
        0,
        0);
  }

  @Override
  public int maxModelLength() {
    return engine.maxContext();
  }

  @Override
  public void shutdown(long graceMillis) {
    synchronized (waiting) {
      accepting = false;
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, graceMillis));
    while ((running != null || !waiting.isEmpty()) && System.nanoTime() < deadline) {
      sleepBriefly();
    }
    aborting = true;
    List<SerialHandle> left = new ArrayList<>();
    waiting.drainTo(left);
    SerialHandle current = running;
    if (current != null) {
      current.cancel();
    }
    for (SerialHandle h : left) {
      h.cancel();
      h.finish(
          new Delta(new int[0], "", List.of(), FinishReason.CANCELLED, System.nanoTime()),
          new Completion(
              new int[0],
              "",
              List.of(),
              FinishReason.CANCELLED,
              h.request().promptIds().length,
              0,
              h.arrivalNanos(),
              0,
              System.nanoTime()));
    }
    stopping = true;
    try {
      worker.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleepBriefly() {
    try {
      Thread.sleep(5);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    shutdown(0);
    sampler.close();
    engine.close();
  }
}
