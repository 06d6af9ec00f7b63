package dev.kernelj.llm.safetensors;

import java.util.Arrays;
import java.util.List;

/**
 * The element types a safetensors header may name, with their size in bytes. Names are the header's
 * spelling ({@code "BF16"}, {@code "F8_E4M3"}); {@code F8_E4M3} is the "fn" variant PyTorch calls
 * {@code float8_e4m3fn}.
 */
public enum SafetensorsDType {
  F64(8),
  F32(4),
  F16(2),
  BF16(2),
  I64(8),
  I32(4),
  I16(2),
  I8(1),
  U8(1),
  BOOL(1),
  F8_E4M3(1),
  F8_E5M2(1);

  private final int byteSize;

  SafetensorsDType(int byteSize) {
    this.byteSize = byteSize;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /**
   * The dtype spelled {@code name} in a header, or null when unknown (names are case-sensitive).
   */
  public static SafetensorsDType fromHeaderName(String name) {
    for (SafetensorsDType dtype : values()) {
      if (dtype.name().equals(name)) {
        return dtype;
      }
    }
    return null;
  }

  /** Every header name, for error messages. */
  public static List<String> headerNames() {
    return Arrays.stream(values()).map(Enum::name).toList();
  }
}
