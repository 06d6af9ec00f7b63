package dev.kernelj.dsl.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kernelj.dsl.DType;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParamLayoutTest {
  private static int[] offsets(ParamLayout layout) {
    int[] out = new int[layout.count()];
    for (int i = 0; i < out.length; i++) {
      out[i] = layout.offset(i);
    }
    return out;
  }

  @Test
  void eachArgumentIsAlignedToItsOwnSize() {
    ParamLayout layout =
        ParamLayout.of(
            List.of(
                new JavaParam.Scalar(DType.I8),
                new JavaParam.Scalar(DType.I32),
                new JavaParam.Pointer(DType.F64, true),
                new JavaParam.Scalar(DType.I16)));
    assertEquals(
        List.of(0, 4, 8, 16),
        List.of(layout.offset(0), layout.offset(1), layout.offset(2), layout.offset(3)));
    assertEquals(
        List.of(1, 4, 8, 2),
        List.of(layout.size(0), layout.size(1), layout.size(2), layout.size(3)));
    assertEquals(24, layout.totalBytes());
  }

  @Test
  void saxpyLayout() {
    ParamLayout layout =
        ParamLayout.of(
            List.of(
                new JavaParam.Scalar(DType.I32),
                new JavaParam.Scalar(DType.F32),
                new JavaParam.Pointer(DType.F32, false),
                new JavaParam.Pointer(DType.F32, true)));
    assertEquals("[0, 4, 8, 16]", java.util.Arrays.toString(offsets(layout)));
    assertEquals(24, layout.totalBytes());
  }

  @Test
  void smallArgumentsPackAndTheTotalRoundsUpToEight() {
    ParamLayout layout = ParamLayout.ofSizes(1, 1, 2, 4, 1);
    assertEquals("[0, 1, 2, 4, 8]", java.util.Arrays.toString(offsets(layout)));
    assertEquals(16, layout.totalBytes());
    assertEquals(8, ParamLayout.ofSizes().totalBytes());
    assertEquals(8, ParamLayout.ofSizes(2).totalBytes());
  }

  @Test
  void oddSizesAndUnsupportedParametersAreRejected() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ParamLayout.ofSizes(4, 3));
    assertEquals("parameter 1 has size 3; only 1, 2, 4 and 8 are supported", e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> ParamLayout.of(List.of(new JavaParam.Unsupported("Object"))));
  }
}
