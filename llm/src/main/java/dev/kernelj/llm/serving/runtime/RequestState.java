package dev.kernelj.llm.serving.runtime;

import dev.kernelj.llm.serving.sched.Sequence;
import java.util.function.Consumer;

/** Everything the engine keeps for one request: its handle, its sequence, its output and times. */
final class RequestState {
  final ServingHandle handle;
  final RequestOutput output;
  final long arrivalNanos;
  Sequence sequence;
  long firstTokenNanos;

  /** Set by the scheduler thread once the request was first scheduled, or ended before that. */
  boolean started;

  /** Set by the scheduler thread when a cancellation came, possibly before the request itself. */
  boolean cancelled;

  /**
   * @param onCancel called on the caller's thread by {@link ServingHandle#cancel}
   */
  RequestState(
      String id, RequestOutput output, long arrivalNanos, Consumer<RequestState> onCancel) {
    this.handle = new ServingHandle(id, () -> onCancel.accept(this));
    this.output = output;
    this.arrivalNanos = arrivalNanos;
  }

  void bind(Sequence s) {
    sequence = s;
  }

  static RequestState of(Sequence s) {
    return (RequestState) s.owner();
  }
}
