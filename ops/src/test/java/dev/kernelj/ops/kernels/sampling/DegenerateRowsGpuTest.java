package dev.kernelj.ops.kernels.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.kernels.attention.GpuTestBed;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The sampling kernel on degenerate rows (NaN, +inf, all or partly -inf, an overflowing
 * temperature, huge logits) gives exactly the ids of {@link SamplingReference}, sentinels included.
 */
@Tag("gpu")
class DegenerateRowsGpuTest {
  @ParameterizedTest(name = "vocab {0}")
  @ValueSource(ints = {1, 17, 1000, 152064})
  void theKernelMarksDegenerateRowsAsTheReferenceDoes(int vocab) throws Exception {
    DegenerateRows rows = new DegenerateRows(vocab, new Random(vocab * 31L));
    try (GpuTestBed gpu = GpuTestBed.open()) {
      var sampling = new Sampling(gpu.load(SamplingKernels.class));
      Ptr<I32> out = gpu.poisoned(I32.class, DegenerateRows.ROWS);
      for (int step = 0; step < 8; step++) {
        sampling.sample(
            StreamRef.DEFAULT,
            gpu.upload(F32.class, rows.logits),
            DegenerateRows.ROWS,
            vocab,
            gpu.upload(F32.class, rows.temperature),
            gpu.upload(I32.class, rows.topK),
            gpu.upload(F32.class, rows.topP),
            gpu.upload(F32.class, rows.minP),
            gpu.upload(dev.kernelj.dsl.I64.class, rows.seeds),
            gpu.upload(I32.class, rows.steps(step)),
            out);
        assertArrayEquals(
            rows.sampleOnTheHost(step),
            gpu.download(out, new int[DegenerateRows.ROWS]),
            "step " + step);
      }
    }
  }
}
