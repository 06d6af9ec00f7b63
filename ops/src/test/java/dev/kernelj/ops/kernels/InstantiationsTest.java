package dev.kernelj.ops.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.OpArgumentException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The table that finds a kernel template's instantiation by dtypes. */
class InstantiationsTest {
  private record Entry(String name, List<DType> dtypes) implements Instantiations.Entry {}

  private static final Entry BB = new Entry("bb", List.of(DType.BF16, DType.BF16));
  private static final Entry BF = new Entry("bf", List.of(DType.BF16, DType.F32));
  private static final Entry FF = new Entry("ff", List.of(DType.F32, DType.F32));

  @Test
  void eachCombinationFindsItsOwnEntryAndOrderMatters() {
    Instantiations<Entry> table = Instantiations.of("op", "in,out", BB, BF, FF);
    assertSame(BB, table.get(DType.BF16, DType.BF16));
    assertSame(BF, table.get(DType.BF16, DType.F32));
    assertSame(FF, table.get(DType.F32, DType.F32));
    assertTrue(table.has(DType.BF16, DType.F32));
    assertFalse(table.has(DType.F32, DType.BF16), "(F32, BF16) is not (BF16, F32)");
    assertFalse(table.has(DType.F32), "one dtype for a two-role table");
  }

  @Test
  void aMissingCombinationNamesTheRolesTheDtypesAndWhatExists() {
    Instantiations<Entry> table = Instantiations.of("cast", "in,out", BB, BF, FF);
    OpArgumentException e =
        assertThrows(OpArgumentException.class, () -> table.get(DType.F16, DType.F32));
    assertEquals(
        "cast: in has in/out F16/F32; the CUDA kernels take BF16/BF16, BF16/F32, F32/F32",
        e.getMessage());
  }

  @Test
  void aTableListingAnInstantiationTwiceOrWithTooFewDtypesIsRefused() {
    assertThrows(IllegalStateException.class, () -> Instantiations.of("op", "in,out", BB, BB));
    Entry one = new Entry("one", List.of(DType.F32));
    assertThrows(IllegalStateException.class, () -> Instantiations.of("op", "in,out", one));
  }
}
