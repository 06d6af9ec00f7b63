package dev.kernelj.llm.model;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.safetensors.SafetensorsDType;
import dev.kernelj.llm.safetensors.TensorView;
import dev.kernelj.ops.BFloat16;
import dev.kernelj.ops.Float16;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes checkpoint tensors into tensors the backend allocated (whole tensors or row ranges of
 * fused ones). When the stored dtype is the target's, the bytes go from the mapped file to the
 * backend untouched ({@link Ops#copyFromHost}), which for a bf16 model on the GPU is nearly all of
 * them: no heap copy, no widening, so loading runs at host-to-device copy speed. Otherwise each
 * part is widened to floats and rounded once to the target dtype (round to nearest even), a few MiB
 * at a time rather than a whole tensor on the heap.
 */
public final class WeightUploader {
  /** Bytes per raw part: one mapped region each, and a ByteBuffer addresses at most 2 GiB. */
  static final long RAW_PART_BYTES = 1L << 30;

  /** Elements per converted part (4 MiB of floats). */
  static final int CONVERT_PART_ELEMENTS = 1 << 20;

  private final Ops ops;
  private final long rawPartBytes;
  private final int convertPartElements;

  WeightUploader(Ops ops, long rawPartBytes, int convertPartElements) {
    if (rawPartBytes < 1 || rawPartBytes > Integer.MAX_VALUE || convertPartElements < 1) {
      throw new IllegalArgumentException(
          "part sizes "
              + rawPartBytes
              + " bytes and "
              + convertPartElements
              + " elements: 1 to 2^31 - 1 bytes and at least 1 element");
    }
    this.ops = ops;
    this.rawPartBytes = rawPartBytes;
    this.convertPartElements = convertPartElements;
  }

  /** An uploader into {@code ops}'s memory. */
  public static WeightUploader forBackend(Ops ops) {
    return new WeightUploader(ops, RAW_PART_BYTES, CONVERT_PART_ELEMENTS);
  }

  /**
   * Writes {@code view} into {@code dst}, a contiguous tensor of this backend with the view's
   * element count, converting to {@code dst}'s dtype where the checkpoint stores another.
   */
  public void write(TensorView view, Tensor dst) {
    if (view.elementCount() != dst.numel() || !dst.isContiguous() || dst.rank() == 0) {
      throw new IllegalArgumentException(
          "cannot write checkpoint tensor "
              + view
              + " into "
              + dst
              + ": a contiguous target of "
              + view.elementCount()
              + " elements is needed");
    }
    if (sameEncoding(view.dtype(), dst.dtype())) {
      writeRaw(view, dst);
    } else {
      writeConverted(view, dst);
    }
  }

  /** Whether the checkpoint's bytes already are {@code target}'s little-endian encoding. */
  static boolean sameEncoding(SafetensorsDType stored, DType target) {
    return switch (stored) {
      case BF16 -> target == DType.BF16;
      case F16 -> target == DType.F16;
      case F32 -> target == DType.F32;
      case I32 -> target == DType.I32;
      case I8 -> target == DType.I8;
      case U8 -> target == DType.U8;
      default -> false;
    };
  }

  private void writeRaw(TensorView view, Tensor dst) {
    if (view.byteLength() <= rawPartBytes) {
      ops.copyFromHost(dst, view.buffer());
      return;
    }
    long rowBytes = view.byteLength() / dst.dim(0);
    int partRows = (int) Math.max(1, rawPartBytes / rowBytes);
    for (int row = 0; row < dst.dim(0); row += partRows) {
      int end = Math.min(dst.dim(0), row + partRows);
      ops.copyFromHost(
          dst.slice(0, row, end),
          view.region(row * rowBytes, Math.toIntExact((end - row) * rowBytes)));
    }
  }

  private void writeConverted(TensorView view, Tensor dst) {
    int rowElements = Math.toIntExact(dst.numel() / dst.dim(0));
    int partRows = Math.max(1, convertPartElements / rowElements);
    int size = dst.dtype().byteSize();
    float[] floats =
        new float[Math.toIntExact(Math.min(dst.numel(), (long) partRows * rowElements))];
    ByteBuffer encoded = ByteBuffer.allocate(floats.length * size).order(ByteOrder.LITTLE_ENDIAN);
    for (int row = 0; row < dst.dim(0); row += partRows) {
      int end = Math.min(dst.dim(0), row + partRows);
      int count = (end - row) * rowElements;
      view.readFloats((long) row * rowElements, floats, count);
      encoded.clear();
      encode(dst.dtype(), floats, count, encoded);
      encoded.flip();
      ops.copyFromHost(dst.slice(0, row, end), encoded);
    }
  }

  private static void encode(DType dtype, float[] values, int count, ByteBuffer out) {
    switch (dtype) {
      case F32 -> out.asFloatBuffer().put(values, 0, count);
      case BF16 -> {
        for (int i = 0; i < count; i++) {
          out.putShort(i * 2, BFloat16.fromFloat(values[i]));
        }
      }
      case F16 -> {
        for (int i = 0; i < count; i++) {
          out.putShort(i * 2, Float16.fromFloat(values[i]));
        }
      }
      default ->
          throw new IllegalArgumentException("weights convert to f32, f16 or bf16, not " + dtype);
    }
    out.position(count * dtype.byteSize());
  }
}
