package dev.kernelj.llm.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A file read through the page cache: the header with plain reads (a few KiB; mapping would cost
 * more), tensors by mapping exactly their own region. Per-region mapping sidesteps the 2 GiB limit
 * of one {@code MappedByteBuffer} without chunk bookkeeping, and no tensor ever straddles a mapping
 * boundary.
 *
 * <p>Mappings stay valid after {@link #close()} (the JDK unmaps them when they become unreachable);
 * only new slices need the channel open.
 */
final class MappedFileSource implements ByteSource {
  private final FileChannel channel;
  private final long size;

  private MappedFileSource(FileChannel channel, long size) {
    this.channel = channel;
    this.size = size;
  }

  static MappedFileSource open(Path path) throws IOException {
    FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
    try {
      return new MappedFileSource(channel, channel.size());
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public ByteBuffer slice(long offset, int length) throws IOException {
    if (length == 0) {
      return ByteBuffer.allocate(0).asReadOnlyBuffer();
    }
    return channel.map(FileChannel.MapMode.READ_ONLY, offset, length);
  }

  @Override
  public byte[] read(long offset, int length) throws IOException {
    ByteBuffer target = ByteBuffer.allocate(length);
    while (target.hasRemaining()) {
      int n = channel.read(target, offset + target.position());
      if (n < 0) {
        throw new java.io.EOFException("file ended at byte " + (offset + target.position()));
      }
    }
    return target.array();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
