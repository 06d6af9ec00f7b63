package dev.kernelj.llm.server;

import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.ServeRequest;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Runs the choices of a chat or text completion and answers in the endpoint's {@link ChoiceFormat}:
 * a 200 event stream (chunks as deltas arrive, written by the {@link DeltaPump}; the usage chunk
 * when asked for, {@code [DONE]}) or one JSON body once every choice has finished. Submission comes
 * first, so a rejected request still gets its own status code.
 *
 * <p>The handler thread returns once the choices are submitted (and a stream's opening chunks
 * sent): the request is {@linkplain Exchange#defer deferred}, and when its run settles an HTTP
 * thread writes the end of the answer and {@linkplain Exchange#finish finishes} it. So a request
 * holds no thread while it waits for the engine, and a burst of requests does not start a thread
 * each.
 */
final class ChoiceResponder {
  private ChoiceResponder() {}

  static void respond(
      Exchange exchange,
      ServerState state,
      List<ServeRequest> requests,
      GenerationParams params,
      ChoiceFormat format) {
    ServerMetrics metrics = state.metrics();
    ChoiceRun run = ChoiceRun.submit(state.model().engine(), requests);
    try {
      if (params.stream()) {
        exchange.startEventStream();
        for (byte[] chunk : format.openingChunks()) {
          exchange.sendEvent(chunk);
        }
      }
    } catch (RuntimeException | Error e) {
      run.close();
      throw e;
    }
    exchange.defer();
    Executor executor = exchange.executor();
    Runnable end = () -> end(exchange, run, params, format);
    try {
      run.start(
          exchange,
          params.stream() ? format : null,
          metrics,
          state.pump(),
          () -> on(executor, end));
    } catch (RuntimeException | Error e) {
      run.close();
      exchange.finish(e);
    }
  }

  /**
   * Runs {@code task} on an HTTP thread: it writes to the client, which may block, and the thread
   * that settles a run is a pump or watch thread serving every other request. A server on its way
   * down may refuse new tasks: then a thread of its own.
   */
  private static void on(Executor executor, Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException stopping) {
      Thread t = new Thread(task, "kernelj-http-end");
      t.setDaemon(true);
      t.start();
    }
  }

  /** The end of the answer once the run has settled, or the failure that ended the run. */
  private static void end(
      Exchange exchange, ChoiceRun run, GenerationParams params, ChoiceFormat format) {
    Throwable failure = null;
    try (run) {
      List<Completion> done = run.finish();
      Usage usage = Usage.of(done, params.n());
      exchange.record().finished(done, usage);
      if (params.stream()) {
        exchange.endEventStream(params.includeUsage() ? format.usageChunk(usage) : null);
      } else {
        exchange.sendJson(200, format.whole(done, usage));
      }
    } catch (Throwable t) {
      failure = t;
    }
    exchange.finish(failure);
  }
}
