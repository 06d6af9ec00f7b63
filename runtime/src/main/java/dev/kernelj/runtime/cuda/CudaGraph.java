package dev.kernelj.runtime.cuda;

import com.sun.jna.ptr.LongByReference;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.runtime.driver.CuDirect;
import dev.kernelj.runtime.driver.Driver;

/**
 * A captured and instantiated CUDA graph: the work queued on a stream between {@link
 * CudaStream#beginCapture()} and {@link CudaStream#endCapture()}, replayed with one {@link #launch}
 * call. The kernel arguments are those at capture time: a {@code ParamBlock} rewritten later does
 * not change what the graph replays.
 */
public final class CudaGraph implements AutoCloseable {
  private final CudaContext context;
  private final long graph;
  private final long exec;
  private boolean closed;

  private CudaGraph(CudaContext context, long graph, long exec) {
    this.context = context;
    this.graph = graph;
    this.exec = exec;
  }

  static CudaGraph instantiate(CudaContext context, long graph) {
    LongByReference exec = new LongByReference();
    int r = Driver.api().cuGraphInstantiateWithFlags(exec, graph, 0L);
    if (r != 0) {
      Driver.api().cuGraphDestroy(graph);
      throw Driver.exception(r, "cuGraphInstantiateWithFlags");
    }
    return new CudaGraph(context, graph, exec.getValue());
  }

  /**
   * Captures what {@code body} queues on {@code stream} into a graph. If {@code body} throws, the
   * capture is ended and discarded before the exception propagates.
   */
  public static CudaGraph capture(CudaStream stream, Runnable body) {
    stream.beginCapture();
    try {
      body.run();
    } catch (RuntimeException | Error e) {
      try {
        stream.endCapture().close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    return stream.endCapture();
  }

  /** Replays the graph on {@code stream}; asynchronous like a kernel launch. */
  public void launch(StreamRef stream) {
    if (closed) {
      throw new IllegalStateException("graph is closed");
    }
    context.ensureCurrent();
    int r = CuDirect.cuGraphLaunch(exec, stream.streamHandle());
    if (r != 0) {
      throw Driver.exception(r, "cuGraphLaunch");
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      context.ensureCurrent();
      Driver.check(Driver.api().cuGraphExecDestroy(exec), "cuGraphExecDestroy");
      Driver.check(Driver.api().cuGraphDestroy(graph), "cuGraphDestroy");
    }
  }
}
