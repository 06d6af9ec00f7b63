package dev.kernelj.llm.safetensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds safetensors bytes from a hand-written header, to produce files no writer would. */
final class RawFiles {
  private RawFiles() {}

  /**
   * 8-byte length of {@code header}'s UTF-8 bytes, the header, then {@code dataLength} bytes of
   * data.
   */
  static byte[] of(String header, int dataLength) {
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(8 + json.length + dataLength)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putLong(json.length)
        .put(json)
        .array();
  }
}
