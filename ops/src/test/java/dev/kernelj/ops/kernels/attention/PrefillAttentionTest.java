package dev.kernelj.ops.kernels.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.StreamRef;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PrefillAttentionTest {
  @ParameterizedTest(name = "B{0} Sq{1} Skv{2} H{3} Hkv{4} D{5} causal {6}")
  @CsvSource({
    "1, 1, 1, 2, 2, 64, false",
    "1, 1, 1, 2, 1, 128, true",
    "2, 17, 17, 4, 2, 64, true",
    "1, 17, 40, 4, 1, 128, true",
    "1, 33, 20, 6, 3, 64, false",
    "2, 129, 129, 2, 2, 64, true"
  })
  void referenceMatchesNaiveFloat64Attention(
      int b, int sq, int skv, int h, int hkv, int d, boolean causal) {
    PrefillAttention.Shape shape = PrefillAttention.Shape.of(b, sq, skv, h, hkv, d, causal);
    assertReferenceMatchesNaive(shape, new Random(b * 100 + sq + skv + h + d));
  }

  @ParameterizedTest(name = "B{0} Sq{1} Skv{2} H{3} Hkv{4} D{5} window {6}")
  @CsvSource({
    "1, 40, 40, 4, 2, 64, 7",
    "2, 17, 50, 4, 1, 128, 20",
    "1, 130, 130, 2, 2, 64, 1",
    "1, 33, 33, 6, 3, 64, 33",
    "1, 20, 20, 2, 1, 128, 1000"
  })
  void referenceWithASlidingWindowMatchesNaiveMaskedAttention(
      int b, int sq, int skv, int h, int hkv, int d, int window) {
    var shape = PrefillAttention.Shape.of(b, sq, skv, h, hkv, d, true).withWindow(window);
    assertReferenceMatchesNaive(shape, new Random(window * 31L + sq + skv));
  }

  /**
   * The reference on random inputs against {@link NaiveAttention} in float64, head by head (GQA,
   * causal, window as shaped).
   */
  private static void assertReferenceMatchesNaive(PrefillAttention.Shape shape, Random rng) {
    int b = shape.batch(),
        sq = shape.seqQ(),
        skv = shape.seqKv(),
        h = shape.nHeads(),
        hkv = shape.nKvHeads(),
        d = shape.headDim();
    float[] q = NaiveAttention.random(rng, shape.queryElements());
    float[] k = NaiveAttention.random(rng, shape.keyValueElements());
    float[] v = NaiveAttention.random(rng, shape.keyValueElements());
    float[] o = new float[q.length];
    java.util.Arrays.fill(o, Float.NaN);
    PrefillAttention.reference(q, k, v, o, shape);

    double[] expected = new double[o.length];
    for (int bi = 0; bi < b; bi++) {
      for (int hi = 0; hi < h; hi++) {
        int kvh = hi / (h / hkv);
        double[][] qh = new double[sq][d];
        double[][] kh = new double[skv][d];
        double[][] vh = new double[skv][d];
        for (int i = 0; i < sq; i++) {
          for (int e = 0; e < d; e++) {
            qh[i][e] = q[((bi * sq + i) * h + hi) * d + e];
          }
        }
        for (int j = 0; j < skv; j++) {
          for (int e = 0; e < d; e++) {
            kh[j][e] = k[((bi * skv + j) * hkv + kvh) * d + e];
            vh[j][e] = v[((bi * skv + j) * hkv + kvh) * d + e];
          }
        }
        double[][] oh =
            NaiveAttention.head(qh, kh, vh, shape.causal(), 1.0 / Math.sqrt(d), shape.window());
        for (int i = 0; i < sq; i++) {
          for (int e = 0; e < d; e++) {
            expected[((bi * sq + i) * h + hi) * d + e] = oh[i][e];
          }
        }
      }
    }
    double err = NaiveAttention.maxRelativeError(o, expected);
    assertTrue(err < 1e-6, "relative error " + err);
  }

  @Test
  void aWindowedShapeCountsOnlyTheFlopsOfTheKeysItKeeps() {
    var full = PrefillAttention.Shape.of(1, 8, 8, 1, 1, 64, true);
    assertEquals(4.0 * 32 * 64, full.flops()); // the causal half, as without a window
    assertEquals(4.0 * 21 * 64, full.withWindow(3).flops()); // 1 + 2 + 3 * 6
    assertEquals(full.flops(), full.withWindow(8).flops());
    var chunk = PrefillAttention.Shape.of(1, 2, 10, 1, 1, 64, true).withWindow(4);
    assertEquals(4.0 * 8 * 64, chunk.flops()); // queries at positions 8 and 9 see 4 keys each
  }

  @Test
  void windowsMustBeNonNegativeAndCausal() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> PrefillAttention.Shape.of(1, 4, 4, 4, 4, 64, false).withWindow(2));
    assertTrue(
        e.getMessage().contains("sliding window (2) needs causal attention"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> PrefillAttention.Shape.of(1, 4, 4, 4, 4, 64, true).withWindow(-3));
    assertTrue(e.getMessage().contains("window must be >= 0, got -3"), e.getMessage());
  }

  @Test
  void forwardHandsTheWindowToTheKernel() {
    var fake = new RecordingKernels.Prefill();
    Ptr<BF16> buf = Ptr.ofAddress(0x1000, BF16.class);
    new PrefillAttention(fake)
        .forward(
            StreamRef.DEFAULT,
            buf,
            buf,
            buf,
            buf,
            PrefillAttention.Shape.of(1, 5, 9, 4, 2, 128, true).withWindow(7));
    assertEquals("d128", fake.calls.get(0).kernel());
    assertEquals(7, fake.calls.get(0).args().get(10));
  }

  @Test
  void gridCoversEveryQueryTileOfEveryHead() {
    var launch =
        PrefillAttention.launchFor(
            PrefillAttention.Shape.of(3, 257, 257, 8, 2, 128, true), StreamRef.DEFAULT);
    assertEquals(3, launch.grid().x());
    assertEquals(24, launch.grid().y());
    assertEquals(128, launch.threadsPerBlock());
    assertEquals(PrefillAttentionKernels.SHARED_BYTES_D128, launch.sharedBytes());
  }

  @Test
  void forwardPicksTheHeadDimKernelAndFoldsLog2eIntoTheScale() {
    var fake = new RecordingKernels.Prefill();
    Ptr<BF16> buf = Ptr.ofAddress(0x1000, BF16.class);
    new PrefillAttention(fake)
        .forward(
            StreamRef.DEFAULT,
            buf,
            buf,
            buf,
            buf,
            new PrefillAttention.Shape(1, 5, 9, 4, 2, 64, true, 0.5f));
    assertEquals(1, fake.calls.size());
    var call = fake.calls.get(0);
    assertEquals("d64", call.kernel());
    assertEquals(java.util.List.of(5, 9, 4, 2), call.args().subList(4, 8));
    assertEquals(0.5f * 1.4426950408889634f, (float) call.args().get(8), 1e-7f);
    assertEquals(1, call.args().get(9));
    assertEquals(0, call.args().get(10), "no window");
  }

  @Test
  void badShapesAreRejectedNamingTheOpAndTheArgument() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> PrefillAttention.Shape.of(1, 4, 4, 6, 4, 64, false));
    assertTrue(
        e.getMessage().contains("PrefillAttention")
            && e.getMessage().contains("nKvHeads 4 must divide nHeads 6"),
        e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> PrefillAttention.Shape.of(1, 4, 4, 4, 4, 96, false));
    assertTrue(e.getMessage().contains("headDim 96"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> PrefillAttention.Shape.of(1, 8, 4, 4, 4, 64, true));
    assertTrue(
        e.getMessage().contains("q [1, 8, 4, 64]") && e.getMessage().contains("k/v [1, 4, 4, 64]"),
        e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> PrefillAttention.Shape.of(1, 0, 4, 4, 4, 64, false));
    assertTrue(e.getMessage().contains("seqQ must be >= 1"), e.getMessage());
  }

  @Test
  void pointersOfTheWrongElementTypeAreRejectedBeforeAnyLaunch() {
    var fake = new RecordingKernels.Prefill();
    Ptr<BF16> ok = Ptr.ofAddress(0x1000, BF16.class);
    @SuppressWarnings({"unchecked", "rawtypes"})
    ConstPtr<BF16> wrong = (ConstPtr) Ptr.ofAddress(0x2000, F32.class);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new PrefillAttention(fake)
                    .forward(
                        StreamRef.DEFAULT,
                        ok,
                        wrong,
                        ok,
                        ok,
                        PrefillAttention.Shape.of(1, 4, 4, 4, 4, 64, false)));
    assertTrue(e.getMessage().contains("'k' holds F32"), e.getMessage());
    assertTrue(fake.calls.isEmpty());
  }

  @Test
  void referenceChecksArrayLengths() {
    var shape = PrefillAttention.Shape.of(1, 2, 2, 1, 1, 64, false);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                PrefillAttention.reference(
                    new float[128], new float[127], new float[128], new float[128], shape));
    assertTrue(e.getMessage().contains("'k' has 127 elements, expected 128"), e.getMessage());
  }
}
