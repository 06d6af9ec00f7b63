package dev.kernelj.ops.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.Backends;
import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.OpsOptions;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.kernels.GemmCall;
import dev.kernelj.ops.kernels.RecordingKernels;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Batch-invariant mode on the CPU, through a port that records instead of running: every matmul,
 * one row or hundreds, meets one summation order: by default (and for operands our GEMM does not
 * take) one pinned cuBLASLt algorithm whose plan key (everything but the row count) is the same for
 * every batch; in "own" mode our GEMM with one split of k for every row count; in "shared" mode our
 * GEMM with k unsplit for few rows and the pinned algorithm for many, after the first call checked
 * that they agree; decode attention is cut into the same partitions for one sequence and for 64.
 * The bits themselves are proved on a GPU ({@link BatchInvariantMatmulGpuTest}, {@link
 * BatchInvariantDecodeGpuTest}).
 */
class BatchInvariantModeTest {
  private final FakePort port = new FakePort();

  @Test
  void theModeIsReportedAndOffByDefault() {
    var defaults = new CudaOps(port).capabilities();
    assertFalse(defaults.batchInvariant());
    assertEquals(8, defaults.maxGemvRows());
    var invariant = new CudaOps(port, OpsOptions.batchInvariantMode()).capabilities();
    assertTrue(invariant.batchInvariant());
    assertEquals(0, invariant.maxGemvRows(), "no GEMV below some row count in this mode");
    assertTrue(Backends.reference().capabilities().batchInvariant(), "row by row in f64");
  }

  @Test
  void byDefaultFewRowsTakeTheGemvAndMoreTakeCublas() {
    CudaOps ops = new CudaOps(port);
    ops.matmul(ops.empty(DType.BF16, 8, 64), ops.empty(DType.BF16, 8, 128), weights(ops));
    assertEquals(List.of(), port.gemms);
    ops.matmul(ops.empty(DType.BF16, 9, 64), ops.empty(DType.BF16, 9, 128), weights(ops));
    assertEquals(1, port.gemms.size());
    assertEquals(List.of(), port.invariantGemms);
  }

  @Test
  void inCublasLtModeEveryRowCountMeetsThePinnedCublasLtAlgorithm() {
    CudaOps ops = withMode("cublaslt");
    Tensor w = weights(ops);
    int[] rows = {1, 8, 9, 64, 65, 2048};
    for (int m : rows) {
      port.launches.clear();
      ops.matmul(ops.empty(DType.F32, m, 64), ops.empty(DType.BF16, m, 128), w);
      assertEquals(List.of(), kernels(), "m = " + m);
    }
    assertEquals(rows.length, port.invariantGemms.size());
  }

  @Test
  void byDefaultFewRowsRunOurGemmAndManyCublasLtAfterCheckingTheyAgree() {
    CudaOps ops = new CudaOps(port, new OpsOptions(true, 96, 256));
    Tensor w = weights(ops);
    // The first call compares its rows both ways (the fake port reads back equal zeros).
    port.launches.clear();
    ops.matmul(ops.empty(DType.F32, 3, 64), ops.empty(DType.BF16, 3, 128), w);
    assertEquals(List.of("kj_igemm_bf16_f32_few8", "kj_igemm_bf16_f32_few8"), kernels());
    assertEquals(1, port.invariantGemms.size(), "the comparison's cuBLASLt product");
    for (int m : new int[] {1, 2, 8, 9, 16}) {
      port.launches.clear();
      ops.matmul(ops.empty(DType.F32, m, 64), ops.empty(DType.BF16, m, 128), w);
      // the few-row kernels, which never split k (as cuBLASLt's kernel sums it)
      String tile = m <= 8 ? "few8" : "few16";
      assertEquals(List.of("kj_igemm_bf16_f32_" + tile), kernels(), "m = " + m);
    }
    for (int m : new int[] {17, 64, 65, 256, 2048}) {
      port.launches.clear();
      ops.matmul(ops.empty(DType.F32, m, 64), ops.empty(DType.BF16, m, 128), w);
      assertEquals(List.of(), kernels(), "m = " + m + " goes to the pinned algorithm");
    }
    assertEquals(6, port.invariantGemms.size());
    assertEquals(List.of(), port.gemms, "nothing through the per-shape cuBLAS plans");
  }

  @Test
  void aShapeWhoseBitsDifferFromCublasLtsRunsThePinnedAlgorithmForEveryRowCount() {
    port.invariantGemmsReadBackOnes = true;
    CudaOps ops = new CudaOps(port, new OpsOptions(true, 96, 256));
    Tensor w = weights(ops);
    port.launches.clear();
    ops.matmul(ops.empty(DType.F32, 3, 64), ops.empty(DType.BF16, 3, 128), w);
    assertEquals(List.of("kj_igemm_bf16_f32_few8"), kernels(), "only the comparison's own rows");
    int[] rows = {1, 8, 16, 17, 2048};
    for (int m : rows) {
      port.launches.clear();
      ops.matmul(ops.empty(DType.F32, m, 64), ops.empty(DType.BF16, m, 128), w);
      assertEquals(List.of(), kernels(), "m = " + m);
    }
    assertEquals(2 + rows.length, port.invariantGemms.size(), "the comparison's, then every call");
  }

  @Test
  void ownModeRunsOurGemmWithOneSplitOfKForEveryRowCount() {
    CudaOps ops = withMode("own");
    Tensor w = weights(ops);
    for (int m : new int[] {1, 2, 8, 9, 16, 17, 64, 65, 256, 2048}) {
      port.launches.clear();
      ops.matmul(ops.empty(DType.F32, m, 64), ops.empty(DType.BF16, m, 128), w);
      String tile = m <= 16 ? "s" : m <= 64 ? "m" : "l";
      // 64 weight rows on the fake port's one SM: k (two granules) is split in two, then reduced
      assertEquals(List.of("kj_igemm_bf16_f32_" + tile, "kj_ireduce_f32"), kernels(), "m = " + m);
      List<Object> args = port.launches.get(0).args();
      assertEquals(2, args.get(args.size() - 1), "the split of k does not follow the row count");
    }
    assertEquals(List.of(), port.gemms);
    assertEquals(List.of(), port.invariantGemms, "nothing through the pinned cuBLASLt algorithm");
  }

  @Test
  void anUnknownModeIsRefusedWithTheChoices() {
    var e = assertThrows(OpArgumentException.class, () -> withMode("fast"));
    assertTrue(e.getMessage().contains("cublaslt, own, shared or unset"), e.getMessage());
  }

  /** Batch-invariant ops with {@code -Dkernelj.invariantGemm=mode} (read when the ops are made). */
  private CudaOps withMode(String mode) {
    System.setProperty("kernelj.invariantGemm", mode);
    try {
      return new CudaOps(port, new OpsOptions(true, 96, 256));
    } finally {
      System.clearProperty("kernelj.invariantGemm");
    }
  }

  private List<String> kernels() {
    return port.launches.stream().map(RecordingKernels.Call::kernel).toList();
  }

  /** Operands the fixed-order GEMM does not take: f32 x (cast first), k not a multiple of 64. */
  @ParameterizedTest(name = "x {0}, k {1}")
  @CsvSource({"F32, 128", "BF16, 96"})
  void otherOperandsMeetOnePinnedCublasLtAlgorithmOfTheSameKey(DType xType, int k) {
    CudaOps ops = new CudaOps(port, new OpsOptions(true, 96, 256));
    Tensor w = ops.empty(DType.BF16, 64, k);
    int[] rows = {1, 2, 8, 9, 17, 256, 2048};
    for (int m : rows) {
      port.launches.clear();
      ops.matmul(ops.empty(DType.F32, m, 64), ops.empty(xType, m, k), w);
      List<String> kernels = port.launches.stream().map(RecordingKernels.Call::kernel).toList();
      assertTrue(kernels.stream().noneMatch(n -> n.contains("gemv")), "no GEMV: " + kernels);
      assertEquals(xType == DType.F32 ? 1 : 0, kernels.size(), "only the cast to bf16");
    }
    assertEquals(List.of(), port.gemms, "nothing through the per-shape cuBLAS plans");
    assertEquals(rows.length, port.invariantGemms.size());
    GemmCall first = port.invariantGemms.get(0);
    for (int i = 0; i < rows.length; i++) {
      GemmCall c = port.invariantGemms.get(i);
      assertEquals(rows[i], c.n(), "the tokens are cuBLAS's columns");
      assertEquals(
          List.of(first.transA(), first.transB(), 64, k, (long) k, DType.BF16, DType.F32),
          List.of(c.transA(), c.transB(), c.m(), c.k(), c.lda(), c.abType(), c.cType()));
      assertEquals(96, port.planColumns.get(i));
    }
  }

  @Test
  void decodeAttentionIsCutAtTheSamePartitionsForOneSequenceAndForSixtyFour() {
    CudaOps ops = new CudaOps(port, OpsOptions.batchInvariantMode());
    assertEquals(List.of(256, 16), decodePartitions(ops, 1, 256));
    assertEquals(List.of(256, 16), decodePartitions(ops, 64, 256));
    // only the count follows the table's width; one partition writes the output itself
    assertEquals(List.of(256, 1), decodePartitions(ops, 64, 16));
    CudaOps wide = new CudaOps(port, new OpsOptions(true, 256, 64));
    assertEquals(List.of(64, 64), decodePartitions(wide, 3, 256));
  }

  /** Partition size and count of one decode step over a table {@code blocks} blocks wide. */
  private List<Integer> decodePartitions(CudaOps ops, int batch, int blocks) {
    Tensor q = ops.empty(DType.BF16, batch, 32, 128);
    Tensor cache = ops.empty(DType.BF16, 64, 16, 8, 128);
    port.launches.clear();
    ops.attentionDecode(
        ops.empty(DType.BF16, batch, 32, 128),
        q,
        cache,
        cache,
        ops.empty(DType.I32, batch, blocks),
        ops.empty(DType.I32, batch),
        0.1f);
    List<Object> args = port.launches.get(0).args();
    // ..., partitionSize, maxPartitions, scaleLog2, window
    return List.of((Integer) args.get(args.size() - 4), (Integer) args.get(args.size() - 3));
  }

  @Test
  void optionsRefuseWhatTheKernelsCannotTake() {
    var e = assertThrows(IllegalArgumentException.class, () -> new OpsOptions(true, 256, 100));
    assertTrue(e.getMessage().contains("multiple of 16 from 16 to 1024"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new OpsOptions(true, 0, 256));
    assertTrue(e.getMessage().contains("gemmPlanRows 0"), e.getMessage());
    assertFalse(OpsOptions.defaults().batchInvariant());
    assertEquals(OpsOptions.defaults(), OpsOptions.batchInvariantMode().withBatchInvariant(false));
  }

  private static Tensor weights(CudaOps ops) {
    return ops.empty(DType.BF16, 64, 128);
  }
}
