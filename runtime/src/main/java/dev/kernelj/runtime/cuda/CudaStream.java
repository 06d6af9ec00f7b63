package dev.kernelj.runtime.cuda;

import com.sun.jna.ptr.LongByReference;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.runtime.driver.CuConstants;
import dev.kernelj.runtime.driver.CuDirect;
import dev.kernelj.runtime.driver.Driver;

/**
 * A CUDA stream owned by a context. Work queued on one stream runs in order; {@link #synchronize()}
 * waits for it. Also the place where CUDA graph capture starts and ends.
 */
public final class CudaStream implements StreamRef, AutoCloseable {
  private final CudaContext context;
  private final long handle;
  private boolean closed;

  private CudaStream(CudaContext context, long handle) {
    this.context = context;
    this.handle = handle;
  }

  static CudaStream create(CudaContext context, boolean nonBlocking) {
    context.ensureCurrent();
    LongByReference ref = new LongByReference();
    Driver.check(
        Driver.api()
            .cuStreamCreate(
                ref,
                nonBlocking ? CuConstants.CU_STREAM_NON_BLOCKING : CuConstants.CU_STREAM_DEFAULT),
        "cuStreamCreate");
    return new CudaStream(context, ref.getValue());
  }

  @Override
  public long streamHandle() {
    if (closed) {
      throw new IllegalStateException("stream is closed");
    }
    return handle;
  }

  public CudaContext context() {
    return context;
  }

  /** Waits until all work queued on this stream has finished. */
  public void synchronize() {
    context.ensureCurrent();
    int r = CuDirect.cuStreamSynchronize(streamHandle());
    if (r != 0) {
      throw Driver.exception(r, "cuStreamSynchronize");
    }
  }

  /**
   * Starts capturing the work queued on this stream into a graph instead of running it; end with
   * {@link #endCapture()}. Thread-local mode: other threads' unrelated CUDA calls stay legal.
   */
  public void beginCapture() {
    context.ensureCurrent();
    Driver.check(
        Driver.api()
            .cuStreamBeginCapture_v2(
                streamHandle(), CuConstants.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
        "cuStreamBeginCapture_v2");
  }

  /** Ends the capture begun by {@link #beginCapture()} and instantiates the graph. */
  public CudaGraph endCapture() {
    context.ensureCurrent();
    LongByReference graph = new LongByReference();
    Driver.check(Driver.api().cuStreamEndCapture(streamHandle(), graph), "cuStreamEndCapture");
    return CudaGraph.instantiate(context, graph.getValue());
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      context.ensureCurrent();
      Driver.check(Driver.api().cuStreamDestroy_v2(handle), "cuStreamDestroy_v2");
    }
  }
}
