package dev.kernelj.runtime.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The dynamic shared memory limit counts the kernel's static shared memory and never exceeds what
 * the device gives a block.
 */
class SharedMemoryPlanTest {
  private static final int OPT_IN = 227 * 1024; // an H100's maximum per block
  private static final int SM89_OPT_IN = 99 * 1024; // an L40S's or RTX 4090's

  @Test
  void withoutADeclarationTheDefaultLeavesRoomForStaticMemory() {
    SharedMemoryPlan plan = SharedMemoryPlan.of(0, 16 * 1024, OPT_IN);
    assertEquals(32 * 1024, plan.dynamicLimit());
    assertEquals(0, plan.raiseTo());
  }

  @Test
  void aDeclarationThatFitsBesideStaticMemoryNeedsNoRaise() {
    SharedMemoryPlan plan = SharedMemoryPlan.of(32 * 1024, 16 * 1024, OPT_IN);
    assertEquals(32 * 1024, plan.dynamicLimit());
    assertEquals(0, plan.raiseTo());
  }

  @Test
  void aDeclarationAbove48KiBInTotalRaisesTheLimit() {
    // 40 KiB dynamic + 16 KiB static exceed the 48 KiB default although 40 KiB alone does not.
    SharedMemoryPlan plan = SharedMemoryPlan.of(40 * 1024, 16 * 1024, OPT_IN);
    assertEquals(40 * 1024, plan.dynamicLimit());
    assertEquals(40 * 1024, plan.raiseTo());
  }

  @Test
  void aDeclarationLargerThanTheDeviceGivesIsCappedAtTheDevice() {
    // An sm_89 GPU gives a block 99 KiB; a kernel declared for a Hopper's 144 KiB still loads.
    SharedMemoryPlan plan = SharedMemoryPlan.of(144 * 1024, 512, SM89_OPT_IN);
    assertEquals(SM89_OPT_IN - 512, plan.dynamicLimit());
    assertEquals(SM89_OPT_IN - 512, plan.raiseTo());
    assertTrue(plan.cappedByDevice());
    assertEquals(
        "test.K.k (k): 110000 bytes of dynamic shared memory exceed the 100864 this device gives"
            + " one block of this kernel: 101376 bytes a block (the kernel's own 512 bytes of"
            + " static shared memory count too), less than the 147456 declared; size the launch by"
            + " the device",
        plan.refusal("test.K.k (k)", 110_000));
  }

  @Test
  void staticMemoryAboveTheDeviceLeavesTheDefaultLimit() {
    SharedMemoryPlan plan = SharedMemoryPlan.of(64 * 1024, 60 * 1024, 56 * 1024);
    assertEquals(0, plan.dynamicLimit());
    assertEquals(0, plan.raiseTo());
  }

  @Test
  void aDeclarationTheDeviceCoversIsNotCapped() {
    SharedMemoryPlan plan = SharedMemoryPlan.of(144 * 1024, 512, OPT_IN);
    assertEquals(144 * 1024, plan.dynamicLimit());
    assertEquals(144 * 1024, plan.raiseTo());
    assertFalse(plan.cappedByDevice());
  }

  @Test
  void aRefusedLaunchMentionsStaticMemory() {
    SharedMemoryPlan plan = SharedMemoryPlan.of(0, 1024, OPT_IN);
    assertEquals(
        "k: 48200 bytes of dynamic shared memory exceed the limit of 48128 (the kernel's own 1024"
            + " bytes of static shared memory count too); declare a higher maxDynamicSharedBytes"
            + " on the method to raise it",
        plan.refusal("k", 48200));
  }
}
