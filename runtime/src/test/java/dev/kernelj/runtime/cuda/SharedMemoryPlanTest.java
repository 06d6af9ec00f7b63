package dev.kernelj.runtime.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The dynamic shared memory limit counts the kernel's static shared memory. */
class SharedMemoryPlanTest {
  private static final int OPT_IN = 227 * 1024; // an H100's maximum per block

  @Test
  void withoutADeclarationTheDefaultLeavesRoomForStaticMemory() {
    SharedMemoryPlan plan = SharedMemoryPlan.of(0, 16 * 1024, OPT_IN, "k");
    assertEquals(32 * 1024, plan.dynamicLimit());
    assertEquals(0, plan.raiseTo());
  }

  @Test
  void aDeclarationThatFitsBesideStaticMemoryNeedsNoRaise() {
    SharedMemoryPlan plan = SharedMemoryPlan.of(32 * 1024, 16 * 1024, OPT_IN, "k");
    assertEquals(32 * 1024, plan.dynamicLimit());
    assertEquals(0, plan.raiseTo());
  }

  @Test
  void aDeclarationAbove48KiBInTotalRaisesTheLimit() {
    // 40 KiB dynamic + 16 KiB static exceed the 48 KiB default although 40 KiB alone does not.
    SharedMemoryPlan plan = SharedMemoryPlan.of(40 * 1024, 16 * 1024, OPT_IN, "k");
    assertEquals(40 * 1024, plan.dynamicLimit());
    assertEquals(40 * 1024, plan.raiseTo());
  }

  @Test
  void aDeclarationThatCannotFitIsRefusedWithTheLargestThatDoes() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> SharedMemoryPlan.of(220 * 1024, 16 * 1024, OPT_IN, "test.K.k (k)"));
    assertEquals(
        "test.K.k (k): maxDynamicSharedBytes = 225280 plus the kernel's 16384 bytes of static"
            + " shared memory exceed the 232448 bytes of shared memory this device gives one block;"
            + " declare at most 216064",
        e.getMessage());
  }

  @Test
  void aRefusedLaunchMentionsStaticMemory() {
    SharedMemoryPlan plan = SharedMemoryPlan.of(0, 1024, OPT_IN, "k");
    assertEquals(
        "k: 48200 bytes of dynamic shared memory exceed the limit of 48128 (the kernel's own 1024"
            + " bytes of static shared memory count too); declare a higher maxDynamicSharedBytes"
            + " on the method to raise it",
        plan.refusal("k", 48200));
  }
}
