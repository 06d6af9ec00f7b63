package dev.kernelj.llm.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsRoundTripTest {
  @TempDir Path dir;

  @Test
  void aLargeInt32TensorReadsBackWholeFromItsParallelParts() throws IOException {
    // Past the 1M-element parts toIntArray copies on several threads, with a partial last part,
    // and behind a small tensor so that it starts at an odd place in the mapped file.
    int[] ints = new java.util.Random(4).ints(3 * (1 << 20) + 5).toArray();
    Path file = dir.resolve("ints.safetensors");
    new SafetensorsWriter()
        .addI32("small", new long[] {1}, new int[] {9})
        .addI32("qweight", new long[] {ints.length}, ints)
        .write(file);
    try (SafetensorsFile st = SafetensorsFile.open(file)) {
      assertArrayEquals(ints, st.tensor("qweight").toIntArray());
      assertArrayEquals(new int[] {9}, st.tensor("small").toIntArray());
    }
  }

  @Test
  void everyWriterTypeReadsBack() throws IOException {
    float[] values = {1.5f, -2.25f, 0f, 3.140625f, 65504f, -0.0009765625f};
    Path file = dir.resolve("model.safetensors");
    new SafetensorsWriter()
        .metadata("format", "pt")
        .addF32("f32", new long[] {2, 3}, values)
        .addF16("f16", new long[] {6}, values)
        .addBF16("bf16", new long[] {3, 2}, new float[] {1f, -2f, 0.5f, 3f, 256f, -0.125f})
        .addI32("i32", new long[] {2}, new int[] {-7, Integer.MAX_VALUE})
        .add("u8", SafetensorsDType.U8, new long[] {3}, new byte[] {1, (byte) 200, 3})
        .add(
            "scalar",
            SafetensorsDType.F64,
            new long[] {},
            ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(2.5).array())
        .add("empty", SafetensorsDType.F32, new long[] {0, 4}, new byte[0])
        .write(file);
    try (SafetensorsFile st = SafetensorsFile.open(file)) {
      assertEquals(Map.of("format", "pt"), st.metadata());
      assertEquals(0, st.header().dataStart() % 8, "data section 8-byte aligned");
      assertArrayEquals(values, st.tensor("f32").toFloatArray());
      assertArrayEquals(values, st.tensor("f16").toFloatArray());
      assertArrayEquals(
          new float[] {1f, -2f, 0.5f, 3f, 256f, -0.125f}, st.tensor("bf16").toFloatArray());
      assertArrayEquals(new int[] {-7, Integer.MAX_VALUE}, st.tensor("i32").toIntArray());
      assertArrayEquals(new float[] {1, 200, 3}, st.tensor("u8").toFloatArray());
      assertArrayEquals(new float[] {2.5f}, st.tensor("scalar").toFloatArray());
      assertEquals(0, st.tensor("empty").toFloatArray().length);
      TensorView f32 = st.tensor("f32");
      assertArrayEquals(new long[] {2, 3}, f32.shape());
      assertEquals(SafetensorsDType.F32, f32.dtype());
      assertEquals(ByteOrder.LITTLE_ENDIAN, f32.buffer().order());
      assertTrue(f32.buffer().isReadOnly());
      assertEquals(-2.25f, f32.buffer().getFloat(4));
    }
    // The same bytes in memory give the same header.
    byte[] bytes = Files.readAllBytes(file);
    try (SafetensorsFile mapped = SafetensorsFile.open(file)) {
      assertEquals(
          mapped.header(), SafetensorsFile.fromBytes(ByteBuffer.wrap(bytes), file).header());
    }
  }

  @Test
  void headerParsesFastEnoughForManyTensors() throws IOException {
    SafetensorsWriter writer = new SafetensorsWriter();
    for (int i = 0; i < 2000; i++) {
      writer.addF32("model.layers." + i + ".weight", new long[] {4}, new float[4]);
    }
    Path file = dir.resolve("many.safetensors");
    writer.write(file);
    try (SafetensorsFile st = SafetensorsFile.open(file)) {
      assertEquals(2000, st.tensors().size());
      assertEquals(2000 * 16, st.header().tensorBytes());
    }
  }
}
