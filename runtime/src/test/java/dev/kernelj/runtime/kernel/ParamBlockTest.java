package dev.kernelj.runtime.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Pointer;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.check.ParamLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class ParamBlockTest {
  @Test
  void argumentsLandAtTheirAlignedOffsetsInLittleEndian() {
    // (char c, int n, short s, float* p, double d): offsets 0, 4, 8, 16, 24
    ParamLayout layout = ParamLayout.ofSizes(1, 4, 2, 8, 8);
    ParamBlock block = new ParamBlock(layout);
    block.putByte(layout.offset(0), (byte) 0x7f);
    block.putInt(layout.offset(1), 0x01020304);
    block.putShort(layout.offset(2), (short) -2);
    block.putPointer(layout.offset(3), Ptr.ofAddress(0x7000_0000_1000L, F32.class), "p");
    block.putDouble(layout.offset(4), 1.5);

    ByteBuffer b = ByteBuffer.wrap(block.argumentBytes()).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(32, b.capacity());
    assertEquals(0x7f, b.get(0));
    assertEquals(0x01020304, b.getInt(4));
    assertEquals(4, b.get(4), "little-endian: low byte first");
    assertEquals(-2, b.getShort(8));
    assertEquals(0x7000_0000_1000L, b.getLong(16));
    assertEquals(1.5, b.getDouble(24));
  }

  @Test
  void kernelParamsArrayPointsAtEachArgument() {
    ParamLayout layout = ParamLayout.ofSizes(4, 8, 4);
    ParamBlock block = new ParamBlock(layout);
    Pointer array = new Pointer(block.kernelParamsAddress());
    for (int i = 0; i < layout.count(); i++) {
      assertEquals(block.argsAddress() + layout.offset(i), array.getLong(8L * i), "entry " + i);
    }
    block.putFloat(layout.offset(2), 3.25f);
    assertEquals(3.25f, new Pointer(array.getLong(16)).getFloat(0));
  }

  @Test
  void rewritingReplacesTheOldValue() {
    ParamLayout layout = ParamLayout.ofSizes(4);
    ParamBlock block = new ParamBlock(layout);
    block.putInt(0, 1);
    block.putInt(0, 2);
    assertEquals(
        2, ByteBuffer.wrap(block.argumentBytes()).order(ByteOrder.LITTLE_ENDIAN).getInt(0));
  }

  @Test
  void aNullPointerNamesTheParameter() {
    ParamBlock block = new ParamBlock(ParamLayout.ofSizes(8));
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> block.putPointer(0, null, "weights"));
    assertTrue(e.getMessage().contains("'weights'"), e.getMessage());
  }
}
