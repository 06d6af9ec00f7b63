package dev.kernelj.ops.kernels.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.StreamRef;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every attention kernel against its reference twin on fresh random bf16 inputs, outputs poisoned
 * with NaN first. With {@code -Dkernelj.attention.dump=DIR} the prefill cases also write their
 * inputs and output for {@code ops/scripts/sdpa_check.py compare}.
 */
@Tag("gpu")
class AttentionGpuTest {
  private static final double TOLERANCE = 1e-2;

  @ParameterizedTest(name = "prefill B{0} Sq{1} Skv{2} H{3} Hkv{4} D{5} causal {6}")
  @CsvSource({
    "1, 1, 1, 4, 4, 64, false",
    "1, 1, 1, 4, 1, 128, true",
    "2, 17, 17, 8, 2, 128, true",
    "2, 17, 17, 8, 2, 64, false",
    "1, 129, 129, 4, 1, 64, true",
    "1, 1000, 1000, 8, 4, 128, true",
    "1, 1000, 1000, 8, 8, 128, false",
    "2, 100, 300, 4, 2, 128, true",
    "1, 257, 513, 6, 3, 64, true"
  })
  void prefillMatchesTheReference(int b, int sq, int skv, int h, int hkv, int d, boolean causal)
      throws Exception {
    var shape = PrefillAttention.Shape.of(b, sq, skv, h, hkv, d, causal);
    float[][] qkvOut = prefillMatches(shape);
    dumpForSdpa(shape, qkvOut[0], qkvOut[1], qkvOut[2], qkvOut[3]);
  }

  /**
   * The prefill kernel against the reference on random bf16 inputs; returns q, k, v and the
   * kernel's output.
   */
  private static float[][] prefillMatches(PrefillAttention.Shape shape) {
    Random rng = new Random(System.nanoTime());
    float[] q = Bf16.round(NaiveAttention.random(rng, shape.queryElements()));
    float[] k = Bf16.round(NaiveAttention.random(rng, shape.keyValueElements()));
    float[] v = Bf16.round(NaiveAttention.random(rng, shape.keyValueElements()));
    float[] expected = new float[q.length];
    PrefillAttention.reference(q, k, v, expected, shape);
    try (GpuTestBed gpu = GpuTestBed.open()) {
      var op = new PrefillAttention(gpu.load(PrefillAttentionKernels.class));
      Ptr<BF16> o = gpu.poisoned(BF16.class, q.length);
      op.forward(
          StreamRef.DEFAULT, gpu.uploadBf16(q), gpu.uploadBf16(k), gpu.uploadBf16(v), o, shape);
      float[] actual = gpu.downloadBf16(o, q.length);
      assertClose(actual, expected, "prefill " + shape);
      return new float[][] {q, k, v, actual};
    }
  }

  @ParameterizedTest(name = "decode H{0} Hkv{1} D{2} block{3} lens {4} forced split {5}")
  @CsvSource({
    "4, 4, 64, 16, '1', 0",
    "8, 2, 128, 16, '17 5', 0",
    "32, 8, 128, 16, '1000 129 1', 0",
    "32, 8, 128, 32, '5000 3333', 256",
    "14, 2, 64, 16, '2049 777', 0",
    "32, 1, 128, 16, '4097', 0",
    "12, 12, 64, 7, '300 0', 64",
    "16, 4, 128, 16, '40000 100 65 64', 1024"
  })
  void pagedDecodeMatchesTheReference(
      int h, int hkv, int d, int blockSize, String lensText, int forcedPartition) throws Exception {
    int[] lens = java.util.Arrays.stream(lensText.split(" ")).mapToInt(Integer::parseInt).toArray();
    var c =
        PagedDecodeAttentionTest.PagedCase.random(System.nanoTime(), h, hkv, d, blockSize, lens);
    int maxLen = Math.max(1, java.util.Arrays.stream(lens).max().orElse(1));
    pagedDecodeMatches(
        c,
        lens,
        c.shape(),
        gpu ->
            forcedPartition > 0
                ? new PagedDecodeAttention.Plan(
                    forcedPartition, (maxLen + forcedPartition - 1) / forcedPartition)
                : PagedDecodeAttention.Plan.choose(c.shape(), maxLen, gpu.multiprocessors()),
        true);
  }

  /**
   * The decode kernels against the reference on the case's caches rounded to bf16, with the plan
   * {@code planFor} picks, in blocks of four warps and of eight where the device takes them; the
   * workspace is passed always, or only when the plan splits.
   */
  private static void pagedDecodeMatches(
      PagedDecodeAttentionTest.PagedCase c,
      int[] lens,
      PagedDecodeAttention.Shape shape,
      java.util.function.Function<GpuTestBed, PagedDecodeAttention.Plan> planFor,
      boolean alwaysWorkspace) {
    float[] q = Bf16.round(c.q());
    float[] kCache = Bf16.round(c.kCache());
    float[] vCache = Bf16.round(c.vCache());
    float[] expected = new float[q.length];
    PagedDecodeAttention.reference(q, kCache, vCache, c.tables(), lens, expected, shape);
    try (GpuTestBed gpu = GpuTestBed.open()) {
      var plan = planFor.apply(gpu);
      var op = new PagedDecodeAttention(gpu.load(PagedDecodeAttentionKernels.class));
      int most = PagedDecodeAttention.warps(shape, gpu.sharedMemoryPerBlock());
      for (int warps = 4; warps <= most; warps *= 2) {
        var ws =
            new PagedDecodeAttention.Workspace(
                gpu.poisoned(F32.class, plan.partialOutElements(shape)),
                gpu.poisoned(F32.class, plan.partialStatElements(shape)),
                gpu.poisoned(F32.class, plan.partialStatElements(shape)));
        Ptr<BF16> out = gpu.poisoned(BF16.class, q.length);
        op.forward(
            StreamRef.DEFAULT,
            gpu.uploadBf16(q),
            gpu.uploadBf16(kCache),
            gpu.uploadBf16(vCache),
            gpu.upload(I32.class, c.tables()),
            gpu.upload(I32.class, lens),
            out,
            alwaysWorkspace || plan.maxPartitions() > 1 ? ws : null,
            shape,
            plan,
            warps);
        assertClose(
            gpu.downloadBf16(out, q.length),
            expected,
            "decode " + shape + " " + plan + ", " + warps + " warps");
      }
    }
  }

  @ParameterizedTest(name = "windowed prefill B{0} Sq{1} Skv{2} H{3} Hkv{4} D{5} window {6}")
  @CsvSource({
    "1, 1000, 1000, 8, 4, 128, 257",
    "2, 100, 300, 4, 2, 64, 33",
    "1, 257, 513, 6, 3, 128, 700",
    "1, 129, 129, 4, 1, 64, 1"
  })
  void windowedPrefillMatchesTheReference(
      int b, int sq, int skv, int h, int hkv, int d, int window) {
    prefillMatches(PrefillAttention.Shape.of(b, sq, skv, h, hkv, d, true).withWindow(window));
  }

  /**
   * Forced partition sizes put the window's start inside a partition, a tile and a block, and split
   * it for the reduce.
   */
  @ParameterizedTest(
      name = "windowed decode H{0} Hkv{1} D{2} block{3} lens {4} window {5} partition {6}")
  @CsvSource({
    "32, 8, 128, 16, '5000 3333 10', 1000, 64",
    "14, 2, 64, 7, '2049 777', 777, 256",
    "16, 4, 128, 5, '9001 100 0', 4096, 1024",
    "8, 1, 64, 16, '300', 1, 64"
  })
  void windowedPagedDecodeMatchesTheReference(
      int h, int hkv, int d, int blockSize, String lensText, int window, int partition)
      throws Exception {
    int[] lens = java.util.Arrays.stream(lensText.split(" ")).mapToInt(Integer::parseInt).toArray();
    var c =
        PagedDecodeAttentionTest.PagedCase.random(System.nanoTime(), h, hkv, d, blockSize, lens);
    var shape = c.shape().withWindow(window);
    int attended = shape.attendedTokens(Math.max(1, java.util.Arrays.stream(lens).max().orElse(1)));
    var plan = new PagedDecodeAttention.Plan(partition, (attended + partition - 1) / partition);
    pagedDecodeMatches(c, lens, shape, gpu -> plan, false);
  }

  @ParameterizedTest(name = "append T{0} Hkv{1} D{2} blocks{3} x{4}")
  @CsvSource({"1, 8, 128, 4, 16", "17, 2, 64, 5, 16", "1000, 8, 128, 80, 16", "33, 3, 5, 9, 7"})
  void kvAppendWritesExactlyTheReferenceCache(
      int tokens, int hkv, int d, int numBlocks, int blockSize) throws Exception {
    var shape = new KvCacheAppend.Shape(tokens, hkv, d, numBlocks, blockSize);
    Random rng = new Random(System.nanoTime());
    float[] kNew = Bf16.round(NaiveAttention.random(rng, (long) tokens * hkv * d));
    float[] vNew = Bf16.round(NaiveAttention.random(rng, (long) tokens * hkv * d));
    int cache = numBlocks * blockSize * hkv * d;
    float[] kCache = Bf16.round(NaiveAttention.random(rng, cache));
    float[] vCache = Bf16.round(NaiveAttention.random(rng, cache));
    java.util.List<Integer> slots = new java.util.ArrayList<>();
    for (int s = 0; s < numBlocks * blockSize; s++) {
      slots.add(s);
    }
    java.util.Collections.shuffle(slots, rng);
    int[] mapping = slots.subList(0, tokens).stream().mapToInt(Integer::intValue).toArray();
    if (tokens > 2) {
      mapping[1] = -1;
    }
    try (GpuTestBed gpu = GpuTestBed.open()) {
      Ptr<BF16> kDev = gpu.uploadBf16(kCache);
      Ptr<BF16> vDev = gpu.uploadBf16(vCache);
      new KvCacheAppend(gpu.load(KvCacheAppendKernels.class))
          .append(
              StreamRef.DEFAULT,
              gpu.uploadBf16(kNew),
              gpu.uploadBf16(vNew),
              kDev,
              vDev,
              gpu.upload(I32.class, mapping),
              shape);
      KvCacheAppend.reference(kNew, vNew, kCache, vCache, mapping, shape);
      assertArrayEquals(kCache, gpu.downloadBf16(kDev, cache));
      assertArrayEquals(vCache, gpu.downloadBf16(vDev, cache));
    }
  }

  static void assertClose(float[] actual, float[] expected, String what) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < actual.length; i++) {
      assertTrue(
          !Float.isNaN(actual[i]) && !Float.isInfinite(actual[i]),
          what + ": element " + i + " is " + actual[i]);
      num += (actual[i] - expected[i]) * (double) (actual[i] - expected[i]);
      den += expected[i] * (double) expected[i];
    }
    double rel = Math.sqrt(num / Math.max(den, 1e-30));
    assertTrue(rel < TOLERANCE, what + ": relative error " + rel);
  }

  private static void dumpForSdpa(
      PrefillAttention.Shape s, float[] q, float[] k, float[] v, float[] o) throws IOException {
    String dir = System.getProperty("kernelj.attention.dump");
    if (dir == null) {
      return;
    }
    String name =
        "prefill_b"
            + s.batch()
            + "_q"
            + s.seqQ()
            + "_kv"
            + s.seqKv()
            + "_h"
            + s.nHeads()
            + "_hkv"
            + s.nKvHeads()
            + "_d"
            + s.headDim()
            + (s.causal() ? "_causal" : "");
    Path base = Files.createDirectories(Path.of(dir, name));
    for (var part : java.util.Map.of("q", q, "k", k, "v", v, "o", o).entrySet()) {
      ByteBuffer bytes =
          ByteBuffer.allocate(part.getValue().length * 2).order(ByteOrder.LITTLE_ENDIAN);
      for (short x : Bf16.encode(part.getValue())) {
        bytes.putShort(x);
      }
      Files.write(base.resolve(part.getKey() + ".bf16"), bytes.array());
    }
    Files.writeString(
        base.resolve("args.txt"),
        "--batch "
            + s.batch()
            + " --seq-q "
            + s.seqQ()
            + " --seq-kv "
            + s.seqKv()
            + " --heads "
            + s.nHeads()
            + " --kv-heads "
            + s.nKvHeads()
            + " --head-dim "
            + s.headDim()
            + " --scale "
            + s.scale()
            + (s.causal() ? " --causal" : "")
            + "\n");
  }
}
