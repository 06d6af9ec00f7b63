package dev.kernelj.ops.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.SamplingParams;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.reference.ReferenceOps;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Attention and sampling refuse bad input identically on both backends, naming the op, the argument
 * and the shapes, and the CUDA backend queues nothing first; what only the CUDA kernels cannot take
 * is refused there with the reason.
 */
class AttentionSamplingValidationTest {
  static Stream<Function<FakePort, Ops>> backends() {
    return Stream.of(port -> new ReferenceOps(), CudaOps::new);
  }

  static String refused(Runnable call) {
    return assertThrows(OpArgumentException.class, call::run).getMessage();
  }

  @ParameterizedTest
  @MethodSource("backends")
  void attentionShapeErrors(Function<FakePort, Ops> make) {
    FakePort port = new FakePort();
    Ops ops = make.apply(port);
    Tensor q = ops.empty(DType.BF16, 2, 5, 8, 64);
    Tensor k = ops.empty(DType.BF16, 2, 5, 2, 64);
    Tensor out = ops.empty(DType.BF16, 2, 5, 8, 64);
    port.queued.clear();

    assertEquals(
        "attentionPrefill: v has shape [2, 5, 2, 32] but k has [2, 5, 2, 64]",
        refused(
            () ->
                ops.attentionPrefill(out, q, k, ops.empty(DType.BF16, 2, 5, 2, 32), 0.125f, true)));
    assertEquals(
        "attentionPrefill: k has shape [2, 5, 3, 64] but q has [2, 5, 8, 64]; its 3 kv heads must divide q's 8 heads (GQA groups)",
        refused(
            () ->
                ops.attentionPrefill(
                    out,
                    q,
                    ops.empty(DType.BF16, 2, 5, 3, 64),
                    ops.empty(DType.BF16, 2, 5, 3, 64),
                    0.125f,
                    false)));
    Tensor shortK = ops.empty(DType.BF16, 2, 4, 2, 64);
    assertEquals(
        "attentionPrefill: k has shape [2, 4, 2, 64] but q has [2, 5, 8, 64]; causal attention needs seqKv >= seqQ"
            + " (the queries are the last seqQ positions)",
        refused(() -> ops.attentionPrefill(out, q, shortK, shortK, 0.125f, true)));
    assertEquals(
        "attentionPrefill: scale is NaN; a positive finite number expected (usually 1/sqrt(headDim))",
        refused(() -> ops.attentionPrefill(out, q, k, k, Float.NaN, false)));
    assertEquals(
        "attentionPrefill: out has dtype F32 but the input has BF16",
        refused(
            () -> ops.attentionPrefill(ops.empty(DType.F32, 2, 5, 8, 64), q, k, k, 0.125f, false)));

    Tensor dq = ops.empty(DType.BF16, 2, 8, 64);
    Tensor cache = ops.empty(DType.BF16, 10, 16, 2, 64);
    Tensor lengths = ops.empty(DType.I32, 2);
    assertEquals(
        "attentionDecode: blockTable has dtype F32; I32 [2, maxBlocksPerSeq] expected",
        refused(
            () ->
                ops.attentionDecode(
                    dq, dq, cache, cache, ops.empty(DType.F32, 2, 4), lengths, 0.125f)));
    assertEquals(
        "attentionDecode: contextLengths has shape [3] but q has [2, 8, 64]; one length per sequence expected: [2]",
        refused(
            () ->
                ops.attentionDecode(
                    dq,
                    dq,
                    cache,
                    cache,
                    ops.empty(DType.I32, 2, 4),
                    ops.empty(DType.I32, 3),
                    0.125f)));
    assertEquals(
        "attentionDecode: kCache has shape [10, 16, 2, 128] but q has [2, 8, 64]; the caches' head dim must be 64",
        refused(
            () ->
                ops.attentionDecode(
                    dq,
                    dq,
                    ops.empty(DType.BF16, 10, 16, 2, 128),
                    ops.empty(DType.BF16, 10, 16, 2, 128),
                    ops.empty(DType.I32, 2, 4),
                    lengths,
                    0.125f)));

    Tensor newK = ops.empty(DType.BF16, 3, 2, 64);
    assertEquals(
        "kvAppend: slots has shape [4] but k has [3, 2, 64]; one slot per token expected: [3]",
        refused(() -> ops.kvAppend(cache, cache, newK, newK, ops.empty(DType.I32, 4))));
    assertEquals(
        "kvAppend: kCache has dtype F32 but the input has BF16",
        refused(
            () ->
                ops.kvAppend(
                    ops.empty(DType.F32, 10, 16, 2, 64),
                    cache,
                    newK,
                    newK,
                    ops.empty(DType.I32, 3))));
    assertEquals(List.of(), port.queued, "nothing reached the stream");
  }

  @ParameterizedTest
  @MethodSource("backends")
  void samplingErrors(Function<FakePort, Ops> make) {
    FakePort port = new FakePort();
    Ops ops = make.apply(port);
    Tensor logits = ops.empty(DType.F32, 2, 100);
    Tensor out = ops.empty(DType.I32, 2);
    port.queued.clear();

    assertEquals(
        "sample: logits is bf16[2, 100] ("
            + (ops instanceof CudaOps ? "device" : "host")
            + "); F32 [batch, vocab] expected, neither empty",
        refused(
            () ->
                ops.sample(
                    out, ops.empty(DType.BF16, 2, 100), null, SamplingParams.greedy(), 0, 0)));
    assertEquals(
        "sample: out has shape [3]; [2] expected",
        refused(
            () ->
                ops.sample(ops.empty(DType.I32, 3), logits, null, SamplingParams.greedy(), 0, 0)));
    assertEquals(
        "sample: step is -1; the generator's counter takes 0 to 2^31 - 1",
        refused(() -> ops.sample(out, logits, null, SamplingParams.greedy(), 0, -1)));
    refused(
        () -> ops.sample(out, logits, ops.empty(DType.I32, 1, 5), SamplingParams.greedy(), 0, 0));
    assertEquals(
        "topLogprobs: ids has shape [2, 65]; n must be in [1, 64] (at most the vocabulary and 64)",
        refused(
            () ->
                ops.topLogprobs(ops.empty(DType.I32, 2, 65), ops.empty(DType.F32, 2, 65), logits)));
    assertEquals(List.of(), port.queued, "nothing reached the stream");
  }

  @Test
  void samplingParamsRefuseSettingsWithoutMeaning() {
    assertThrows(IllegalArgumentException.class, () -> SamplingParams.of(-1f, 0, 1f, 0f));
    assertThrows(IllegalArgumentException.class, () -> SamplingParams.of(1f, -1, 1f, 0f));
    assertThrows(IllegalArgumentException.class, () -> SamplingParams.of(1f, 0, 0f, 0f));
    assertThrows(IllegalArgumentException.class, () -> SamplingParams.of(1f, 0, 1f, 1f));
    assertThrows(
        IllegalArgumentException.class, () -> SamplingParams.greedy().withPenalties(0f, 0f, 0f));
  }

  @Test
  void cudaRefusesWhatOnlyItsKernelsCannotTake() {
    FakePort port = new FakePort();
    CudaOps cuda = new CudaOps(port);
    Tensor q = cuda.empty(DType.F32, 1, 4, 2, 64);
    assertEquals(
        "attentionPrefill: q has dtype F32; the CUDA kernels take BF16 (the reference backend takes any)",
        refused(() -> cuda.attentionPrefill(q, q, q, q, 0.125f, true)));
    Tensor q80 = cuda.empty(DType.BF16, 1, 4, 2, 80);
    assertEquals(
        "attentionPrefill: q has shape [1, 4, 2, 80]; the CUDA kernels take headDim 64 or 128, not 80",
        refused(() -> cuda.attentionPrefill(q80, q80, q80, q80, 0.125f, true)));
    Tensor big = cuda.empty(DType.BF16, 2 * 4 * 2 * 64 + 1);
    Tensor misaligned = big.slice(0, 1, 1 + 4 * 2 * 64).view(1, 4, 2, 64);
    String message =
        refused(
            () ->
                cuda.attentionPrefill(
                    misaligned, misaligned, misaligned, misaligned, 0.125f, false));
    assertEquals(
        "attentionPrefill: out bf16[1, 4, 2, 64] (device) starts at a device address that is not 16-byte aligned;"
            + " the CUDA kernels load rows in 16-byte pieces",
        message);
    Tensor k32 = cuda.empty(DType.F32, 1, 2, 64);
    Tensor c32 = cuda.empty(DType.F32, 2, 4, 2, 64);
    assertEquals(
        "kvAppend: k has dtype F32; the CUDA kernel takes BF16 (the reference backend takes any)",
        refused(() -> cuda.kvAppend(c32, c32, k32, k32, cuda.empty(DType.I32, 1))));
    assertEquals(List.of(), port.queued, "nothing reached the stream");
  }

  @Test
  void theReferenceBackendTakesAnyFloatingDtypeAndHeadSize() {
    ReferenceOps ref = new ReferenceOps();
    Tensor q = ref.empty(DType.F32, 1, 3, 2, 20);
    Tensor out = ref.empty(DType.F32, 1, 3, 2, 20);
    ref.attentionPrefill(out, q, q, q, 0.2f, true);
    assertEquals(0f, out.getFloat(0, 2, 1, 19), "zero inputs average to zero");
  }
}
