package dev.kernelj.llm.safetensors;

import dev.kernelj.llm.util.ModelFiles;
import dev.kernelj.llm.util.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One open safetensors file: its validated header and zero-copy, memory-mapped access to its
 * tensors.
 *
 * <p>Opening reads only the header (two small reads), so it costs about the same for a 100 KiB file
 * and a 10 GB one. Tensors are mapped on request, each exactly over its own bytes, so files and
 * tensors beyond 2 GiB need nothing special; a single tensor beyond 2 GiB is read in parts with
 * {@link #region}.
 *
 * <p>Not thread-safe for {@link #close()} racing with reads; reading tensors from several threads
 * is fine.
 */
public final class SafetensorsFile implements TensorLookup, AutoCloseable {
  private final Path path;
  private final ByteSource source;
  private final SafetensorsHeader header;
  private final Map<String, TensorInfo> byName;

  private SafetensorsFile(Path path, ByteSource source, SafetensorsHeader header) {
    this.path = path;
    this.source = source;
    this.header = header;
    Map<String, TensorInfo> map = new LinkedHashMap<>();
    for (TensorInfo tensor : header.tensors()) {
      map.put(tensor.name(), tensor);
    }
    this.byName = Collections.unmodifiableMap(map);
  }

  /** Opens and validates {@code path}; throws {@link ModelFormatException} on any problem. */
  public static SafetensorsFile open(Path path) {
    ModelFiles.requireRegularFile(path, Long.MAX_VALUE);
    MappedFileSource source;
    try {
      source = MappedFileSource.open(path);
    } catch (IOException e) {
      throw unreadable(path, e);
    }
    try {
      return new SafetensorsFile(path, source, readHeader(path, source));
    } catch (RuntimeException e) {
      closeQuietly(source, e);
      throw e;
    }
  }

  /**
   * Validates the complete file contents {@code bytes} (from position to limit) held in memory.
   *
   * @param name used as the file name in error messages
   */
  public static SafetensorsFile fromBytes(ByteBuffer bytes, Path name) {
    BufferSource source = new BufferSource(bytes);
    return new SafetensorsFile(name, source, readHeader(name, source));
  }

  private static SafetensorsHeader readHeader(Path path, ByteSource source) {
    long size = source.size();
    try {
      ByteBuffer first8 = ByteBuffer.wrap(source.read(0, (int) Math.min(8, size)));
      long headerLength = SafetensorsHeaderParser.headerLength(first8, size, path);
      byte[] json = source.read(8, (int) headerLength);
      return SafetensorsHeaderParser.parse(json, size, path);
    } catch (IOException e) {
      throw unreadable(path, e);
    }
  }

  static ModelFormatException unreadable(Path path, IOException e) {
    return ModelFiles.unreadable(path, e);
  }

  private static void closeQuietly(ByteSource source, Exception primary) {
    try {
      source.close();
    } catch (IOException suppressed) {
      primary.addSuppressed(suppressed);
    }
  }

  /** The file's path (or the name given to {@link #fromBytes}). */
  public Path path() {
    return path;
  }

  @Override
  public Path location() {
    return path;
  }

  /** Total file size in bytes. */
  public long fileSize() {
    return source.size();
  }

  /** The validated header. */
  public SafetensorsHeader header() {
    return header;
  }

  /** The {@code __metadata__} map (empty when absent). */
  public Map<String, String> metadata() {
    return header.metadata();
  }

  /** Tensors in file order. */
  public List<TensorInfo> tensors() {
    return header.tensors();
  }

  /** Whether a tensor named {@code name} exists. */
  @Override
  public boolean contains(String name) {
    return byName.containsKey(name);
  }

  /** The header entry of tensor {@code name}; throws {@link ModelFormatException} when absent. */
  public TensorInfo info(String name) {
    TensorInfo info = byName.get(name);
    if (info == null) {
      throw new ModelFormatException(
          path,
          "tensor '" + name + "'",
          "no such tensor in this file (" + byName.size() + " tensors)");
    }
    return info;
  }

  /** A typed view of tensor {@code name}, mapped now. */
  @Override
  public TensorView tensor(String name) {
    return tensor(info(name));
  }

  /** A typed view of {@code info}, which must come from this file. */
  public TensorView tensor(TensorInfo info) {
    if (info.byteLength() > Integer.MAX_VALUE) {
      return new TensorView(path, info, null, this);
    }
    return new TensorView(path, info, region(info, 0, (int) info.byteLength()), this);
  }

  /**
   * A read-only little-endian view of bytes {@code [offset, offset + length)} of tensor {@code
   * info}: the way to read tensors larger than one buffer (2 GiB) in parts.
   */
  public ByteBuffer region(TensorInfo info, long offset, int length) {
    if (offset < 0 || length < 0 || offset > info.byteLength() - length) {
      throw new IndexOutOfBoundsException(
          "region ["
              + offset
              + ", +"
              + length
              + ") outside tensor '"
              + info.name()
              + "' of "
              + info.byteLength()
              + " bytes");
    }
    try {
      return source
          .slice(header.dataStart() + info.begin() + offset, length)
          .asReadOnlyBuffer()
          .order(ByteOrder.LITTLE_ENDIAN);
    } catch (IOException e) {
      throw unreadable(path, e);
    }
  }

  @Override
  public void close() {
    try {
      source.close();
    } catch (IOException e) {
      throw unreadable(path, e);
    }
  }
}
