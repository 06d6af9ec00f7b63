package dev.kernelj.llm.safetensors;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.kernelj.llm.json.JsonLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes safetensors files: tensors are laid out in the order they were added, the header is padded
 * with spaces so the data section starts 8-byte aligned (as the reference writer does). Tensor data
 * may be given as arrays or streamed ({@link TensorData}), so multi-GB files can be written without
 * holding them in memory.
 *
 * <pre>{@code
 * new SafetensorsWriter()
 *     .metadata("format", "pt")
 *     .addF32("model.norm.weight", new long[] {64}, norm)
 *     .write(dir.resolve("model.safetensors"));
 * }</pre>
 */
public final class SafetensorsWriter {
  /** Streams a tensor's exact bytes (little-endian) to the output. */
  @FunctionalInterface
  public interface TensorData {
    void writeTo(WritableByteChannel out) throws IOException;
  }

  private record Entry(
      String name, SafetensorsDType dtype, long[] shape, long byteLength, TensorData data) {}

  private final Map<String, String> metadata = new LinkedHashMap<>();
  private final List<Entry> entries = new ArrayList<>();
  private final Set<String> names = new HashSet<>();

  /** Adds a {@code __metadata__} entry. */
  public SafetensorsWriter metadata(String key, String value) {
    metadata.put(key, value);
    return this;
  }

  /**
   * Adds a tensor whose bytes are streamed at write time; {@code data} must write exactly the right
   * count.
   */
  public SafetensorsWriter add(String name, SafetensorsDType dtype, long[] shape, TensorData data) {
    if (!names.add(name) || name.equals(SafetensorsHeaderParser.METADATA_KEY)) {
      throw new IllegalArgumentException("tensor name '" + name + "' is already used or reserved");
    }
    long count = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      count = Math.multiplyExact(count, d);
    }
    entries.add(
        new Entry(
            name, dtype, shape.clone(), Math.multiplyExact(count, (long) dtype.byteSize()), data));
    return this;
  }

  /** Adds a tensor given as its little-endian bytes. */
  public SafetensorsWriter add(String name, SafetensorsDType dtype, long[] shape, byte[] bytes) {
    byte[] copy = bytes.clone();
    add(name, dtype, shape, out -> writeFully(out, ByteBuffer.wrap(copy)));
    long expected = entries.get(entries.size() - 1).byteLength();
    if (expected != copy.length) {
      entries.remove(entries.size() - 1);
      names.remove(name);
      throw new IllegalArgumentException(
          "tensor '"
              + name
              + "': "
              + copy.length
              + " bytes given, dtype "
              + dtype
              + " and shape "
              + Arrays.toString(shape)
              + " need "
              + expected);
    }
    return this;
  }

  /** Adds an F32 tensor. */
  public SafetensorsWriter addF32(String name, long[] shape, float[] values) {
    ByteBuffer bytes = little(values.length * 4L);
    bytes.asFloatBuffer().put(values);
    return add(name, SafetensorsDType.F32, shape, bytes.array());
  }

  /** Adds an F16 tensor, rounding each value to nearest even. */
  public SafetensorsWriter addF16(String name, long[] shape, float[] values) {
    ByteBuffer bytes = little(values.length * 2L);
    for (float v : values) {
      bytes.putShort(FloatFormats.floatToHalf(v));
    }
    return add(name, SafetensorsDType.F16, shape, bytes.array());
  }

  /** Adds a BF16 tensor, rounding each value to nearest even. */
  public SafetensorsWriter addBF16(String name, long[] shape, float[] values) {
    ByteBuffer bytes = little(values.length * 2L);
    for (float v : values) {
      bytes.putShort(FloatFormats.floatToBf16(v));
    }
    return add(name, SafetensorsDType.BF16, shape, bytes.array());
  }

  /** Adds an I32 tensor. */
  public SafetensorsWriter addI32(String name, long[] shape, int[] values) {
    ByteBuffer bytes = little(values.length * 4L);
    bytes.asIntBuffer().put(values);
    return add(name, SafetensorsDType.I32, shape, bytes.array());
  }

  private static ByteBuffer little(long length) {
    return ByteBuffer.allocate(Math.toIntExact(length)).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The header JSON, padded with spaces to make {@code 8 + length} a multiple of 8. */
  String headerJson() {
    StringWriter text = new StringWriter();
    try (JsonGenerator json = JsonLimits.generator(text)) {
      json.writeStartObject();
      if (!metadata.isEmpty()) {
        json.writeObjectFieldStart(SafetensorsHeaderParser.METADATA_KEY);
        for (Map.Entry<String, String> m : metadata.entrySet()) {
          json.writeStringField(m.getKey(), m.getValue());
        }
        json.writeEndObject();
      }
      long offset = 0;
      for (Entry e : entries) {
        json.writeObjectFieldStart(e.name());
        json.writeStringField("dtype", e.dtype().name());
        json.writeArrayFieldStart("shape");
        for (long d : e.shape()) {
          json.writeNumber(d);
        }
        json.writeEndArray();
        json.writeArrayFieldStart("data_offsets");
        json.writeNumber(offset);
        json.writeNumber(offset + e.byteLength());
        json.writeEndArray();
        json.writeEndObject();
        offset += e.byteLength();
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    StringBuilder header = new StringBuilder(text.toString());
    while (header.toString().getBytes(StandardCharsets.UTF_8).length % 8 != 0) {
      header.append(' ');
    }
    return header.toString();
  }

  /**
   * Writes the file to {@code path} (through a temporary file and a move, so readers never see half
   * a file).
   */
  public void write(Path path) throws IOException {
    Path directory = path.toAbsolutePath().getParent();
    Path temp = Files.createTempFile(directory, path.getFileName().toString(), ".partial");
    try {
      try (FileChannel out =
          FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        writeTo(out);
      }
      Files.move(temp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** The complete file as bytes (small files only). */
  public byte[] toBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      writeTo(Channels.newChannel(bytes));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Writes the complete file to {@code out}. */
  public void writeTo(WritableByteChannel out) throws IOException {
    byte[] header = headerJson().getBytes(StandardCharsets.UTF_8);
    ByteBuffer length =
        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
    writeFully(out, length);
    writeFully(out, ByteBuffer.wrap(header));
    for (Entry e : entries) {
      CountingChannel counting = new CountingChannel(out);
      e.data().writeTo(counting);
      if (counting.count != e.byteLength()) {
        throw new IllegalStateException(
            "tensor '"
                + e.name()
                + "': data wrote "
                + counting.count
                + " bytes, expected "
                + e.byteLength());
      }
    }
  }

  private static void writeFully(WritableByteChannel out, ByteBuffer bytes) throws IOException {
    while (bytes.hasRemaining()) {
      out.write(bytes);
    }
  }

  private static final class CountingChannel implements WritableByteChannel {
    private final WritableByteChannel delegate;
    private long count;

    CountingChannel(WritableByteChannel delegate) {
      this.delegate = delegate;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      int n = delegate.write(src);
      count += n;
      return n;
    }

    @Override
    public boolean isOpen() {
      return delegate.isOpen();
    }

    @Override
    public void close() {}
  }
}
