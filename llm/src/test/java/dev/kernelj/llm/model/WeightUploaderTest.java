package dev.kernelj.llm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.safetensors.SafetensorsFile;
import dev.kernelj.llm.safetensors.SafetensorsWriter;
import dev.kernelj.llm.safetensors.TensorView;
import dev.kernelj.ops.BFloat16;
import dev.kernelj.ops.DeviceAllocation;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.Shape;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.reference.ReferenceOps;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WeightUploader}: raw parts, converted parts, and tensors beyond what one buffer can
 * address.
 */
class WeightUploaderTest {
  @TempDir Path dir;

  private static float[] random(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  private static TensorView f32Tensor(float[] values, int rows, int cols) {
    byte[] file = new SafetensorsWriter().addF32("w", new long[] {rows, cols}, values).toBytes();
    return SafetensorsFile.fromBytes(ByteBuffer.wrap(file), Path.of("in-memory.safetensors"))
        .tensor("w");
  }

  @Test
  void rawAndConvertedPartsLandInTheirRowsWhateverThePartSize() {
    float[] values = random(7 * 5, 1);
    TensorView view = f32Tensor(values, 7, 5);
    float[] rounded = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      rounded[i] = BFloat16.round(values[i]);
    }
    ReferenceOps ops = new ReferenceOps();
    // Whole-tensor parts, then parts of 2 rows (the last one short), then of 1 row (a part size
    // below one row).
    for (WeightUploader uploader :
        List.of(
            WeightUploader.forBackend(ops),
            new WeightUploader(ops, 40, 10),
            new WeightUploader(ops, 3, 3))) {
      Tensor sameDtype = ops.empty(DType.F32, 9, 5);
      uploader.write(view, sameDtype.slice(0, 1, 8));
      assertArrayEquals(values, sameDtype.slice(0, 1, 8).toFloatArray(), "raw f32 rows 1..7");
      assertArrayEquals(
          new float[5], sameDtype.slice(0, 0, 1).toFloatArray(), "row before untouched");
      assertArrayEquals(
          new float[5], sameDtype.slice(0, 8, 9).toFloatArray(), "row after untouched");

      Tensor narrowed = ops.empty(DType.BF16, 7, 5);
      uploader.write(view, narrowed);
      assertArrayEquals(
          rounded, narrowed.toFloatArray(), "f32 rounded once to bf16, to nearest even");
    }
  }

  /**
   * A sparse file (no disk cost) with a u8 [2^16 + 1, 2^15] tensor: 2 GiB + 32 KiB in one tensor.
   */
  @Test
  void aTensorOverTwoGibGoesInRowAlignedPartsOfAtMostOneGib() throws IOException {
    int rows = (1 << 16) + 1;
    int cols = 1 << 15;
    long bytes = (long) rows * cols;
    String header =
        "{\"huge\": {\"dtype\": \"U8\", \"shape\": ["
            + rows
            + ", "
            + cols
            + "], \"data_offsets\": [0, "
            + bytes
            + "]}}";
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    long dataStart = 8 + json.length;
    Path file = dir.resolve("huge.safetensors");
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(dataStart + bytes);
      raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
      raf.write(json);
      raf.seek(
          dataStart + (1L << 30) - 1); // the last byte of the first GiB and the first of the second
      raf.write(new byte[] {7, 9});
      raf.seek(dataStart + bytes - 1);
      raf.write(5);
    }
    List<long[]> parts = new ArrayList<>(); // {first row, rows, bytes, first byte, last byte}
    Ops recording =
        (Ops)
            Proxy.newProxyInstance(
                Ops.class.getClassLoader(),
                new Class<?>[] {Ops.class},
                (proxy, method, args) -> {
                  if (!method.getName().equals("copyFromHost")) {
                    throw new AssertionError("unexpected call " + method.getName());
                  }
                  Tensor dst = (Tensor) args[0];
                  ByteBuffer b = (ByteBuffer) args[1];
                  parts.add(
                      new long[] {
                        dst.offset() / cols,
                        dst.dim(0),
                        b.remaining(),
                        b.get(b.position()),
                        b.get(b.limit() - 1)
                      });
                  return null;
                });
    Tensor dst =
        Tensor.onDevice(
            DType.U8, Shape.of(rows, cols), new DeviceAllocation(0x1000, bytes, this, a -> {}));
    try (SafetensorsFile st = SafetensorsFile.open(file)) {
      WeightUploader.forBackend(recording).write(st.tensor("huge"), dst);
    }
    assertEquals(3, parts.size(), "1 GiB, 1 GiB, then the last row");
    long nextRow = 0;
    for (long[] p : parts) {
      assertEquals(nextRow, p[0], "parts follow each other");
      assertEquals(p[1] * cols, p[2], "a part holds exactly its rows' bytes");
      assertTrue(p[2] <= WeightUploader.RAW_PART_BYTES, "part of " + p[2] + " bytes");
      nextRow += p[1];
    }
    assertEquals(rows, nextRow);
    assertEquals(7, parts.get(0)[4], "last byte of part 1");
    assertEquals(9, parts.get(1)[3], "first byte of part 2");
    assertEquals(5, parts.get(2)[4], "last byte of the tensor");
  }
}
