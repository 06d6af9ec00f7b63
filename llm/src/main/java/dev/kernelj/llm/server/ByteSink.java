package dev.kernelj.llm.server;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/** A growable byte buffer whose contents are read in place, without the copy of toByteArray. */
final class ByteSink extends ByteArrayOutputStream {
  ByteSink(int size) {
    super(size);
  }

  /** The backing array: bytes [0, {@link #size()}) are the contents. */
  byte[] array() {
    return buf;
  }

  /** The contents, not copied: valid until the next write or reset. */
  ByteBuffer view() {
    return ByteBuffer.wrap(buf, 0, count);
  }
}
