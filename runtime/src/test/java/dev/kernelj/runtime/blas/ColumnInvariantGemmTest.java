package dev.kernelj.runtime.blas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import org.junit.jupiter.api.Test;

/**
 * The key of a batch-invariant plan leaves out the column count (the batch), and the algorithm
 * filter admits only one summation sequence per dot product. The GPU side (the bits of a row at
 * every batch size) is proved by the ops module's GPU tests.
 */
class ColumnInvariantGemmTest {
  /**
   * A linear layer w [n, k] row-major times x [tokens, k]: cuBLAS m = n, the tokens are columns.
   */
  private static ColumnInvariantGemm layer(int n, int k, DType out) {
    return new ColumnInvariantGemm(Transpose.T, Transpose.N, n, k, k, k, n, DType.BF16, out);
  }

  @Test
  void theKeyIsTheSameForEveryBatch() {
    // Nothing in the key names the column count: two batches of one layer meet one plan.
    assertEquals(layer(4096, 14336, DType.BF16), layer(4096, 14336, DType.BF16));
    assertNotEquals(layer(4096, 14336, DType.BF16), layer(4096, 14336, DType.F32));
    assertNotEquals(layer(4096, 14336, DType.BF16), layer(4096, 4096, DType.BF16));
  }

  @Test
  void storedShapesFollowTheTranspositions() {
    var shape = layer(6144, 4096, DType.BF16);
    assertArrayEquals(new long[] {4096, 6144}, shape.storedA());
    assertArrayEquals(new long[] {4096, 7}, shape.storedB(7));
    var nn =
        new ColumnInvariantGemm(Transpose.N, Transpose.T, 8, 16, 8, 64, 8, DType.F32, DType.F32);
    assertArrayEquals(new long[] {8, 16}, nn.storedA());
    assertArrayEquals(new long[] {33, 16}, nn.storedB(33));
  }

  @Test
  void alignmentIsTheWeakestOfAddressesAndRowStrides() {
    var aligned = layer(4096, 4096, DType.BF16);
    assertEquals(16, aligned.alignmentOf(0x10000, 0x20000, 0x30100));
    // a row slice at an odd row of a k = 4096 matrix still starts on 16 bytes
    assertEquals(16, aligned.alignmentOf(0x10000, 0x20000 + 3 * 4096 * 2, 0x30100));
    // k = 1234: every other row starts on 4 bytes only
    var odd = layer(1000, 1234, DType.BF16);
    assertEquals(4, odd.alignmentOf(0x10000, 0x20000, 0x30000));
    assertEquals(2, aligned.alignmentOf(0x10002, 0x20000, 0x30000));
    // f32 output rows of 1000 floats: 4000 bytes, 16-byte aligned (4000 = 250 x 16)
    assertEquals(16, layer(1000, 4096, DType.F32).alignmentOf(0x10000, 0x20000, 0x30000));
  }

  @Test
  void onlyOneSummationSequenceIsAdmitted() {
    int none = BlasConstants.CUBLASLT_REDUCTION_SCHEME_NONE;
    assertTrue(ColumnInvariantPlan.sumsInOneSequence(1, none, 0));
    assertTrue(ColumnInvariantPlan.sumsInOneSequence(1, none, 1024));
    assertFalse(ColumnInvariantPlan.sumsInOneSequence(2, none, 0), "split-K");
    assertFalse(ColumnInvariantPlan.sumsInOneSequence(-1, none, 0), "split count not reported");
    assertFalse(ColumnInvariantPlan.sumsInOneSequence(1, 2, 0), "reduction in compute type");
    assertFalse(ColumnInvariantPlan.sumsInOneSequence(1, 1, 0), "in-place reduction");
    assertFalse(ColumnInvariantPlan.sumsInOneSequence(1, none, 16 << 10), "partial-sum workspace");
  }

  @Test
  void badShapesAreRefusedWithTheReason() {
    refused("F32, F16 or BF16", DType.I8, DType.I32, 64);
    refused("A's type or F32", DType.BF16, DType.F16, 64);
    refused("leading dimensions (lda 64", DType.BF16, DType.BF16, 128);
  }

  private static void refused(String reason, DType ab, DType c, int k) {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new ColumnInvariantGemm(Transpose.T, Transpose.N, 64, k, 64, k, 64, ab, c));
    assertTrue(e.getMessage().contains(reason), e.getMessage());
  }
}
