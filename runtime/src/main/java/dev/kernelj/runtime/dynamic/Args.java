package dev.kernelj.runtime.dynamic;

import dev.kernelj.dsl.DType;

/**
 * Wrappers for dynamic-kernel arguments whose C type Java has no boxed type for: unsigned integers
 * and half-precision bit patterns. Boxed {@code Integer}, {@code Long}, {@code Float}, {@code
 * Double}, {@code Short}, {@code Byte} and {@code Boolean} map to the signed C types of their width
 * without a wrapper.
 *
 * <pre>{@code
 * kernel.launch(launch, Args.u32(n), 2.0f, x, y);   // unsigned int n
 * }</pre>
 */
public final class Args {
  private Args() {}

  /**
   * An argument of an explicit scalar type, carrying its bits in the low bytes of {@code bits}.
   *
   * @param type the C type it stands for
   * @param bits the value's bit pattern
   */
  public record Typed(DType type, long bits) {
    public Typed {
      if (type == DType.BOOL) {
        throw new IllegalArgumentException("pass a Boolean for bool");
      }
    }

    @Override
    public String toString() {
      return type
          + "("
          + switch (type) {
            case U8 -> Long.toString(bits & 0xFFL);
            case U16 -> Long.toString(bits & 0xFFFFL);
            case U32 -> Long.toString(bits & 0xFFFF_FFFFL);
            case U64 -> Long.toUnsignedString(bits);
            case F16, BF16 -> "0x" + Long.toHexString(bits & 0xFFFFL);
            default -> Long.toString(bits);
          }
          + ")";
    }
  }

  /** {@code unsigned char} / {@code uint8_t}; values 0..255 (or a byte's bits). */
  public static Typed u8(int value) {
    requireRange(value, -128, 255, "u8");
    return new Typed(DType.U8, value & 0xFFL);
  }

  /** {@code unsigned short} / {@code uint16_t}; values 0..65535 (or a short's bits). */
  public static Typed u16(int value) {
    requireRange(value, Short.MIN_VALUE, 65_535, "u16");
    return new Typed(DType.U16, value & 0xFFFFL);
  }

  /** {@code unsigned int} / {@code uint32_t}: the int's bits, so {@code -1} is 4294967295. */
  public static Typed u32(int bits) {
    return new Typed(DType.U32, bits & 0xFFFF_FFFFL);
  }

  /** {@code unsigned int} from a long in 0..4294967295. */
  public static Typed u32(long value) {
    if (value < 0 || value > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("u32 takes 0..4294967295, got " + value);
    }
    return new Typed(DType.U32, value);
  }

  /** {@code unsigned long long} / {@code uint64_t} / {@code size_t}: the long's bits. */
  public static Typed u64(long bits) {
    return new Typed(DType.U64, bits);
  }

  /** A {@code __half} by value, given its IEEE binary16 bits. */
  public static Typed f16Bits(short bits) {
    return new Typed(DType.F16, bits & 0xFFFFL);
  }

  /** A {@code __nv_bfloat16} by value, given its bits (the top half of the float's bits). */
  public static Typed bf16Bits(short bits) {
    return new Typed(DType.BF16, bits & 0xFFFFL);
  }

  private static void requireRange(long v, long min, long max, String what) {
    if (v < min || v > max) {
      throw new IllegalArgumentException(what + " takes " + min + ".." + max + ", got " + v);
    }
  }
}
