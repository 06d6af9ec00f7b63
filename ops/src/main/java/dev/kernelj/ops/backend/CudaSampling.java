package dev.kernelj.ops.backend;

import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.I64;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.kernels.sampling.Sampling;
import java.nio.ByteBuffer;

/**
 * The sampling ops of {@link CudaOps}. Per-row parameters ({@link SamplingRows}) go up through one
 * pinned buffer into one scratch block; an event recorded after each upload tells when the pinned
 * buffer may be rewritten, so a decode loop never waits for more than the previous upload.
 * Penalties work on a scratch copy of the logits, which stay as the caller wrote them.
 */
final class CudaSampling implements AutoCloseable {
  private static final int MIN_STAGING_BYTES = 4096;

  private final CudaOps ops;
  private final CudaDevicePort port;
  private final CudaKernels kernels;
  private final DeviceScratch scratch;
  private final StreamRef stream;
  private Sampling sampling;
  private ByteBuffer staging;
  private long uploaded =
      -1; // event recorded after the last copy out of staging, -1 before the first

  CudaSampling(CudaOps ops, CudaDevicePort port, CudaKernels kernels, DeviceScratch scratch) {
    this.ops = ops;
    this.port = port;
    this.kernels = kernels;
    this.scratch = scratch;
    this.stream = port.stream();
  }

  synchronized void sample(
      Tensor out, Tensor logits, Tensor history, SamplingParams params, long seed, long step) {
    SamplingChecks.Sample s = SamplingChecks.sample(out, logits, history, params, step);
    ops.device("sample", "out,logits", out, logits);
    if (history != null) {
      ops.device("sample", "history", history);
    }
    int batch = s.batch();
    int vocab = s.vocab();
    SamplingRows rows = SamplingRows.of(params, batch, s.historyLen(), seed, step);
    long block = scratch.get("sample.rows", SamplingRows.bytes(batch), false);
    upload(rows, block, SamplingRows.bytes(batch));
    long from = logits.address();
    if (history != null && s.historyLen() > 0 && !params.penaltiesAreNeutral()) {
      long bytes = 4L * batch * vocab;
      long copy = scratch.get("sample.logits", bytes, false);
      long counts = scratch.get("sample.counts", bytes, true); // the kernel leaves it zeroed again
      port.copyDeviceToDeviceAsync(copy, from, bytes);
      sampling()
          .applyPenalties(
              stream,
              Ptr.ofAddress(copy, F32.class),
              history.constPtr(I32.class),
              at(block, batch, SamplingRows.HISTORY_LENS, I32.class),
              Ptr.ofAddress(counts, I32.class),
              at(block, batch, SamplingRows.REPETITION, F32.class),
              at(block, batch, SamplingRows.PRESENCE, F32.class),
              at(block, batch, SamplingRows.FREQUENCY, F32.class),
              batch,
              vocab,
              s.historyLen());
      from = copy;
    }
    sampling()
        .sample(
            stream,
            ConstPtr.ofAddress(from, F32.class),
            batch,
            vocab,
            at(block, batch, SamplingRows.TEMPERATURE, F32.class),
            at(block, batch, SamplingRows.TOP_K, I32.class),
            at(block, batch, SamplingRows.TOP_P, F32.class),
            at(block, batch, SamplingRows.MIN_P, F32.class),
            ConstPtr.ofAddress(block, I64.class),
            at(block, batch, SamplingRows.STEPS, I32.class),
            out.ptr(I32.class));
  }

  synchronized void topLogprobs(Tensor ids, Tensor logprobs, Tensor logits) {
    SamplingChecks.Top t = SamplingChecks.topLogprobs(ids, logprobs, logits);
    ops.device("topLogprobs", "ids,logprobs,logits", ids, logprobs, logits);
    sampling()
        .topLogprobs(
            stream,
            logits.constPtr(F32.class),
            t.batch(),
            t.vocab(),
            t.n(),
            ids.ptr(I32.class),
            logprobs.ptr(F32.class));
  }

  /**
   * Queues the copy of {@code rows} into the device block, once the previous copy has left the
   * pinned buffer.
   */
  private void upload(SamplingRows rows, long block, long bytes) {
    if (uploaded != -1) {
      port.synchronizeEvent(uploaded);
    } else {
      uploaded = port.createEvent();
    }
    if (staging == null || staging.capacity() < bytes) {
      if (staging != null) {
        port.freePinned(staging);
      }
      staging = port.allocatePinned(Math.max(MIN_STAGING_BYTES, bytes));
    }
    rows.encode(staging);
    port.copyHostToDeviceAsync(block, staging, bytes);
    port.recordEvent(uploaded);
  }

  private Sampling sampling() {
    if (sampling == null) {
      sampling = new Sampling(kernels.sampling());
    }
    return sampling;
  }

  private static <T extends dev.kernelj.dsl.Element> Ptr<T> at(
      long block, int batch, int index, Class<T> element) {
    return Ptr.ofAddress(block + SamplingRows.offset(batch, index), element);
  }

  @Override
  public synchronized void close() {
    if (uploaded != -1) {
      port.destroyEvent(uploaded);
      uploaded = -1;
    }
    if (staging != null) {
      port.freePinned(staging);
      staging = null;
    }
  }
}
