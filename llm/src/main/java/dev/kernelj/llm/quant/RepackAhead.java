package dev.kernelj.llm.quant;

import dev.kernelj.llm.quant.QuantizedProjectionLoader.Prepared;
import dev.kernelj.llm.quant.QuantizedProjectionLoader.Request;
import dev.kernelj.llm.util.Futures;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Prepares the projections a load will ask for next ({@link QuantizedProjectionLoader#prepare}) on
 * background threads while the caller hands earlier ones to the backend. The host's read and repack
 * are most of a quantized model's load, and each has stretches that run on one thread (allocating
 * the packed arrays, widening the scales); several projections in preparation at once fill the
 * cores during those, and both overlap the copies to the GPU. At most {@code ahead} projections are
 * prepared and not yet taken, which bounds the heap they hold.
 */
public final class RepackAhead implements AutoCloseable {
  private final Function<Request, Prepared> prepare;
  private final List<Request> requests;
  private final int ahead;
  private final ExecutorService pool;
  private final ArrayDeque<CompletableFuture<Prepared>> pending = new ArrayDeque<>();
  private int submitted;
  private int taken;

  /**
   * @param prepare what prepares one ({@link QuantizedProjectionLoader#prepare}), on any thread
   * @param requests every projection the load will take, in the order it takes them
   * @param ahead projections prepared before they are taken, at most
   * @param threads projections in preparation at once
   */
  public RepackAhead(
      Function<Request, Prepared> prepare, List<Request> requests, int ahead, int threads) {
    this.prepare = prepare;
    this.requests = List.copyOf(requests);
    this.ahead = ahead;
    AtomicInteger count = new AtomicInteger();
    this.pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "kernelj-repack-" + count.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    fill();
  }

  /**
   * {@code request} prepared: the next of the requests, which are taken in order.
   *
   * @throws dev.kernelj.llm.util.ModelFormatException as {@link QuantizedProjectionLoader#prepare}
   *     does, for this request
   */
  public Prepared take(Request request) {
    if (taken >= requests.size() || requests.get(taken) != request) {
      throw new IllegalStateException(
          "projection " + request.modules() + " taken out of the announced order");
    }
    CompletableFuture<Prepared> next = pending.poll();
    taken++;
    fill();
    return Futures.join(next);
  }

  private void fill() {
    while (submitted < requests.size() && submitted < taken + ahead) {
      Request r = requests.get(submitted++);
      pending.add(CompletableFuture.supplyAsync(() -> prepare.apply(r), pool));
    }
  }

  /** Stops what is still being prepared (after a failed load) and the threads. */
  @Override
  public void close() {
    pool.shutdownNow();
  }
}
