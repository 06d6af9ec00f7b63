package dev.kernelj.ops;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Host tensor elements to and from their device byte encoding (little-endian f32, IEEE half, bf16,
 * i32, i8/u8), for copies through pinned staging buffers. f32 and i32 move through a typed view of
 * the buffer in one bulk copy: a model's packed weights are gigabytes of i32.
 */
public final class HostEncoding {
  private HostEncoding() {}

  /**
   * Writes {@code count} elements of a contiguous host tensor, from element {@code from}, into
   * {@code dst} at its position.
   */
  public static void encode(Tensor t, long from, int count, ByteBuffer dst) {
    ByteBuffer b = dst.order(ByteOrder.LITTLE_ENDIAN);
    int base = (int) (t.offset() + from);
    switch (t.dtype()) {
      case F32 -> {
        b.asFloatBuffer().put(t.hostFloats(), base, count);
        b.position(b.position() + 4 * count);
      }
      case F16 -> {
        float[] f = t.hostFloats();
        for (int i = 0; i < count; i++) b.putShort(Float16.fromFloat(f[base + i]));
      }
      case BF16 -> {
        float[] f = t.hostFloats();
        for (int i = 0; i < count; i++) b.putShort(BFloat16.fromFloat(f[base + i]));
      }
      case I32 -> {
        b.asIntBuffer().put(t.hostInts(), base, count);
        b.position(b.position() + 4 * count);
      }
      default -> b.put(t.hostBytes(), base, count);
    }
  }

  /**
   * Reads {@code count} elements from {@code src} at its position into a contiguous host tensor
   * from element {@code from}.
   */
  public static void decode(ByteBuffer src, Tensor t, long from, int count) {
    ByteBuffer b = src.order(ByteOrder.LITTLE_ENDIAN);
    int base = (int) (t.offset() + from);
    switch (t.dtype()) {
      case F32 -> {
        b.asFloatBuffer().get(t.hostFloats(), base, count);
        b.position(b.position() + 4 * count);
      }
      case F16 -> {
        float[] f = t.hostFloats();
        for (int i = 0; i < count; i++) f[base + i] = Float16.toFloat(b.getShort());
      }
      case BF16 -> {
        float[] f = t.hostFloats();
        for (int i = 0; i < count; i++) f[base + i] = BFloat16.toFloat(b.getShort());
      }
      case I32 -> {
        b.asIntBuffer().get(t.hostInts(), base, count);
        b.position(b.position() + 4 * count);
      }
      default -> b.get(t.hostBytes(), base, count);
    }
  }
}
