package dev.kernelj.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import org.junit.jupiter.api.Test;

class TensorTest {
  static Tensor iota(int... dims) {
    int n = (int) Shape.of(dims).numel();
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = i;
    }
    return Tensor.fromFloats(DType.F32, v, dims);
  }

  @Test
  void slicesAndSelectsShareStorageWithoutCopies() {
    Tensor t = iota(3, 4, 5);
    Tensor s = t.slice(1, 1, 3);
    assertEquals(Shape.of(3, 2, 5), s.shape());
    assertEquals(5, s.offset());
    assertFalse(s.isContiguous());
    assertTrue(
        s.hasUniformRows() == false,
        "rows of [3, 2, 5] sliced from [3, 4, 5] are not one stride apart");
    assertEquals(1 * 20 + 2 * 5 + 3, s.getFloat(1, 1, 3));
    Tensor row = t.select(0, 2).select(0, 3);
    assertEquals(Shape.of(5), row.shape());
    assertEquals(2 * 20 + 3 * 5 + 4, row.getFloat(4));
    assertTrue(row.isContiguous());
    s.setFloat(-1f, 0, 0, 0);
    assertEquals(-1f, t.getFloat(0, 1, 0), "a view writes through to its base");
  }

  @Test
  void columnHalvesOfAFusedOutputHaveUniformRows() {
    Tensor fused = iota(4, 6);
    Tensor gate = fused.slice(1, 0, 3);
    Tensor up = fused.slice(1, 3, 6);
    assertTrue(gate.hasUniformRows());
    assertEquals(6, up.rowStride());
    assertEquals(3, up.offset());
    assertArrayEquals(new float[] {3, 4, 5, 9, 10, 11, 15, 16, 17, 21, 22, 23}, up.toFloatArray());
  }

  @Test
  void viewsNeedContiguityAndTheSameCount() {
    Tensor t = iota(2, 6);
    assertEquals(Shape.of(3, 4), t.view(3, 4).shape());
    assertThrows(IllegalArgumentException.class, () -> t.view(5, 2));
    assertThrows(IllegalArgumentException.class, () -> t.slice(1, 0, 3).view(6));
  }

  @Test
  void floatsAreRoundedToTheDtypeOnTheWayIn() {
    Tensor b = Tensor.fromFloats(DType.BF16, new float[] {1.00390625f, 3.14159f}, 2);
    assertEquals(1.0f, b.getFloat(0), "1 + 2^-8 is a tie between 1 and 1 + 2^-7; even wins");
    assertEquals(3.140625f, b.getFloat(1));
    Tensor h = Tensor.fromFloats(DType.F16, new float[] {1e-8f, 70000f}, 2);
    assertEquals(0f, h.getFloat(0));
    assertEquals(Float.POSITIVE_INFINITY, h.getFloat(1));
  }

  @Test
  void wrappedIntsAreTheCallersArrayAndMustFillTheShape() {
    int[] values = {1, 2, 3, 4, 5, 6};
    Tensor t = Tensor.wrapInts(values, 2, 3);
    values[4] = -9;
    assertArrayEquals(new int[] {1, 2, 3, 4, -9, 6}, t.toIntArray(), "no copy was taken");
    Tensor copied = Tensor.fromInts(values, 2, 3);
    values[0] = 7;
    assertEquals(1, copied.toIntArray()[0], "fromInts still copies");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Tensor.wrapInts(values, 4, 2));
    assertTrue(e.getMessage().contains("6 values given for shape"), e.getMessage());
  }

  @Test
  void hostTensorsHaveNoDeviceAddress() {
    Tensor t = iota(2);
    assertThrows(IllegalStateException.class, t::address);
    assertThrows(
        IllegalArgumentException.class, () -> Tensor.fromFloats(DType.F32, new float[3], 2, 2));
  }
}
