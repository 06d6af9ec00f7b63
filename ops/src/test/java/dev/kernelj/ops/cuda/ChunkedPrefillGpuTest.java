package dev.kernelj.ops.cuda;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.Tensor;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Chunked prefill has the bits of an unchunked one: a prompt's rows attended in chunks (each chunk
 * causally over the keys of the prefix and of itself, as the serving engine's mixed steps run it)
 * equal the same rows of one causal prefill over the whole prompt, for chunk boundaries anywhere
 * (inside a 64-key tile, one row, a whole 128-row query tile), both head dims, with and without a
 * sliding window. The continuous-batching scheduler cuts a prompt where the step's token budget
 * ends, which depends on the other requests, so a request's output is batch-invariant only if this
 * holds.
 */
class ChunkedPrefillGpuTest extends InvariantGpuTest {
  private static final int HEADS = 8;
  private static final int KV_HEADS = 2;

  @ParameterizedTest(name = "D{0}, prompt {1}, window {2}")
  @CsvSource({"128, 300, 0", "64, 1000, 0", "128, 777, 200", "64, 129, 0", "64, 450, 63"})
  void aPromptAttendedInChunksHasTheBitsOfOnePrefill(int d, int prompt, int window) {
    Random random = new Random(d * 31L + prompt * 7L + window);
    int qWidth = HEADS * d;
    int kvWidth = KV_HEADS * d;
    float scale = (float) (1 / Math.sqrt(d));
    try (Tensor q = cuda.upload(matrix(random, prompt, qWidth));
        Tensor k = cuda.upload(matrix(random, prompt, kvWidth));
        Tensor v = cuda.upload(matrix(random, prompt, kvWidth));
        Tensor whole = cuda.empty(DType.BF16, prompt, qWidth);
        Tensor chunked = cuda.empty(DType.BF16, prompt, qWidth)) {
      cuda.fill(whole, Float.NaN);
      cuda.fill(chunked, Float.NaN);
      prefill(whole, q, k, v, 0, prompt, scale, window, d);
      int[] cuts = cuts(random, prompt);
      for (int c = 0; c + 1 < cuts.length; c++) {
        prefill(chunked, q, k, v, cuts[c], cuts[c + 1], scale, window, d);
      }
      float[] want = cuda.toHost(whole).toFloatArray();
      float[] got = cuda.toHost(chunked).toFloatArray();
      assertSameBits(want, got, "chunks at " + Arrays.toString(cuts));
    }
  }

  /** Rows {@code [from, to)} attending causally to keys {@code [0, to)}. */
  private static void prefill(
      Tensor out, Tensor q, Tensor k, Tensor v, int from, int to, float scale, int window, int d) {
    int rows = to - from;
    cuda.attentionPrefill(
        out.slice(0, from, to).view(1, rows, HEADS, d),
        q.slice(0, from, to).view(1, rows, HEADS, d),
        k.slice(0, 0, to).view(1, to, KV_HEADS, d),
        v.slice(0, 0, to).view(1, to, KV_HEADS, d),
        scale,
        true,
        window);
  }

  /**
   * Chunk boundaries from 0 to {@code prompt}: a one-row chunk, a chunk of exactly one query tile
   * where the prompt allows it, then random lengths up to 200.
   */
  private static int[] cuts(Random random, int prompt) {
    int[] cuts = new int[prompt + 1];
    int n = 0;
    cuts[n++] = 0;
    int at = 0;
    int[] firstLengths = {1, 128};
    for (int len : firstLengths) {
      if (at + len < prompt) {
        at += len;
        cuts[n++] = at;
      }
    }
    while (at < prompt) {
      at = Math.min(prompt, at + 1 + random.nextInt(200));
      cuts[n++] = at;
    }
    return Arrays.copyOf(cuts, n);
  }

  private static Tensor matrix(Random random, int rows, int cols) {
    return Tensor.fromFloats(DType.BF16, uniform(random, DType.BF16, rows * cols), rows, cols);
  }
}
