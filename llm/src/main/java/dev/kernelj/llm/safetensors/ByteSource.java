package dev.kernelj.llm.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where a safetensors file's bytes come from: a memory-mapped file, or a buffer already in memory
 * (tests, fuzzing). Implementations return read-only buffers and never copy tensor data.
 */
interface ByteSource extends AutoCloseable {
  /** Total size in bytes. */
  long size();

  /**
   * A read-only view of bytes {@code [offset, offset + length)}, position 0; byte order
   * unspecified. {@code length} fits one buffer; the caller has checked the bounds.
   */
  ByteBuffer slice(long offset, int length) throws IOException;

  /** Reads bytes {@code [offset, offset + length)} into a new array (used for the header only). */
  default byte[] read(long offset, int length) throws IOException {
    ByteBuffer view = slice(offset, length);
    byte[] bytes = new byte[length];
    view.get(bytes);
    return bytes;
  }

  @Override
  void close() throws IOException;
}
