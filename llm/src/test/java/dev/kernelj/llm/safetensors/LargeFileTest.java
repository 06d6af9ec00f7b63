package dev.kernelj.llm.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.util.ModelFormatException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 2.15 GB file (sparse: it costs no disk) whose tensors lie beyond the 2 GiB a single
 * MappedByteBuffer can reach, one of them larger than 2 GiB itself.
 */
class LargeFileTest {
  private static final long HUGE = (1L << 31) + 16;

  @TempDir Path dir;

  @Test
  void tensorsBeyondTwoGibAreReadable() throws IOException {
    String header =
        "{\"huge\": {\"dtype\": \"U8\", \"shape\": ["
            + HUGE
            + "], \"data_offsets\": [0, "
            + HUGE
            + "]}, \"tail\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": ["
            + HUGE
            + ", "
            + (HUGE + 16)
            + "]}}";
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    long dataStart = 8 + json.length;
    Path file = dir.resolve("large.safetensors");
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(dataStart + HUGE + 16);
      raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
      raf.write(json);
      // Bytes on both sides of the 2^31 offset inside "huge".
      raf.seek(dataStart + (1L << 31) - 2);
      raf.write(new byte[] {11, 12, 13, 14});
      raf.seek(dataStart + HUGE);
      ByteBuffer tail = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
      tail.putFloat(1.5f).putFloat(-2f).putFloat(3.25f).putFloat(4f);
      raf.write(tail.array());
    }
    try (SafetensorsFile st = SafetensorsFile.open(file)) {
      assertTrue(st.fileSize() > Integer.MAX_VALUE);
      assertArrayEquals(new float[] {1.5f, -2f, 3.25f, 4f}, st.tensor("tail").toFloatArray());
      TensorView huge = st.tensor("huge");
      ModelFormatException tooBig = assertThrows(ModelFormatException.class, huge::buffer);
      assertTrue(tooBig.getMessage().contains("region"), tooBig.getMessage());
      ByteBuffer across = huge.region((1L << 31) - 2, 4);
      assertEquals(11, across.get(0));
      assertEquals(14, across.get(3));
    }
  }
}
