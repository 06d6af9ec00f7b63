package dev.kernelj.ops.kernels.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.I64;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.kernels.attention.GpuTestBed;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The sampling kernels against {@link SamplingReference}: identical tokens, identical penalties.
 */
@Tag("gpu")
class SamplingGpuTest {
  private static final float[] TEMPERATURE = {0f, 1f, 0.7f, 1f, 1f, 1.3f, 1f, 0.5f};
  private static final int[] TOP_K = {0, 0, 50, 0, 0, 1000, 1, 0};
  private static final float[] TOP_P = {1f, 1f, 1f, 0.9f, 1f, 0.95f, 1f, 0.5f};
  private static final float[] MIN_P = {0f, 0f, 0f, 0f, 0.05f, 0.01f, 0f, 0f};

  @ParameterizedTest(name = "vocab {0}")
  @ValueSource(ints = {1, 17, 1000, 152064})
  void sampledTokensAndTopLogprobsMatchTheReference(int vocab) throws Exception {
    int batch = TEMPERATURE.length;
    Random rng = new Random(System.nanoTime());
    float[] logits = new float[batch * vocab];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = (float) (rng.nextGaussian() * 3);
    }
    long[] seeds = rng.longs(batch).toArray();
    try (GpuTestBed gpu = GpuTestBed.open()) {
      var sampling = new Sampling(gpu.load(SamplingKernels.class));
      Ptr<F32> dLogits = gpu.upload(F32.class, logits);
      Ptr<F32> t = gpu.upload(F32.class, TEMPERATURE);
      Ptr<I32> k = gpu.upload(I32.class, TOP_K);
      Ptr<F32> p = gpu.upload(F32.class, TOP_P);
      Ptr<F32> m = gpu.upload(F32.class, MIN_P);
      Ptr<I64> s = gpu.upload(I64.class, seeds);
      Ptr<I32> out = gpu.poisoned(I32.class, batch);
      for (int step = 0; step < 16; step++) {
        int[] steps = new int[batch];
        java.util.Arrays.fill(steps, step * 977 + 1);
        sampling.sample(
            StreamRef.DEFAULT,
            dLogits,
            batch,
            vocab,
            t,
            k,
            p,
            m,
            s,
            gpu.upload(I32.class, steps),
            out);
        int[] expected =
            SamplingReference.sample(
                logits, batch, vocab, TEMPERATURE, TOP_K, TOP_P, MIN_P, seeds, steps);
        assertArrayEquals(expected, gpu.download(out, new int[batch]), "step " + step);
      }
      int n = Math.min(vocab, 20);
      Ptr<I32> ids = gpu.poisoned(I32.class, (long) batch * n);
      Ptr<F32> lp = gpu.poisoned(F32.class, (long) batch * n);
      sampling.topLogprobs(StreamRef.DEFAULT, dLogits, batch, vocab, n, ids, lp);
      var ref = SamplingReference.topLogprobs(logits, batch, vocab, n);
      assertArrayEquals(ref.ids(), gpu.download(ids, new int[batch * n]));
      float[] values = gpu.download(lp, new float[batch * n]);
      for (int i = 0; i < values.length; i++) {
        assertEquals(
            ref.logprobs()[i],
            values[i],
            1e-4 + 1e-5 * Math.abs(ref.logprobs()[i]),
            "logprob " + i);
      }
    }
  }

  @ParameterizedTest(name = "vocab {0}")
  @ValueSource(ints = {17, 5000})
  void penaltiesMatchTheReferenceBitForBitAndLeaveCountsZero(int vocab) throws Exception {
    int batch = 4;
    int maxHistory = 300;
    Random rng = new Random(System.nanoTime());
    float[] logits = new float[batch * vocab];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = (float) (rng.nextGaussian() * 2);
    }
    int[] history = rng.ints((long) batch * maxHistory, -2, Math.min(vocab + 3, 400)).toArray();
    int[] lens = {300, 0, 57, 299};
    float[] rep = {1.3f, 1.2f, 1f, 0.8f};
    float[] pres = {0.5f, 0f, 0.25f, 0f};
    float[] freq = {0.1f, 0f, 0f, 0.3f};
    try (GpuTestBed gpu = GpuTestBed.open()) {
      Ptr<F32> dLogits = gpu.upload(F32.class, logits);
      Ptr<I32> counts = gpu.zeroed(I32.class, (long) batch * vocab);
      new Sampling(gpu.load(SamplingKernels.class))
          .applyPenalties(
              StreamRef.DEFAULT,
              dLogits,
              gpu.upload(I32.class, history),
              gpu.upload(I32.class, lens),
              counts,
              gpu.upload(F32.class, rep),
              gpu.upload(F32.class, pres),
              gpu.upload(F32.class, freq),
              batch,
              vocab,
              maxHistory);
      SamplingReference.applyPenalties(
          logits, batch, vocab, history, lens, maxHistory, rep, pres, freq);
      assertArrayEquals(logits, gpu.download(dLogits, new float[batch * vocab]));
      assertTrue(
          java.util.Arrays.stream(gpu.download(counts, new int[batch * vocab]))
              .allMatch(c -> c == 0));
    }
  }
}
