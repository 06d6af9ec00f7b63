package dev.kernelj.llm.safetensors;

import java.nio.ByteBuffer;

/** File contents already in memory: for tests, fuzzing and small generated files. */
final class BufferSource implements ByteSource {
  private final ByteBuffer bytes;

  BufferSource(ByteBuffer bytes) {
    this.bytes = bytes.slice().asReadOnlyBuffer();
  }

  @Override
  public long size() {
    return bytes.remaining();
  }

  @Override
  public ByteBuffer slice(long offset, int length) {
    return bytes.slice((int) offset, length);
  }

  @Override
  public void close() {}
}
