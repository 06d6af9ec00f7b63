package dev.kernelj.ops.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.kernels.attention.PagedDecodeAttention;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * In batch-invariant mode a sequence's decode attention has the same bits alone (its block table
 * just wide enough for it, so a short one takes the one-partition launch that writes the output
 * directly) and beside 1 to 63 others of shorter and longer contexts (a wider table, the split
 * launch and the reduce), at any place in the batch; and it matches the f64 reference. By default
 * the partition size follows the batch, so a sequence longer than 64 tokens is cut differently
 * alone and in a batch of 64.
 */
class BatchInvariantDecodeGpuTest extends InvariantGpuTest {
  private static final int HEADS = 32;
  private static final int KV_HEADS = 8;
  private static final int BLOCK = 16;
  private static final int POOL_BLOCKS = 400;
  private static final int LONGEST_OTHER = 4000;
  private static final int[] OTHERS = {1, 2, 6, 7, 31, 63};

  @ParameterizedTest(name = "D{0}, the sequence's context {1}")
  @CsvSource({"128, 100", "128, 1000", "128, 3000", "64, 700", "64, 256"})
  void aSequenceHasTheSameBitsAloneAndInAnyBatch(int d, int length) {
    Random random = new Random(d * 7919L + length);
    long cacheElements = (long) POOL_BLOCKS * BLOCK * KV_HEADS * d;
    float[] k = uniform(random, DType.BF16, (int) cacheElements);
    float[] v = uniform(random, DType.BF16, (int) cacheElements);
    float[] q = uniform(random, DType.BF16, HEADS * d);
    int[] blocks = distinctBlocks(random, (length + BLOCK - 1) / BLOCK);
    try (Tensor kc =
            cuda.upload(Tensor.fromFloats(DType.BF16, k, POOL_BLOCKS, BLOCK, KV_HEADS, d));
        Tensor vc =
            cuda.upload(Tensor.fromFloats(DType.BF16, v, POOL_BLOCKS, BLOCK, KV_HEADS, d))) {
      float[] alone =
          decode(kc, vc, d, new float[][] {q}, new int[][] {blocks}, new int[] {length})[0];
      assertCloseToReference(alone, q, k, v, blocks, length, d);
      for (int others : OTHERS) {
        int batch = others + 1;
        int at = random.nextInt(batch);
        float[][] qs = new float[batch][];
        int[][] tables = new int[batch][];
        int[] lengths = new int[batch];
        for (int b = 0; b < batch; b++) {
          // one shorter and one longer than the sequence, the rest anywhere up to LONGEST_OTHER
          int len =
              b == (at + 1) % batch
                  ? Math.max(1, length / 3)
                  : b == (at + 2) % batch ? LONGEST_OTHER : 1 + random.nextInt(LONGEST_OTHER);
          lengths[b] = b == at ? length : len;
          qs[b] = b == at ? q : uniform(random, DType.BF16, HEADS * d);
          tables[b] = b == at ? blocks : anyBlocks(random, (lengths[b] + BLOCK - 1) / BLOCK);
        }
        float[] inBatch = decode(kc, vc, d, qs, tables, lengths)[at];
        assertSameBits(alone, inBatch, "place " + at + " of " + batch + ", context " + length);
      }
    }
  }

  /** Decode attention over the pool for these sequences; one output row per sequence. */
  private static float[][] decode(
      Tensor kc, Tensor vc, int d, float[][] qs, int[][] tables, int[] lengths) {
    int batch = lengths.length;
    int width = 1;
    for (int[] t : tables) {
      width = Math.max(width, t.length);
    }
    int[] table = new int[batch * width];
    float[] q = new float[batch * HEADS * d];
    for (int b = 0; b < batch; b++) {
      System.arraycopy(tables[b], 0, table, b * width, tables[b].length);
      System.arraycopy(qs[b], 0, q, b * HEADS * d, HEADS * d);
    }
    try (Tensor dq = cuda.upload(Tensor.fromFloats(DType.BF16, q, batch, HEADS, d));
        Tensor dt = cuda.upload(Tensor.fromInts(table, batch, width));
        Tensor dl = cuda.upload(Tensor.fromInts(lengths, batch));
        Tensor out = cuda.empty(DType.BF16, batch, HEADS, d)) {
      cuda.fill(out, Float.NaN);
      cuda.attentionDecode(out, dq, kc, vc, dt, dl, (float) (1 / Math.sqrt(d)));
      float[] all = cuda.toHost(out).toFloatArray();
      float[][] rows = new float[batch][];
      for (int b = 0; b < batch; b++) {
        rows[b] = java.util.Arrays.copyOfRange(all, b * HEADS * d, (b + 1) * HEADS * d);
      }
      return rows;
    }
  }

  private static void assertCloseToReference(
      float[] got, float[] q, float[] k, float[] v, int[] blocks, int length, int d) {
    var shape =
        PagedDecodeAttention.Shape.of(1, HEADS, KV_HEADS, d, POOL_BLOCKS, BLOCK, blocks.length);
    float[] want = new float[HEADS * d];
    PagedDecodeAttention.reference(q, k, v, blocks, new int[] {length}, want, shape);
    double num = 0, den = 0;
    for (int i = 0; i < want.length; i++) {
      num += (got[i] - want[i]) * (double) (got[i] - want[i]);
      den += want[i] * (double) want[i];
    }
    double rel = Math.sqrt(num / Math.max(den, 1e-30));
    // the kernel rounds probabilities to bf16 for the P·V product, and the output to bf16
    assertTrue(rel < 1e-2, "relative error " + rel + " against the f64 reference");
  }

  private static int[] distinctBlocks(Random random, int count) {
    List<Integer> pool = new ArrayList<>();
    for (int i = 0; i < POOL_BLOCKS; i++) {
      pool.add(i);
    }
    Collections.shuffle(pool, random);
    return pool.subList(0, count).stream().mapToInt(Integer::intValue).toArray();
  }

  /** Blocks of another sequence: any of the pool, repeats allowed (they are only read). */
  private static int[] anyBlocks(Random random, int count) {
    int[] blocks = new int[count];
    for (int i = 0; i < count; i++) {
      blocks[i] = random.nextInt(POOL_BLOCKS);
    }
    return blocks;
  }
}
