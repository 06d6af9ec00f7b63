package dev.kernelj.ops.kernels.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.StreamRef;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PagedDecodeAttentionTest {
  /** A paged cache filled from contiguous per-sequence K/V, pages in shuffled order. */
  record PagedCase(
      PagedDecodeAttention.Shape shape,
      float[] q,
      float[] kCache,
      float[] vCache,
      int[] tables,
      int[] lens,
      float[][] kContig,
      float[][] vContig) {
    static PagedCase random(long seed, int h, int hkv, int d, int blockSize, int... lens) {
      Random rng = new Random(seed);
      int batch = lens.length;
      int maxBlocks = 1;
      int needed = 0;
      for (int len : lens) {
        maxBlocks = Math.max(maxBlocks, (len + blockSize - 1) / blockSize);
        needed += (len + blockSize - 1) / blockSize;
      }
      int numBlocks = needed + 2;
      var shape = PagedDecodeAttention.Shape.of(batch, h, hkv, d, numBlocks, blockSize, maxBlocks);
      List<Integer> free = new ArrayList<>();
      for (int i = 0; i < numBlocks; i++) {
        free.add(i);
      }
      Collections.shuffle(free, rng);
      float[] kCache = NaiveAttention.random(rng, shape.cacheElements());
      float[] vCache = NaiveAttention.random(rng, shape.cacheElements());
      int[] tables = new int[batch * maxBlocks];
      java.util.Arrays.fill(tables, -1);
      float[][] kc = new float[batch][];
      float[][] vc = new float[batch][];
      int next = 0;
      for (int b = 0; b < batch; b++) {
        kc[b] = NaiveAttention.random(rng, (long) lens[b] * hkv * d);
        vc[b] = NaiveAttention.random(rng, (long) lens[b] * hkv * d);
        for (int t = 0; t < lens[b]; t++) {
          if (t % blockSize == 0) {
            tables[b * maxBlocks + t / blockSize] = free.get(next++);
          }
          int row = tables[b * maxBlocks + t / blockSize] * blockSize + t % blockSize;
          System.arraycopy(kc[b], t * hkv * d, kCache, row * hkv * d, hkv * d);
          System.arraycopy(vc[b], t * hkv * d, vCache, row * hkv * d, hkv * d);
        }
      }
      return new PagedCase(
          shape,
          NaiveAttention.random(rng, (long) batch * h * d),
          kCache,
          vCache,
          tables,
          lens.clone(),
          kc,
          vc);
    }
  }

  @ParameterizedTest(name = "H{0} Hkv{1} D{2} block{3} lens {4}")
  @CsvSource({
    "4, 4, 64, 16, '1'",
    "8, 2, 128, 16, '17 5'",
    "32, 1, 128, 7, '100'",
    "12, 4, 64, 32, '300 0 65'"
  })
  void referenceOverPagesMatchesNaiveContiguousAttention(
      int h, int hkv, int d, int blockSize, String lensText) {
    int[] lens = java.util.Arrays.stream(lensText.split(" ")).mapToInt(Integer::parseInt).toArray();
    PagedCase c = PagedCase.random(h * 7L + d + blockSize, h, hkv, d, blockSize, lens);
    // Without a window every cached key is visible: plain (non-causal) attention of the one query.
    assertReferenceMatchesNaive(c, c.shape(), lens, false);
  }

  @ParameterizedTest(name = "H{0} Hkv{1} D{2} block{3} lens {4} window {5}")
  @CsvSource({
    "8, 2, 128, 16, '300 5 0', 64",
    "12, 4, 64, 7, '1000 999 64', 333",
    "4, 4, 64, 16, '17', 17",
    "4, 1, 64, 3, '50 2', 1"
  })
  void referenceWithAWindowMatchesNaiveAttentionOfTheLastQueryPosition(
      int h, int hkv, int d, int blockSize, String lensText, int window) {
    int[] lens = java.util.Arrays.stream(lensText.split(" ")).mapToInt(Integer::parseInt).toArray();
    PagedCase c = PagedCase.random(window * 13L + h + d, h, hkv, d, blockSize, lens);
    // One query at the last position of a causal prefill with the same window.
    assertReferenceMatchesNaive(c, c.shape().withWindow(window), lens, true);
  }

  /**
   * The paged reference against {@link NaiveAttention} in float64 over each sequence's contiguous K
   * and V.
   */
  private static void assertReferenceMatchesNaive(
      PagedCase c, PagedDecodeAttention.Shape shape, int[] lens, boolean causal) {
    int h = shape.nHeads(), hkv = shape.nKvHeads(), d = shape.headDim();
    float[] out = new float[c.q().length];
    java.util.Arrays.fill(out, Float.NaN);
    PagedDecodeAttention.reference(c.q(), c.kCache(), c.vCache(), c.tables(), c.lens(), out, shape);

    double[] expected = new double[out.length];
    for (int b = 0; b < lens.length; b++) {
      for (int hi = 0; hi < h; hi++) {
        if (lens[b] == 0) {
          continue; // zeros
        }
        int kvh = hi / (h / hkv);
        double[][] q = new double[1][d];
        double[][] k = new double[lens[b]][d];
        double[][] v = new double[lens[b]][d];
        for (int e = 0; e < d; e++) {
          q[0][e] = c.q()[(b * h + hi) * d + e];
        }
        for (int t = 0; t < lens[b]; t++) {
          for (int e = 0; e < d; e++) {
            k[t][e] = c.kContig()[b][(t * hkv + kvh) * d + e];
            v[t][e] = c.vContig()[b][(t * hkv + kvh) * d + e];
          }
        }
        double[] o = NaiveAttention.head(q, k, v, causal, 1.0 / Math.sqrt(d), shape.window())[0];
        System.arraycopy(o, 0, expected, (b * h + hi) * d, d);
      }
    }
    double err = NaiveAttention.maxRelativeError(out, expected);
    assertTrue(err < 1e-6, "relative error " + err);
  }

  @Test
  void aWindowedPlanSplitsOnlyTheWindowWhateverTheCapacity() {
    var one = PagedDecodeAttention.Shape.of(1, 32, 8, 128, 4096, 16, 2048);
    assertEquals(
        PagedDecodeAttention.Plan.choose(one, 4096, 132),
        PagedDecodeAttention.Plan.choose(one.withWindow(4096), 32768, 132));
    assertEquals(
        new PagedDecodeAttention.Plan(64, 2),
        PagedDecodeAttention.Plan.choose(one.withWindow(100), 32768, 132));
    // a window past the capacity changes nothing
    assertEquals(
        PagedDecodeAttention.Plan.choose(one, 32768, 132),
        PagedDecodeAttention.Plan.choose(one.withWindow(40000), 32768, 132));
    var e = assertThrows(IllegalArgumentException.class, () -> one.withWindow(-1));
    assertTrue(e.getMessage().contains("window must be >= 0"), e.getMessage());
  }

  @Test
  void theWindowReachesThePartitionKernelAndTheReduce() {
    var shape = PagedDecodeAttention.Shape.of(2, 16, 2, 128, 64, 16, 32).withWindow(300);
    Ptr<BF16> bf = Ptr.ofAddress(0x1000, BF16.class);
    Ptr<I32> i32 = Ptr.ofAddress(0x2000, I32.class);
    Ptr<F32> f32 = Ptr.ofAddress(0x3000, F32.class);
    var fake = new RecordingKernels.Decode();
    new PagedDecodeAttention(fake)
        .forward(
            StreamRef.DEFAULT,
            bf,
            bf,
            bf,
            i32,
            i32,
            bf,
            new PagedDecodeAttention.Workspace(f32, f32, f32),
            shape,
            new PagedDecodeAttention.Plan(64, 5),
            4);
    assertEquals(
        List.of("d128", "reduce"), fake.calls.stream().map(RecordingKernels.Call::kernel).toList());
    List<Object> partition = fake.calls.get(0).args();
    List<Object> reduce = fake.calls.get(1).args();
    assertEquals(300, partition.get(partition.size() - 1));
    assertEquals(300, reduce.get(reduce.size() - 1));
  }

  @Test
  void aFixedPlanCutsAtTheSameTokensWhateverTheBatch() {
    var one = PagedDecodeAttention.Shape.of(1, 32, 8, 128, 4096, 16, 2048);
    var many = PagedDecodeAttention.Shape.of(256, 32, 8, 128, 4096, 16, 2048);
    assertEquals(
        new PagedDecodeAttention.Plan(256, 16), PagedDecodeAttention.Plan.fixed(one, 4096, 256));
    assertEquals(
        PagedDecodeAttention.Plan.fixed(one, 4096, 256),
        PagedDecodeAttention.Plan.fixed(many, 4096, 256));
    // choose() sizes the partitions from the batch: 256 tokens alone, 1024 beside 255 others
    assertEquals(256, PagedDecodeAttention.Plan.choose(one, 4096, 132).partitionSize());
    assertEquals(1024, PagedDecodeAttention.Plan.choose(many, 4096, 132).partitionSize());
    // a window bounds the count; the size stays
    assertEquals(
        new PagedDecodeAttention.Plan(256, 2),
        PagedDecodeAttention.Plan.fixed(one.withWindow(300), 32768, 256));
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> PagedDecodeAttention.Plan.fixed(one, 40000, 256));
    assertTrue(e.getMessage().contains("exceeds the block table's capacity"), e.getMessage());
  }

  @Test
  void planSplitsLongContextsUntilTheGpuIsFull() {
    var one = PagedDecodeAttention.Shape.of(1, 32, 8, 128, 4096, 16, 2048);
    assertEquals(
        new PagedDecodeAttention.Plan(64, 16), PagedDecodeAttention.Plan.choose(one, 1024, 132));
    assertEquals(
        new PagedDecodeAttention.Plan(256, 16), PagedDecodeAttention.Plan.choose(one, 4096, 132));
    assertEquals(
        new PagedDecodeAttention.Plan(1024, 32), PagedDecodeAttention.Plan.choose(one, 32768, 132));
    var many = PagedDecodeAttention.Shape.of(32, 32, 8, 128, 4096, 16, 256);
    assertEquals(
        new PagedDecodeAttention.Plan(1024, 4), PagedDecodeAttention.Plan.choose(many, 4096, 132));
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> PagedDecodeAttention.Plan.choose(many, 4097, 132));
    assertTrue(
        e.getMessage().contains("exceeds the block table's capacity 256 blocks x 16 tokens"),
        e.getMessage());
  }

  @Test
  void theReduceRunsOnlyWhenTheContextIsSplit() {
    var shape = PagedDecodeAttention.Shape.of(2, 16, 2, 64, 64, 16, 32);
    Ptr<BF16> bf = Ptr.ofAddress(0x1000, BF16.class);
    Ptr<I32> i32 = Ptr.ofAddress(0x2000, I32.class);
    Ptr<F32> f32 = Ptr.ofAddress(0x3000, F32.class);
    var ws = new PagedDecodeAttention.Workspace(f32, f32, f32);

    var fake = new RecordingKernels.Decode();
    new PagedDecodeAttention(fake)
        .forward(
            StreamRef.DEFAULT,
            bf,
            bf,
            bf,
            i32,
            i32,
            bf,
            null,
            shape,
            new PagedDecodeAttention.Plan(512, 1),
            4);
    assertEquals(List.of("d64"), fake.calls.stream().map(RecordingKernels.Call::kernel).toList());
    assertEquals(1, fake.calls.get(0).launch().grid().x());
    assertEquals(
        2 * 1, fake.calls.get(0).launch().grid().y()); // group of 8 fits one block per kv head
    assertEquals(2, fake.calls.get(0).launch().grid().z());

    fake = new RecordingKernels.Decode();
    new PagedDecodeAttention(fake)
        .forward(
            StreamRef.DEFAULT,
            bf,
            bf,
            bf,
            i32,
            i32,
            bf,
            ws,
            shape,
            new PagedDecodeAttention.Plan(64, 8),
            4);
    assertEquals(
        List.of("d64", "reduce"), fake.calls.stream().map(RecordingKernels.Call::kernel).toList());
    assertEquals(8, fake.calls.get(0).launch().grid().x());
    assertEquals(16, fake.calls.get(1).launch().grid().x());
    assertEquals(64, fake.calls.get(1).launch().threadsPerBlock());

    var noWorkspace = new RecordingKernels.Decode();
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new PagedDecodeAttention(noWorkspace)
                    .forward(
                        StreamRef.DEFAULT,
                        bf,
                        bf,
                        bf,
                        i32,
                        i32,
                        bf,
                        null,
                        shape,
                        new PagedDecodeAttention.Plan(64, 8),
                        4));
    assertTrue(e.getMessage().contains("needs a workspace"), e.getMessage());
    assertTrue(noWorkspace.calls.isEmpty());
  }

  @Test
  void eightWarpsRunTheWideKernelWhereItsStagesFit() {
    var d128 = PagedDecodeAttention.Shape.of(2, 32, 8, 128, 64, 16, 32);
    var d64 = PagedDecodeAttention.Shape.of(2, 16, 2, 64, 64, 16, 32);
    // Opt-in shared memory a block: H100/H200, A100; head dim 64 keeps four warps everywhere.
    assertEquals(8, PagedDecodeAttention.warps(d128, 227 * 1024));
    assertEquals(4, PagedDecodeAttention.warps(d128, 163 * 1024));
    assertEquals(4, PagedDecodeAttention.warps(d64, 227 * 1024));

    Ptr<BF16> bf = Ptr.ofAddress(0x1000, BF16.class);
    Ptr<I32> i32 = Ptr.ofAddress(0x2000, I32.class);
    Ptr<F32> f32 = Ptr.ofAddress(0x3000, F32.class);
    var ws = new PagedDecodeAttention.Workspace(f32, f32, f32);
    var fake = new RecordingKernels.Decode();
    var op = new PagedDecodeAttention(fake);
    var split = new PagedDecodeAttention.Plan(64, 8);
    op.forward(StreamRef.DEFAULT, bf, bf, bf, i32, i32, bf, ws, d128, split, 8);
    op.forward(StreamRef.DEFAULT, bf, bf, bf, i32, i32, bf, ws, d64, split, 4);
    assertEquals(
        List.of("d128w8", "reduce", "d64", "reduce"),
        fake.calls.stream().map(RecordingKernels.Call::kernel).toList());
    Launch wide = fake.calls.get(0).launch();
    assertEquals(PagedDecodeAttentionKernels.WIDE_THREADS, wide.threadsPerBlock());
    assertEquals(PagedDecodeAttentionKernels.WIDE_SHARED_BYTES_D128, wide.sharedBytes());
    assertEquals(8, wide.grid().x());
    assertEquals(
        PagedDecodeAttentionKernels.SHARED_BYTES_D64, fake.calls.get(2).launch().sharedBytes());
    for (var shape : List.of(d64, d128)) {
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  PagedDecodeAttention.partitionLaunch(
                      shape, split, shape == d64 ? 8 : 6, StreamRef.DEFAULT));
      assertTrue(e.getMessage().contains("warps must be 4, or 8 at head dim 128"), e.getMessage());
    }
  }

  @Test
  void largeGqaGroupsAreSplitOverBlocksOfSixteenHeads() {
    var mqa = PagedDecodeAttention.Shape.of(1, 32, 1, 128, 8, 16, 8);
    var launch =
        PagedDecodeAttention.partitionLaunch(
            mqa, new PagedDecodeAttention.Plan(128, 1), 4, StreamRef.DEFAULT);
    assertEquals(2, launch.grid().y());
    assertEquals(PagedDecodeAttentionKernels.SHARED_BYTES_D128, launch.sharedBytes());
    var group20 = PagedDecodeAttention.Shape.of(1, 40, 2, 64, 8, 16, 8);
    var launch64 =
        PagedDecodeAttention.partitionLaunch(
            group20, new PagedDecodeAttention.Plan(128, 1), 4, StreamRef.DEFAULT);
    assertEquals(4, launch64.grid().y());
    assertEquals(PagedDecodeAttentionKernels.SHARED_BYTES_D64, launch64.sharedBytes());
  }

  @Test
  void referenceRejectsABlockTableEntryOutsideTheCache() {
    PagedCase c = PagedCase.random(3, 2, 1, 64, 4, 5);
    int[] tables = c.tables().clone();
    tables[1] = c.shape().numBlocks();
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                PagedDecodeAttention.reference(
                    c.q(),
                    c.kCache(),
                    c.vCache(),
                    tables,
                    c.lens(),
                    new float[c.q().length],
                    c.shape()));
    assertTrue(e.getMessage().contains("blockTables[0][1]"), e.getMessage());
  }
}
