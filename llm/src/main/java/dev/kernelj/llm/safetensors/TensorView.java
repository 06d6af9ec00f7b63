package dev.kernelj.llm.safetensors;

import dev.kernelj.llm.util.ModelFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.file.Path;
import java.util.stream.IntStream;

/**
 * A tensor of a safetensors file: its name, dtype and shape, and its bytes as a read-only
 * little-endian buffer over the mapped file (no copy). The conversions to Java arrays copy and
 * widen.
 */
public final class TensorView {
  private final Path file;
  private final TensorInfo info;
  private final ByteBuffer bytes;
  private final SafetensorsFile owner;

  TensorView(Path file, TensorInfo info, ByteBuffer bytes, SafetensorsFile owner) {
    this.file = file;
    this.info = info;
    this.bytes = bytes;
    this.owner = owner;
  }

  /** The tensor's name. */
  public String name() {
    return info.name();
  }

  /** The element type. */
  public SafetensorsDType dtype() {
    return info.dtype();
  }

  /** The shape, outermost first (a copy). */
  public long[] shape() {
    return info.shape();
  }

  /** The header entry. */
  public TensorInfo info() {
    return info;
  }

  /** The file holding this tensor. */
  public Path file() {
    return file;
  }

  /** Number of elements. */
  public long elementCount() {
    return info.elementCount();
  }

  /** Number of bytes. */
  public long byteLength() {
    return info.byteLength();
  }

  /**
   * The tensor's bytes: read-only, little-endian, position 0, limit = byte length. Each call
   * returns an independent buffer over the same memory.
   *
   * @throws ModelFormatException when the tensor is larger than one buffer can address (2 GiB); use
   *     {@link SafetensorsFile#region} for those
   */
  public ByteBuffer buffer() {
    if (bytes == null) {
      throw tooLarge("a ByteBuffer; read it in parts with SafetensorsFile.region()");
    }
    return bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The bytes of {@code [offset, offset + length)}; works for tensors of any size. */
  public ByteBuffer region(long offset, int length) {
    return owner.region(info, offset, length);
  }

  /**
   * Every element widened to float: exact for F16, BF16, F8 and small integers; F64 and I64 are
   * rounded.
   */
  public float[] toFloatArray() {
    float[] out = new float[checkedCount("a float[]")];
    widen(buffer(), out, out.length);
    return out;
  }

  /**
   * Elements {@code [first, first + count)} widened to float into {@code out[0, count)}, as {@link
   * #toFloatArray} does, reading only their bytes: the way to convert a tensor of any size in parts
   * without a whole heap copy.
   */
  public void readFloats(long first, float[] out, int count) {
    int size = info.dtype().byteSize();
    if (first < 0 || count < 0 || count > out.length || first > elementCount() - count) {
      throw new IndexOutOfBoundsException(
          "elements ["
              + first
              + ", +"
              + count
              + ") of tensor '"
              + name()
              + "' ("
              + elementCount()
              + " elements) into a float["
              + out.length
              + "]");
    }
    ByteBuffer b =
        bytes == null
            ? region(first * size, Math.multiplyExact(count, size))
            : bytes
                .duplicate()
                .order(ByteOrder.LITTLE_ENDIAN)
                .position((int) (first * size))
                .slice()
                .order(ByteOrder.LITTLE_ENDIAN);
    widen(b, out, count);
  }

  private void widen(ByteBuffer b, float[] out, int count) {
    switch (info.dtype()) {
      case F32 -> b.asFloatBuffer().get(out, 0, count);
      case F64 -> {
        for (int i = 0; i < count; i++) {
          out[i] = (float) b.getDouble(i * 8);
        }
      }
      case F16 -> {
        for (int i = 0; i < count; i++) {
          out[i] = FloatFormats.halfToFloat(b.getShort(i * 2));
        }
      }
      case BF16 -> {
        for (int i = 0; i < count; i++) {
          out[i] = FloatFormats.bf16ToFloat(b.getShort(i * 2));
        }
      }
      case F8_E4M3 -> {
        for (int i = 0; i < count; i++) {
          out[i] = FloatFormats.e4m3ToFloat(b.get(i));
        }
      }
      case F8_E5M2 -> {
        for (int i = 0; i < count; i++) {
          out[i] = FloatFormats.e5m2ToFloat(b.get(i));
        }
      }
      case I64 -> {
        for (int i = 0; i < count; i++) {
          out[i] = b.getLong(i * 8);
        }
      }
      case I32 -> {
        for (int i = 0; i < count; i++) {
          out[i] = b.getInt(i * 4);
        }
      }
      case I16 -> {
        for (int i = 0; i < count; i++) {
          out[i] = b.getShort(i * 2);
        }
      }
      case I8 -> {
        for (int i = 0; i < count; i++) {
          out[i] = b.get(i);
        }
      }
      case U8, BOOL -> {
        for (int i = 0; i < count; i++) {
          out[i] = b.get(i) & 0xFF;
        }
      }
    }
  }

  /**
   * Every element as an int: I32 as is; I8, I16, U8 and BOOL widened; I64 narrowed with a range
   * check.
   *
   * @throws ModelFormatException for floating-point dtypes or I64 values outside the int range
   */
  public int[] toIntArray() {
    ByteBuffer b = buffer();
    int[] out = new int[checkedCount("an int[]")];
    switch (info.dtype()) {
      case I32 -> copyInts(b.asIntBuffer(), out);
      case I16 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = b.getShort(i * 2);
        }
      }
      case I8 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = b.get(i);
        }
      }
      case U8, BOOL -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = b.get(i) & 0xFF;
        }
      }
      case I64 -> {
        for (int i = 0; i < out.length; i++) {
          long value = b.getLong(i * 8);
          if (value != (int) value) {
            throw new ModelFormatException(
                file,
                "tensor '" + name() + "'",
                "element " + i + " = " + value + " does not fit an int");
          }
          out[i] = (int) value;
        }
      }
      default ->
          throw new ModelFormatException(
              file, "tensor '" + name() + "'", "dtype " + dtype() + " is not an integer type");
    }
    return out;
  }

  /** Elements per part when a large int tensor is copied by several threads. */
  private static final int PARALLEL_COPY_INTS = 1 << 20;

  /**
   * {@code src} into {@code out}, in 4 MiB parts on several threads when it is larger: a quantized
   * model's packed weights are gigabytes of int32, and one thread's copy out of a mapped file (page
   * faults included) would be the slowest step of its load.
   */
  private static void copyInts(IntBuffer src, int[] out) {
    int parts = (out.length + PARALLEL_COPY_INTS - 1) / PARALLEL_COPY_INTS;
    if (parts <= 1) {
      src.get(0, out, 0, out.length);
      return;
    }
    IntStream.range(0, parts)
        .parallel()
        .forEach(
            p -> {
              int from = p * PARALLEL_COPY_INTS;
              src.get(from, out, from, Math.min(PARALLEL_COPY_INTS, out.length - from));
            });
  }

  private int checkedCount(String what) {
    long count = info.elementCount();
    if (count > Integer.MAX_VALUE - 8) {
      throw tooLarge(what);
    }
    return (int) count;
  }

  private ModelFormatException tooLarge(String what) {
    return new ModelFormatException(
        file,
        "tensor '" + name() + "'",
        "is " + byteLength() + " bytes (" + elementCount() + " elements), too large for " + what);
  }

  @Override
  public String toString() {
    return info.toString();
  }
}
