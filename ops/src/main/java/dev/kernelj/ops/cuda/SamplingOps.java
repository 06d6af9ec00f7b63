package dev.kernelj.ops.cuda;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.Residency;
import dev.kernelj.ops.SamplingParams;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.kernels.sampling.Sampling;
import dev.kernelj.ops.kernels.sampling.SamplingChecks;
import dev.kernelj.ops.kernels.sampling.SamplingRows;
import java.nio.ByteBuffer;

/**
 * The sampling ops of {@link CudaOps}. Per-row parameters ({@link SamplingRows}) go up through one
 * pinned buffer into one scratch block; an event recorded after each upload tells when the pinned
 * buffer may be rewritten, so a decode loop never waits for more than the previous upload.
 * Penalties work on a scratch copy of the logits, which stay as the caller wrote them.
 */
final class SamplingOps implements AutoCloseable {
  private static final int MIN_STAGING_BYTES = 4096;

  private final Residency.OnDevice residency;
  private final DevicePort port;
  private final LoadedKernels kernels;
  private final DeviceScratch scratch;
  private final StreamRef stream;
  private Sampling sampling;
  private ByteBuffer staging;
  private long uploaded =
      -1; // event recorded after the last copy out of staging, -1 before the first

  SamplingOps(
      Residency.OnDevice residency, DevicePort port, LoadedKernels kernels, DeviceScratch scratch) {
    this.residency = residency;
    this.port = port;
    this.kernels = kernels;
    this.scratch = scratch;
    this.stream = port.stream();
  }

  synchronized void sample(
      Tensor out, Tensor logits, Tensor history, SamplingParams params, long seed, long step) {
    SamplingChecks.Sample s = SamplingChecks.sample(out, logits, history, params, step);
    residency.require("sample", "out,logits", out, logits);
    if (history != null) {
      residency.require("sample", "history", history);
    }
    int batch = s.batch();
    int vocab = s.vocab();
    SamplingRows rows = SamplingRows.of(params, batch, s.historyLen(), seed, step);
    long block = scratch.get("sample.rows", SamplingRows.bytes(batch), false);
    upload(rows, block, SamplingRows.bytes(batch));
    SamplingRows.Pointers pointers = SamplingRows.pointers(block, batch);
    Tensor from = logits;
    if (history != null && s.historyLen() > 0 && !params.penaltiesAreNeutral()) {
      long elements = (long) batch * vocab;
      Tensor copy = scratch.tensor("sample.logits", DType.F32, elements, false);
      // The kernel leaves the counts zeroed again.
      Tensor counts = scratch.tensor("sample.counts", DType.I32, elements, true);
      port.copyDeviceToDeviceAsync(copy.address(), logits.address(), 4 * elements);
      sampling()
          .applyPenalties(
              stream,
              copy.ptr(F32.class),
              history.constPtr(I32.class),
              counts.ptr(I32.class),
              pointers,
              batch,
              vocab,
              s.historyLen());
      from = copy;
    }
    sampling().sample(stream, from.constPtr(F32.class), batch, vocab, pointers, out.ptr(I32.class));
  }

  synchronized void topLogprobs(Tensor ids, Tensor logprobs, Tensor logits) {
    SamplingChecks.Top t = SamplingChecks.topLogprobs(ids, logprobs, logits);
    residency.require("topLogprobs", "ids,logprobs,logits", ids, logprobs, logits);
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

  synchronized void tokenLogprobs(Tensor logprobs, Tensor logits, Tensor tokens) {
    int batch = SamplingChecks.tokenLogprobs(logprobs, logits, tokens);
    residency.require("tokenLogprobs", "logprobs,logits,tokens", logprobs, logits, tokens);
    sampling()
        .tokenLogprobs(
            stream,
            logits.constPtr(F32.class),
            batch,
            logits.dim(1),
            tokens.constPtr(I32.class),
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
