package dev.kernelj.ops.kernels.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kernelj.ops.SamplingParams;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * The device block of per-row sampling parameters: each array where the kernels' pointers will look
 * for it.
 */
class SamplingRowsTest {
  @Test
  void everyArraySitsAtItsOffset() {
    int batch = 3;
    SamplingParams p = new SamplingParams(0.7f, 40, 0.9f, 0.05f, 1.3f, 0.5f, 0.25f);
    SamplingRows rows = SamplingRows.of(p, batch, 17, 1000L, 42L);
    ByteBuffer block =
        ByteBuffer.allocateDirect((int) SamplingRows.bytes(batch)).order(ByteOrder.LITTLE_ENDIAN);
    rows.encode(block);
    for (int b = 0; b < batch; b++) {
      assertEquals(1000L + b * 0x9E3779B97F4A7C15L, block.getLong(8 * b), "seed of row " + b);
      assertEquals(0.7f, block.getFloat(at(batch, SamplingRows.TEMPERATURE, b)));
      assertEquals(40, block.getInt(at(batch, SamplingRows.TOP_K, b)));
      assertEquals(0.9f, block.getFloat(at(batch, SamplingRows.TOP_P, b)));
      assertEquals(0.05f, block.getFloat(at(batch, SamplingRows.MIN_P, b)));
      assertEquals(1.3f, block.getFloat(at(batch, SamplingRows.REPETITION, b)));
      assertEquals(0.5f, block.getFloat(at(batch, SamplingRows.PRESENCE, b)));
      assertEquals(0.25f, block.getFloat(at(batch, SamplingRows.FREQUENCY, b)));
      assertEquals(42, block.getInt(at(batch, SamplingRows.STEPS, b)));
      assertEquals(17, block.getInt(at(batch, SamplingRows.HISTORY_LENS, b)));
    }
    assertEquals(
        SamplingRows.bytes(batch),
        SamplingRows.offset(batch, SamplingRows.HISTORY_LENS) + 4L * batch,
        "nothing after the last array");
  }

  static int at(int batch, int index, int row) {
    return (int) SamplingRows.offset(batch, index) + 4 * row;
  }
}
