package dev.kernelj.ops.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.RopeConfig;
import dev.kernelj.ops.SoftmaxMask;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.kernels.GemmCall;
import dev.kernelj.ops.reference.ReferenceOps;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both backends refuse the same bad input with one clear message, and the CUDA one queues nothing
 * first.
 */
class OpValidationTest {
  static Stream<Function<FakePort, Ops>> backends() {
    return Stream.of(port -> new ReferenceOps(), CudaOps::new);
  }

  static OpArgumentException refused(Runnable call) {
    return assertThrows(OpArgumentException.class, call::run);
  }

  @ParameterizedTest
  @MethodSource("backends")
  void shapeAndDtypeErrorsNameOpArgumentAndShapes(Function<FakePort, Ops> make) {
    FakePort port = new FakePort();
    Ops ops = make.apply(port);
    Tensor x = ops.empty(DType.BF16, 2, 4096);
    Tensor out = ops.empty(DType.BF16, 2, 4096);
    Tensor badWeight = ops.empty(DType.BF16, 4095);
    port.queued.clear();

    OpArgumentException e = refused(() -> ops.rmsNorm(out, x, badWeight, 1e-5f));
    assertEquals(
        "rmsNorm: weight has shape [4095] but x has [2, 4096]; weight must be [4096]",
        e.getMessage());
    assertEquals("weight", e.argument());

    e = refused(() -> ops.matmul(ops.empty(DType.F32, 2, 11), x, ops.empty(DType.BF16, 10, 4096)));
    assertTrue(
        e.getMessage()
            .startsWith(
                "matmul: out has shape [2, 11] but x [2, 4096] . w [10, 4096]^T gives [2, 10]"),
        e.getMessage());

    e = refused(() -> ops.matmul(ops.empty(DType.F32, 2, 10), x, ops.empty(DType.BF16, 10, 4000)));
    assertTrue(
        e.getMessage().contains("x has shape [2, 4096] but w has [10, 4000]"), e.getMessage());

    e = refused(() -> ops.add(out, x, ops.empty(DType.F32, 2, 4096)));
    assertEquals("add: b has dtype F32 but the input has BF16", e.getMessage());

    e = refused(() -> ops.add(out, x, ops.empty(DType.BF16, 3, 4096)));
    assertTrue(
        e.getMessage().startsWith("add: b has shape [3, 4096] but a has [2, 4096]"),
        e.getMessage());

    e =
        refused(
            () ->
                ops.embedding(
                    ops.empty(DType.F32, 3, 8),
                    ops.empty(DType.BF16, 100, 8),
                    ops.empty(DType.F32, 3)));
    assertEquals("embedding: ids has dtype F32; I32 expected", e.getMessage());

    e =
        refused(
            () ->
                ops.embedding(
                    ops.empty(DType.I32, 3, 8),
                    ops.empty(DType.F32, 100, 8),
                    ops.empty(DType.I32, 3)));
    assertEquals("embedding: out has dtype I32; F32, F16 or BF16 expected", e.getMessage());

    e =
        refused(
            () ->
                ops.rope(
                    ops.empty(DType.BF16, 4, 2, 64),
                    ops.empty(DType.I32, 5),
                    RopeConfig.standard(64, 10000)));
    assertTrue(e.getMessage().startsWith("rope: positions is i32[5]"), e.getMessage());

    e = refused(() -> ops.softmax(out, x, SoftmaxMask.lengths(ops.empty(DType.I32, 1), 1)));
    assertTrue(e.getMessage().contains("at least 2 lengths needed"), e.getMessage());

    Tensor fused = ops.empty(DType.BF16, 4, 6, 10);
    e = refused(() -> ops.scale(ops.empty(DType.BF16, 4, 3, 10), fused.slice(1, 0, 3), 2f));
    assertTrue(e.getMessage().endsWith("must be contiguous"), e.getMessage());

    assertEquals(java.util.List.of(), port.queued, "nothing reached the stream");
  }

  @Test
  void backendsRefuseEachOthersTensors() {
    FakePort port = new FakePort();
    CudaOps cuda = new CudaOps(port);
    ReferenceOps reference = new ReferenceOps();
    Tensor onDevice = cuda.empty(DType.F32, 4);
    Tensor onHost = reference.empty(DType.F32, 4);
    OpArgumentException e = refused(() -> reference.scale(onHost, onDevice, 2f));
    assertTrue(
        e.getMessage().startsWith("scale: x f32[4] (device) is on a device"), e.getMessage());
    e = refused(() -> cuda.scale(onDevice, onHost, 2f));
    assertTrue(
        e.getMessage().startsWith("scale: x f32[4] (host) is on the host; upload it"),
        e.getMessage());
    CudaOps other = new CudaOps(new FakePort());
    e = refused(() -> cuda.scale(onDevice, other.empty(DType.F32, 4), 2f));
    assertTrue(e.getMessage().contains("belongs to another device"), e.getMessage());
    onDevice.close();
    e = refused(() -> cuda.fill(onDevice, 0f));
    assertTrue(e.getMessage().contains("already freed"), e.getMessage());
    assertEquals(java.util.List.of("free"), port.queued);
  }

  @Test
  void prefillMatmulBecomesTheTransposedColumnMajorGemm() {
    FakePort port = new FakePort();
    CudaOps cuda = new CudaOps(port);
    Tensor x = cuda.empty(DType.BF16, 16, 4096);
    Tensor w = cuda.empty(DType.BF16, 1024, 4096);
    Tensor out = cuda.empty(DType.F32, 16, 1024);
    cuda.matmul(out, x, w);
    assertEquals(1, port.gemms.size());
    GemmCall g = port.gemms.get(0);
    assertTrue(g.transA());
    assertFalse(g.transB());
    assertEquals(1024, g.m());
    assertEquals(16, g.n());
    assertEquals(4096, g.k());
    assertEquals(w.address(), g.a());
    assertEquals(4096, g.lda());
    assertEquals(x.address(), g.b());
    assertEquals(out.address(), g.c());
    assertEquals(1024, g.ldc());
    assertEquals(DType.BF16, g.abType());
    assertEquals(DType.F32, g.cType());
    assertEquals(0f, g.beta());
  }

  @Test
  void ropeConfigRefusesAnOddOrOversizedRotaryDim() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new RopeConfig(64, 65, 1e4, RopeConfig.Layout.ROTATE_HALF, new RopeConfig.NoScaling()));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new RopeConfig(64, 31, 1e4, RopeConfig.Layout.ROTATE_HALF, new RopeConfig.NoScaling()));
  }
}
