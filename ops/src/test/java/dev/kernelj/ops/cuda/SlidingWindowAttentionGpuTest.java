package dev.kernelj.ops.cuda;

import static dev.kernelj.ops.cuda.CudaAttentionSamplingGpuTest.assertAttentionClose;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.CapturedGraph;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.cuda.PagedInputs.Paged;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Sliding-window attention through the {@link Ops} API: the CUDA kernels against the reference
 * backend, windows smaller than the sequence (odd sizes, both head dims, windows that start inside
 * a key tile or a cache block), device outputs poisoned with NaN first.
 */
class SlidingWindowAttentionGpuTest extends CudaGpuTest {
  final Random random = new Random(System.nanoTime());

  @ParameterizedTest(name = "prefill B{0} Sq{1} Skv{2} H{3} Hkv{4} D{5} window {6}")
  @CsvSource({
    "1, 300, 300, 4, 2, 128, 37", "2, 77, 77, 8, 2, 64, 1", "1, 1000, 1000, 4, 1, 128, 257",
    "1, 129, 700, 6, 3, 64, 333", "2, 200, 200, 4, 4, 64, 64", "1, 513, 513, 2, 2, 128, 128",
    "1, 1000, 1000, 4, 2, 64, 999", "1, 40, 40, 4, 4, 128, 4096"
  })
  void prefillMatchesTheReference(int b, int sq, int skv, int h, int hkv, int d, int window) {
    Tensor q = gaussian(b, sq, h, d), k = gaussian(b, skv, hkv, d), v = gaussian(b, skv, hkv, d);
    float scale = (float) (1 / Math.sqrt(d));
    Tensor expected = reference.empty(DType.BF16, b, sq, h, d);
    reference.attentionPrefill(expected, q, k, v, scale, true, window);
    try (Tensor dq = cuda.upload(q);
        Tensor dk = cuda.upload(k);
        Tensor dv = cuda.upload(v);
        Tensor out = poisoned(b, sq, h, d)) {
      cuda.attentionPrefill(out, dq, dk, dv, scale, true, window);
      assertAttentionClose(
          "prefill window " + window, expected.toFloatArray(), cuda.toHost(out).toFloatArray());
    }
  }

  @ParameterizedTest(name = "decode H{0} Hkv{1} D{2} block {3} lengths {4} window {5}")
  @CsvSource({
    "32, 8, 128, 16, '20000 4096 4097 1 0', 4096", "14, 2, 64, 16, '2049 777 100', 777",
        "8, 8, 64, 7, '3001 5', 1",
    "16, 4, 128, 5, '9000 1234', 1000", "32, 1, 128, 32, '4097', 333", "12, 4, 64, 16, '600 65', 64"
  })
  void pagedDecodeMatchesTheReference(
      int h, int hkv, int d, int blockSize, String lengthsText, int window) {
    int[] lengths = Arrays.stream(lengthsText.split(" ")).mapToInt(Integer::parseInt).toArray();
    Paged p = paged(hkv, d, blockSize, lengths);
    Tensor q = gaussian(lengths.length, h, d);
    float scale = (float) (1 / Math.sqrt(d));
    Tensor expected = reference.empty(DType.BF16, lengths.length, h, d);
    reference.attentionDecode(
        expected, q, p.kCache(), p.vCache(), p.blockTable(), p.lengths(), scale, window);
    try (Tensor dq = cuda.upload(q);
        Tensor kc = cuda.upload(p.kCache());
        Tensor vc = cuda.upload(p.vCache());
        Tensor table = cuda.upload(p.blockTable());
        Tensor lens = cuda.upload(p.lengths());
        Tensor out = poisoned(lengths.length, h, d)) {
      cuda.attentionDecode(out, dq, kc, vc, table, lens, scale, window);
      assertAttentionClose(
          "decode window " + window, expected.toFloatArray(), cuda.toHost(out).toFloatArray());
    }
  }

  /**
   * The window slides with the lengths a replayed graph reads: the launch was planned for the
   * window alone.
   */
  @Test
  void aCapturedWindowedDecodeFollowsTheLengthsOfEachReplay() {
    int h = 32, hkv = 8, d = 128, blockSize = 16, window = 1000;
    Paged p = paged(hkv, d, blockSize, 6000, 40);
    Tensor q = gaussian(2, h, d);
    float scale = (float) (1 / Math.sqrt(d));
    try (Tensor dq = cuda.upload(q);
        Tensor kc = cuda.upload(p.kCache());
        Tensor vc = cuda.upload(p.vCache());
        Tensor table = cuda.upload(p.blockTable());
        Tensor lens = cuda.upload(p.lengths());
        Tensor out = poisoned(2, h, d)) {
      cuda.attentionDecode(
          out, dq, kc, vc, table, lens, scale,
          window); // eager first: kernels load, scratch is allocated
      cuda.synchronize();
      CapturedGraph graph =
          cuda.port()
              .captureGraph(
                  () -> cuda.attentionDecode(out, dq, kc, vc, table, lens, scale, window));
      for (int[] step : new int[][] {{1, 40}, {6000, 17}, {1001, 0}, {999, 40}}) {
        Tensor stepLengths = Tensor.fromInts(step, 2);
        try (Tensor newLens = cuda.upload(stepLengths)) {
          cuda.copy(lens, newLens);
          cuda.fill(out, Float.NaN);
          graph.replay();
          Tensor expected = reference.empty(DType.BF16, 2, h, d);
          reference.attentionDecode(
              expected, q, p.kCache(), p.vCache(), p.blockTable(), stepLengths, scale, window);
          assertAttentionClose(
              "replay with lengths " + Arrays.toString(step),
              expected.toFloatArray(),
              cuda.toHost(out).toFloatArray());
        }
      }
      graph.close();
    }
  }

  // ---------------------------------------------------------------- helpers

  private Tensor gaussian(int... shape) {
    return PagedInputs.gaussian(random, DType.BF16, shape);
  }

  private static Tensor poisoned(int... shape) {
    return CudaGpuTest.poisoned(DType.BF16, shape);
  }

  private Paged paged(int kvHeads, int d, int blockSize, int... lengths) {
    return PagedInputs.paged(random, kvHeads, d, blockSize, lengths);
  }
}
