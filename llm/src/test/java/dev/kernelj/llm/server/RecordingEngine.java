package dev.kernelj.llm.server;

import dev.kernelj.llm.serving.RequestHandle;
import dev.kernelj.llm.serving.ServeRequest;
import dev.kernelj.llm.serving.ServingEngine;
import dev.kernelj.llm.serving.ServingStats;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link ServingEngine} that passes everything to another and keeps each submitted request's
 * handle by its prompt, so a benchmark can look up the engine's own times of what it sent.
 */
final class RecordingEngine implements ServingEngine {
  private final ServingEngine engine;
  // Keyed by the prompt's ids (an IntBuffer compares its contents). Their text (Arrays.toString,
  // ~800 characters a request) was built and hashed on the server's request thread, and so counted
  // as the server's cost.
  private final Map<IntBuffer, RequestHandle> handles = new ConcurrentHashMap<>();

  RecordingEngine(ServingEngine engine) {
    this.engine = engine;
  }

  void clear() {
    handles.clear();
  }

  /** The handle of each prompt, in order (null where none was submitted). */
  List<RequestHandle> byPrompt(List<int[]> prompts) {
    List<RequestHandle> out = new ArrayList<>();
    for (int[] p : prompts) {
      out.add(handles.get(IntBuffer.wrap(p)));
    }
    return out;
  }

  @Override
  public RequestHandle submit(ServeRequest request) {
    RequestHandle h = engine.submit(request);
    handles.put(IntBuffer.wrap(request.promptIds()), h);
    return h;
  }

  @Override
  public ServingStats stats() {
    return engine.stats();
  }

  @Override
  public int maxModelLength() {
    return engine.maxModelLength();
  }

  @Override
  public void shutdown(long graceMillis) {
    engine.shutdown(graceMillis);
  }

  @Override
  public void close() {
    engine.close();
  }
}
