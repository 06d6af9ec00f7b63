package dev.kernelj.llm.engine;

import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.backend.CapturedGraph;
import dev.kernelj.ops.backend.CudaDevicePort;
import dev.kernelj.ops.backend.CudaOps;
import dev.kernelj.ops.backend.Ops;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * What the engine needs from CUDA beyond the {@link Ops} API, in one place, all through the
 * backend's {@link CudaDevicePort}: graph capture, free/total device memory, and queued copies of
 * step inputs through pinned memory.
 */
final class CudaBridge {
  private CudaBridge() {}

  static boolean isCuda(Ops ops) {
    return ops instanceof CudaOps;
  }

  static CudaDevicePort port(Ops ops) {
    return ((CudaOps) ops).port();
  }

  /** {@code {free, total}} bytes of the backend's device. */
  static long[] memoryInfo(Ops ops) {
    return port(ops).memoryInfo();
  }

  /**
   * Captures what {@code body} queues on the backend's stream into a graph; empty when the port
   * cannot capture (the caller then runs the body eagerly each time). A capture that fails for any
   * other reason is an error: the body queued something a graph cannot hold.
   */
  static Optional<CapturedGraph> capture(Ops ops, Runnable body) {
    try {
      return Optional.of(port(ops).captureGraph(body));
    } catch (UnsupportedOperationException e) {
      return Optional.empty();
    }
  }

  /**
   * Step I/O for device tensors: each write goes to its own part of one pinned buffer and is queued
   * as an async copy, so that several writes of one step never overwrite each other's source before
   * the copy runs. Every step ends with a read (the sampled ids), which waits for the stream;
   * {@link StepIo#endStep} then lets the next step reuse the buffer from the start.
   *
   * @param capacityInts ints one step may write in all
   * @param capacityFloats floats one read may return through the pinned read-back buffer (larger
   *     reads take the backend's path)
   */
  static StepIo stepIo(Ops ops, int capacityInts, int capacityFloats) {
    CudaDevicePort port = port(ops);
    ByteBuffer pinned = port.allocatePinned(4L * capacityInts).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer readBack;
    try {
      readBack = port.allocatePinned(4L * capacityFloats).order(ByteOrder.LITTLE_ENDIAN);
    } catch (RuntimeException | Error e) {
      port.freePinned(pinned);
      throw e;
    }
    return new StepIo() {
      private int used;

      @Override
      public void write(Tensor dst, int[] values, int count) {
        StepIo.requireFits(dst, values, count);
        if (used + count > capacityInts) {
          throw new IllegalStateException(
              "step inputs exceed the pinned staging buffer of " + capacityInts + " ints");
        }
        if (count == 0) {
          return;
        }
        ByteBuffer part =
            pinned
                .duplicate()
                .position(4 * used)
                .limit(4 * (used + count))
                .slice()
                .order(ByteOrder.LITTLE_ENDIAN);
        part.asIntBuffer().put(values, 0, count);
        port.copyHostToDeviceAsync(dst.address(), part, 4L * count);
        used += count;
      }

      @Override
      public float[] readFloats(Tensor src) {
        if (src.numel() > capacityFloats || !src.isContiguous()) {
          return ops.toHost(src)
              .toFloatArray(); // rare (all-position logits): the backend's own path
        }
        float[] out = new float[(int) src.numel()];
        readBack(src).asFloatBuffer().get(out);
        return out;
      }

      @Override
      public int[] readInts(Tensor src) {
        if (src.numel() > capacityFloats || !src.isContiguous()) {
          return ops.toHost(src).toIntArray();
        }
        int[] out = new int[(int) src.numel()];
        readBack(src).asIntBuffer().get(out);
        return out;
      }

      /** Copies 4-byte elements of {@code src} into the read-back buffer and waits for them. */
      private ByteBuffer readBack(Tensor src) {
        port.copyDeviceToHostAsync(readBack, src.address(), 4L * src.numel());
        port.synchronize();
        return readBack.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      }

      @Override
      public void endStep() {
        used = 0;
      }

      @Override
      public void close() {
        port.freePinned(pinned);
        port.freePinned(readBack);
      }
    };
  }
}
