package dev.kernelj.ops.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.DTypes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The embedding contract both backends share: any floating table into any floating output, one
 * rounding. The first GPU run found the reference refusing an f32 table into bf16 while the test
 * expected it; now every pair has its kernel and the reference rounds to the output's dtype.
 */
class EmbeddingTest {
  @ParameterizedTest(name = "{0} table > {1} out")
  @CsvSource({
    "F32,F32",
    "F32,F16",
    "F32,BF16",
    "F16,F32",
    "F16,F16",
    "F16,BF16",
    "BF16,F32",
    "BF16,F16",
    "BF16,BF16"
  })
  void everyFloatingPairLaunchesItsOwnKernel(DType table, DType out) {
    RecordingKernels<Embedding.Cuda> rec = RecordingKernels.of(Embedding.Cuda.class);
    Embedding.lookup(
        rec.kernels(),
        StreamRef.DEFAULT,
        FakeTensors.at(out, 0x1000),
        FakeTensors.at(table, 0x2000),
        FakeTensors.at(DType.I32, 0x3000),
        5,
        100,
        64);
    RecordingKernels.Call call = rec.single();
    assertEquals(
        "kj_embedding_" + table.name().toLowerCase() + "_" + out.name().toLowerCase(),
        call.kernel());
    assertEquals(5, call.launch().grid().x(), "one block per token");
    assertEquals(java.util.List.of(5, 100, 64), call.args().subList(3, 6));
  }

  @ParameterizedTest(name = "{0} out")
  @CsvSource({"F32", "F16", "BF16"})
  void referenceRoundsOnceToTheOutputTypeAndMarksBadIdsNaN(DType out) {
    float[] table = {1.00390625f + 1e-4f, -3.3333333f, 0.1f, 65504.9f};
    int[] ids = {1, 0, 2, 7};
    float[] got = new float[ids.length * 2];
    Embedding.lookupReference(out, got, 0, table, 0, ids, 0, ids.length, 2, 2);
    assertEquals(DTypes.round(out, table[2]), got[0]);
    assertEquals(DTypes.round(out, table[3]), got[1]);
    assertEquals(DTypes.round(out, table[0]), got[2]);
    assertEquals(DTypes.round(out, table[1]), got[3]);
    for (int i = 4; i < 8; i++) {
      assertEquals(Float.NaN, got[i], "ids 2 and 7 are outside a vocabulary of 2");
    }
  }
}
