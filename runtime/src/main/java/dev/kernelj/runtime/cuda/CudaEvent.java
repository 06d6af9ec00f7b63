package dev.kernelj.runtime.cuda;

import com.sun.jna.ptr.FloatByReference;
import com.sun.jna.ptr.LongByReference;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.runtime.driver.CuConstants;
import dev.kernelj.runtime.driver.CuDirect;
import dev.kernelj.runtime.driver.Driver;

/** A CUDA event: a marker recorded on a stream, for waiting and for GPU-side timing. */
public final class CudaEvent implements AutoCloseable {
  private static volatile Boolean hasElapsedV2;

  private final CudaContext context;
  private final long handle;
  private boolean closed;

  private CudaEvent(CudaContext context, long handle) {
    this.context = context;
    this.handle = handle;
  }

  static CudaEvent create(CudaContext context, boolean timing) {
    context.ensureCurrent();
    LongByReference ref = new LongByReference();
    Driver.check(
        Driver.api()
            .cuEventCreate(
                ref, timing ? CuConstants.CU_EVENT_DEFAULT : CuConstants.CU_EVENT_DISABLE_TIMING),
        "cuEventCreate");
    return new CudaEvent(context, ref.getValue());
  }

  public long handle() {
    if (closed) {
      throw new IllegalStateException("event is closed");
    }
    return handle;
  }

  /** Records this event at the current end of {@code stream}'s queue. */
  public CudaEvent record(StreamRef stream) {
    context.ensureCurrent();
    int r = CuDirect.cuEventRecord(handle(), stream.streamHandle());
    if (r != 0) {
      throw Driver.exception(r, "cuEventRecord");
    }
    return this;
  }

  /** Waits until the work before this event's record has finished. */
  public void synchronize() {
    context.ensureCurrent();
    Driver.check(Driver.api().cuEventSynchronize(handle()), "cuEventSynchronize");
  }

  /**
   * GPU time in milliseconds from {@code start}'s record to this event's; both must have completed.
   */
  public float elapsedMillisSince(CudaEvent start) {
    context.ensureCurrent();
    FloatByReference ms = new FloatByReference();
    Boolean v2 = hasElapsedV2;
    if (v2 == null) {
      v2 = Driver.hasSymbol("cuEventElapsedTime_v2");
      hasElapsedV2 = v2;
    }
    if (v2) {
      Driver.check(
          Driver.api().cuEventElapsedTime_v2(ms, start.handle(), handle()),
          "cuEventElapsedTime_v2");
    } else {
      Driver.check(
          Driver.api().cuEventElapsedTime(ms, start.handle(), handle()), "cuEventElapsedTime");
    }
    return ms.getValue();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      context.ensureCurrent();
      Driver.check(Driver.api().cuEventDestroy_v2(handle), "cuEventDestroy_v2");
    }
  }
}
