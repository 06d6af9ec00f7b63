package dev.kernelj.llm.server;

import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.ServeRequest;
import java.util.List;

/**
 * Runs the choices of a chat or text completion and answers in the endpoint's {@link ChoiceFormat}:
 * a 200 event stream (chunks as deltas arrive, written by the {@link DeltaPump}; the usage chunk
 * when asked for, {@code [DONE]}) or one JSON body once every choice has finished. Submission comes
 * first, so a rejected request still gets its own status code.
 */
final class ChoiceResponder {
  private ChoiceResponder() {}

  static void respond(
      Exchange exchange,
      ServerState state,
      List<ServeRequest> requests,
      GenerationParams params,
      ChoiceFormat format)
      throws InterruptedException, java.io.IOException {
    ServedModel model = state.model();
    ServerMetrics metrics = state.metrics();
    try (ChoiceRun run = ChoiceRun.submit(model.engine(), requests)) {
      if (!params.stream()) {
        List<Completion> done = run.run(exchange, null, metrics, state.pump());
        Usage usage = Usage.of(done, params.n());
        exchange.record().finished(done, usage);
        exchange.sendJson(200, format.whole(done, usage));
        return;
      }
      exchange.startEventStream();
      for (byte[] chunk : format.openingChunks()) {
        exchange.sendEvent(chunk);
      }
      List<Completion> done = run.run(exchange, format, metrics, state.pump());
      Usage usage = Usage.of(done, params.n());
      exchange.record().finished(done, usage);
      exchange.endEventStream(params.includeUsage() ? format.usageChunk(usage) : null);
    }
  }
}
