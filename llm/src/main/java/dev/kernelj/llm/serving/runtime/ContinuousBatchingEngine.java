package dev.kernelj.llm.serving.runtime;

import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.llm.engine.EngineException;
import dev.kernelj.llm.engine.ServingModel;
import dev.kernelj.llm.serving.RequestHandle;
import dev.kernelj.llm.serving.RequestRejectedException;
import dev.kernelj.llm.serving.RequestRejectedException.Reason;
import dev.kernelj.llm.serving.ServeRequest;
import dev.kernelj.llm.serving.ServingEngine;
import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.serving.ServingStats;
import dev.kernelj.llm.serving.kv.BlockHasher;
import dev.kernelj.llm.serving.kv.BlockPool;
import dev.kernelj.llm.serving.sched.Scheduler;
import dev.kernelj.llm.serving.sched.Sequence;
import dev.kernelj.llm.serving.sched.StepExecutor;
import dev.kernelj.llm.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@link ServingEngine} of continuous batching: callers submit from any thread; one scheduler
 * thread owns the device and loops: take new requests and cancellations, form a step ({@link
 * Scheduler}), run it ({@link StepExecutor}), hand each request its token and text ({@link
 * StepDriver}). Idle, it waits for the next request.
 *
 * <pre>{@code
 * try (var engine = ContinuousBatchingEngine.open(dir, ServingOptions.builder().build())) {
 *   RequestHandle h = engine.submit(ServeRequest.greedy(ids, 64));
 *   for (Delta d; (d = h.poll(1, TimeUnit.MINUTES)) != null && d.finishReason() == null; ) ...
 * }
 * }</pre>
 */
public final class ContinuousBatchingEngine implements ServingEngine {
  private final StepExecutor executor;
  private final ServedModel model;
  private final ModelConfig config;
  private final int maxWaiting;
  private final BlockHasher hasher;
  private final Scheduler scheduler;
  private final StepDriver driver;
  private final DeltaWakeups wakeups;
  private final LinkedBlockingQueue<RequestState> inbox = new LinkedBlockingQueue<>();
  private final ConcurrentLinkedQueue<RequestState> cancels = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger(); // submitted, not yet run nor ended
  private final AtomicLong ids = new AtomicLong();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Thread thread;
  private volatile boolean stopping;
  private volatile long deadline;
  private volatile boolean closed;

  ContinuousBatchingEngine(
      StepExecutor executor, ServedModel model, ModelConfig config, ServingOptions options) {
    this.executor = executor;
    this.model = model;
    this.config = config;
    this.maxWaiting = options.maxWaiting();
    this.hasher = new BlockHasher(model.blockSize());
    BlockPool pool = new BlockPool(model.numBlocks(), model.blockSize());
    this.scheduler =
        new Scheduler(
            pool,
            hasher,
            options.maxNumSeqs(),
            options.maxNumBatchedTokens(),
            options.prefixCaching(),
            model.maxModelLen());
    this.wakeups = new DeltaWakeups();
    this.driver =
        new StepDriver(
            scheduler, executor, options.maxNumSeqs(), model.vocabSize(), queued, wakeups);
    this.thread = new Thread(this::loop, "kernelj-scheduler");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Loads the model in {@code modelDir} and starts serving it.
   *
   * @throws EngineException when the model does not fit or no GPU is usable
   * @throws dev.kernelj.llm.util.ModelFormatException when a model file is missing or malformed
   */
  public static ContinuousBatchingEngine open(Path modelDir, ServingOptions options) {
    ServingModel m = ServingModel.open(modelDir, options);
    try {
      ServedModel served =
          new ServedModel(
              m.config().vocabSize(),
              m.eosIds(),
              m.tokenizer(),
              m.maxModelLen(),
              m.numBlocks(),
              m.blockSize(),
              m.deviceName());
      return new ContinuousBatchingEngine(
          new ModelStepExecutor(m, options.maxNumSeqs()), served, m.config(), options);
    } catch (RuntimeException | Error e) {
      m.close();
      throw e;
    }
  }

  @Override
  public RequestHandle submit(ServeRequest request) {
    if (stopping) {
      throw new RequestRejectedException(Reason.SHUTTING_DOWN, "the engine is shutting down");
    }
    RequestChecks.check(request, model);
    if (queued.incrementAndGet() > maxWaiting) {
      queued.decrementAndGet();
      throw new RequestRejectedException(
          Reason.QUEUE_FULL, "the queue holds its maximum of " + maxWaiting + " waiting requests");
    }
    String id = request.id() != null ? request.id() : "req-" + ids.incrementAndGet();
    RequestOutput output = new RequestOutput(request, model.eosIds(), model.tokenizer());
    RequestState state = new RequestState(id, output, System.nanoTime(), cancels::add);
    Sequence s =
        new Sequence(
            id,
            request.promptIds(),
            request.maxTokens(),
            request.sampling(),
            request.logprobs(),
            request.promptLogprobs(),
            state);
    s.keyPrompt(hasher); // here, not on the scheduler thread
    state.bind(s);
    inbox.add(state);
    return state.handle;
  }

  // ---------------------------------------------------------------- the scheduler thread

  private void loop() {
    try {
      while (true) {
        takeNewRequests();
        takeCancellations();
        if (stopping && System.nanoTime() - deadline > 0) {
          driver.cancelAll();
        }
        if (!scheduler.hasWork()) {
          if (stopping) {
            return;
          }
          RequestState next = inbox.poll(20, TimeUnit.MILLISECONDS);
          if (next != null) {
            admit(next);
          }
          continue;
        }
        driver.step();
      }
    } catch (Throwable t) {
      stopping = true; // refuse new requests: nobody would serve them
      driver.failAll(new EngineException("the scheduler stopped: " + t, t));
    } finally {
      RequestState left;
      while ((left = inbox.poll()) != null) {
        left.handle.fail(
            new RequestRejectedException(Reason.SHUTTING_DOWN, "the engine shut down"));
      }
      stopped.countDown();
    }
  }

  private void takeNewRequests() {
    RequestState r;
    while ((r = inbox.poll()) != null) {
      admit(r);
    }
  }

  private void admit(RequestState r) {
    driver.add(r);
  }

  private void takeCancellations() {
    RequestState r;
    while ((r = cancels.poll()) != null) {
      driver.cancel(r);
    }
  }

  // ---------------------------------------------------------------- queries and lifecycle

  /** The scheduler, for tests that check the pool while the engine is idle. */
  Scheduler scheduler() {
    return scheduler;
  }

  @Override
  public ServingStats stats() {
    return driver.stats();
  }

  @Override
  public int maxModelLength() {
    return model.maxModelLen();
  }

  public ModelConfig config() {
    return config;
  }

  /** The tokenizer; null when the model directory has none. */
  public Tokenizer tokenizer() {
    return model.tokenizer();
  }

  /** {@code cuda:<card>} or {@code reference}. */
  public String deviceName() {
    return model.deviceName();
  }

  @Override
  public void shutdown(long graceMillis) {
    deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, graceMillis));
    stopping = true;
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    shutdown(0);
    closed = true;
    wakeups.close();
    executor.close();
  }
}
