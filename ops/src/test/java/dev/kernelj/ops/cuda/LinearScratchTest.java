package dev.kernelj.ops.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.DenseWeight;
import dev.kernelj.ops.LinearWeight;
import dev.kernelj.ops.QuantizedMatrix;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.kernels.quant.QuantFixture;
import dev.kernelj.ops.reference.ReferenceOps;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link CudaOps#reserveLinearScratch}: what it takes up front is every scratch buffer the
 * quantized matmul then uses at any row count up to the reserved one, so that no step allocates
 * (the engine counts the reservation in its memory budget), proved through a port that counts its
 * allocations.
 */
class LinearScratchTest {
  private static final int[] ROW_COUNTS = {1, 2, 5, 8, 9, 16, 17, 31, 32, 33, 63, 64, 65, 100};

  /**
   * A fake device with an H100's 132 SMs (so that small weights split k and take partials) that
   * counts what is allocated on it.
   */
  private static final class CountingPort extends FakePort {
    int allocations;
    long bytes;

    @Override
    public int multiprocessorCount() {
      return 132;
    }

    @Override
    public long allocate(long size) {
      allocations++;
      bytes += size;
      return super.allocate(size);
    }
  }

  private record Setup(CountingPort port, CudaOps ops, List<LinearWeight> weights) {}

  private static Setup setup() {
    CountingPort port = new CountingPort();
    CudaOps ops = new CudaOps(port);
    SplittableRandom random = new SplittableRandom(3);
    // Long enough inputs that the GEMM path splits k (partials growing with the row count).
    QuantizedMatrix plain =
        new QuantFixture(random, 4, 128, 8192, 128, false, true, QuantFixture.Kind.RANDOM).on(ops);
    QuantizedMatrix actOrder =
        new QuantFixture(random, 8, 32, 128, 32, true, true, QuantFixture.Kind.RANDOM).on(ops);
    Tensor dense = ops.empty(DType.BF16, 16, 64);
    return new Setup(port, ops, List.of(plain, actOrder, new DenseWeight(dense)));
  }

  /** Runs every quantized weight at every row count; returns the allocations the runs made. */
  private static int allocationsOfRuns(Setup s) {
    List<Tensor[]> io = new ArrayList<>();
    for (LinearWeight w : s.weights()) {
      if (w instanceof QuantizedMatrix q) {
        for (int m : ROW_COUNTS) {
          io.add(
              new Tensor[] {
                s.ops().empty(DType.BF16, m, q.outFeatures()),
                s.ops().empty(DType.BF16, m, q.inFeatures())
              });
        }
      }
    }
    int before = s.port().allocations;
    int i = 0;
    for (LinearWeight w : s.weights()) {
      if (w instanceof QuantizedMatrix q) {
        for (int m : ROW_COUNTS) {
          Tensor[] outAndX = io.get(i++);
          s.ops().quantizedMatmul(outAndX[0], outAndX[1], q);
        }
      }
    }
    return s.port().allocations - before;
  }

  @Test
  void whatIsReservedIsAllTheQuantizedMatmulEverTakesUpToTheReservedRows() {
    Setup s = setup();
    long bytesBefore = s.port().bytes;
    long held = s.ops().reserveLinearScratch(s.weights(), 100, DType.BF16);
    assertEquals(s.port().bytes - bytesBefore, held, "the bytes reported are the bytes allocated");
    // At least x gathered for the act-order weight at 100 rows, a dequantized slice of the widest
    // weight (whole here) and the partials of its widest split, 63 rows in 4 column tiles.
    assertTrue(held >= 2L * 100 * 128 + 2L * 128 * 8192 + 4L * 131072, "held " + held);
    assertEquals(0, allocationsOfRuns(s), "a run allocated scratch after the reservation");
    int allocations = s.port().allocations;
    assertEquals(held, s.ops().reserveLinearScratch(s.weights(), 100, DType.BF16));
    assertEquals(allocations, s.port().allocations, "reserving again allocates nothing new");
  }

  @Test
  void withoutTheReservationTheRunsAllocate() {
    assertTrue(allocationsOfRuns(setup()) > 0, "the check above could not fail");
  }

  /**
   * A row view of a fused weight (the static engine's prefill multiplies by q, k and v one by one)
   * is planned on its own geometry: 32 row tiles of an 8-bit weight split k where the fused 320 do
   * not, so its partials must be reserved for the view itself.
   */
  @Test
  void aRowViewIsReservedOnItsOwnGeometry() {
    for (boolean withView : new boolean[] {false, true}) {
      CountingPort port = new CountingPort();
      CudaOps ops = new CudaOps(port);
      QuantizedMatrix fused =
          new QuantFixture(
                  new SplittableRandom(1),
                  8,
                  5120,
                  4096,
                  128,
                  false,
                  false,
                  QuantFixture.Kind.RANDOM)
              .on(ops);
      QuantizedMatrix wk = fused.rows(4096, 4608);
      List<LinearWeight> reserved = withView ? List.of(fused, wk) : List.of(fused);
      ops.reserveLinearScratch(reserved, 256, DType.BF16);
      Tensor out = ops.empty(DType.BF16, 20, 512);
      Tensor x = ops.empty(DType.BF16, 20, 4096);
      int before = port.allocations;
      ops.quantizedMatmul(out, x, wk); // a 20-token prefill's k
      int allocated = port.allocations - before;
      if (withView) {
        assertEquals(0, allocated, "the view's scratch was reserved");
      } else {
        assertTrue(allocated > 0, "the fused weight's reservation does not cover its view");
      }
    }
  }

  @Test
  void theReferenceBackendReservesNothing() {
    assertEquals(0, new ReferenceOps().reserveLinearScratch(List.of(), 64, DType.F32));
  }
}
