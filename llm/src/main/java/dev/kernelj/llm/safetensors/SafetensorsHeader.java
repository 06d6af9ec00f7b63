package dev.kernelj.llm.safetensors;

import java.util.List;
import java.util.Map;

/**
 * The validated header of one safetensors file.
 *
 * <p>File layout: an unsigned 64-bit little-endian header length {@code N}, then {@code N} bytes of
 * UTF-8 JSON, then the data section. Tensor offsets are relative to the data section, which starts
 * at {@link #dataStart()}.
 *
 * @param metadata the optional {@code __metadata__} string map (often {@code {"format": "pt"}})
 * @param tensors the tensors sorted by their begin offset
 * @param dataStart absolute file offset of the data section ({@code 8 + N})
 * @param dataLength length of the data section (file size minus {@code dataStart})
 */
public record SafetensorsHeader(
    Map<String, String> metadata, List<TensorInfo> tensors, long dataStart, long dataLength) {
  public SafetensorsHeader {
    metadata = Map.copyOf(metadata);
    tensors = List.copyOf(tensors);
  }

  /** Total bytes of tensor data. */
  public long tensorBytes() {
    long total = 0;
    for (TensorInfo tensor : tensors) {
      total += tensor.byteLength();
    }
    return total;
  }
}
