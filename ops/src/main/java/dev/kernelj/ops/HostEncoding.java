package dev.kernelj.ops;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Host tensor elements to and from their device byte encoding (little-endian f32, IEEE half, bf16,
 * i32, i8/u8), for copies through pinned staging buffers.
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
        float[] f = t.hostFloats();
        for (int i = 0; i < count; i++) b.putFloat(f[base + i]);
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
        int[] v = t.hostInts();
        for (int i = 0; i < count; i++) b.putInt(v[base + i]);
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
        float[] f = t.hostFloats();
        for (int i = 0; i < count; i++) f[base + i] = b.getFloat();
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
        int[] v = t.hostInts();
        for (int i = 0; i < count; i++) v[base + i] = b.getInt();
      }
      default -> b.get(t.hostBytes(), base, count);
    }
  }
}
