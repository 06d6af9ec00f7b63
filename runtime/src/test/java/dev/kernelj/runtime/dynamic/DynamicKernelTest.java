package dev.kernelj.runtime.dynamic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.F16;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.check.Diagnostic;
import dev.kernelj.dsl.check.JavaParam;
import dev.kernelj.dsl.check.Problem;
import dev.kernelj.dsl.check.SignatureCheck;
import dev.kernelj.dsl.cuda.CudaKernel;
import dev.kernelj.dsl.cuda.CudaParam;
import dev.kernelj.dsl.cuda.CudaSource;
import dev.kernelj.dsl.cuda.CudaType;
import dev.kernelj.dsl.cuda.NameExpression;
import dev.kernelj.runtime.kernel.ParamBlock;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

class DynamicKernelTest {
  /** extern "C" __global__ void saxpy(int n, float a, const float* x, float* y) */
  static final CudaKernel SAXPY =
      new CudaKernel(
          "saxpy",
          List.of(),
          List.of(
              new CudaParam(new CudaType("int", false, 0, false), "n"),
              new CudaParam(new CudaType("float", false, 0, false), "a"),
              new CudaParam(new CudaType("float", true, 1, false), "x"),
              new CudaParam(new CudaType("float", false, 1, false), "y")),
          0,
          true,
          1,
          "extern \"C\" __global__ void saxpy(int n, float a, const float* x, float* y)");

  static final CudaSource SOURCE = new CudaSource(List.of(SAXPY));
  static final NameExpression NAME = new NameExpression("saxpy", List.of(), "saxpy");
  static final List<JavaParam> EXPECTED =
      List.of(
          new JavaParam.Scalar(DType.I32), new JavaParam.Scalar(DType.F32),
          new JavaParam.Pointer(DType.F32, false), new JavaParam.Pointer(DType.F32, true));

  /**
   * A stand-in for the shared rules: exact match against {@link #EXPECTED}, one problem per
   * difference.
   */
  static SignatureCheck fakeRules(List<JavaParam> params, NameExpression name, CudaSource source) {
    List<Problem> problems = new ArrayList<>();
    if (params.size() != EXPECTED.size()) {
      problems.add(
          new Problem(
              Diagnostic.ARITY, true, -1, "saxpy takes 4 parameters, got " + params.size()));
    }
    for (int i = 0; i < Math.min(params.size(), EXPECTED.size()); i++) {
      JavaParam p = params.get(i);
      if (p instanceof JavaParam.Unsupported) {
        problems.add(
            new Problem(Diagnostic.UNSUPPORTED_TYPE, true, i, "unsupported " + p.javaSpelling()));
      } else if (!p.equals(EXPECTED.get(i))) {
        problems.add(
            new Problem(
                Diagnostic.SCALAR_TYPE,
                true,
                i,
                p.javaSpelling() + " does not match " + SAXPY.params().get(i)));
      }
    }
    return new SignatureCheck(Optional.of(SAXPY), problems);
  }

  static final class FakeTarget implements DynamicKernel.Target {
    final List<byte[]> launches = new ArrayList<>();
    final List<ParamBlock> blocks = new ArrayList<>();
    List<String> sizeProblems = List.of();

    @Override
    public void launch(Launch launch, ParamBlock params) {
      launches.add(params.argumentBytes());
      blocks.add(params);
    }

    @Override
    public List<String> checkParamSizes(int[] javaSizes) {
      return sizeProblems;
    }
  }

  static final Launch LAUNCH = Launch.grid(4).block(256);
  static final Ptr<F32> Y = Ptr.ofAddress(0x7f00_0000_2000L, F32.class);

  /**
   * Read-only on purpose: {@code ConstPtr.ofAddress} returns a writable pointer (the dsl's RawPtr
   * is a Ptr).
   */
  record ReadOnly(long address, DType dtype) implements ConstPtr<F32> {}

  static final ConstPtr<F32> X = new ReadOnly(0x7f00_0000_1000L, DType.F32);

  @Test
  void argumentsAreMappedCheckedAndWrittenAtTheirOffsets() {
    FakeTarget target = new FakeTarget();
    DynamicKernel k = new DynamicKernel(SOURCE, NAME, target, DynamicKernelTest::fakeRules);
    k.launch(LAUNCH, 1000, 2.5f, X, Y);
    assertEquals(1, target.launches.size());
    ByteBuffer b = ByteBuffer.wrap(target.launches.get(0)).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(1000, b.getInt(0));
    assertEquals(2.5f, b.getFloat(4));
    assertEquals(0x7f00_0000_1000L, b.getLong(8));
    assertEquals(0x7f00_0000_2000L, b.getLong(16));
  }

  @Test
  void pointersMapByElementTypeAndWritability() {
    assertEquals(new JavaParam.Pointer(DType.F32, true), ArgumentMapping.toJavaParam(Y));
    assertEquals(new JavaParam.Pointer(DType.F32, false), ArgumentMapping.toJavaParam(X));
    assertEquals(
        new JavaParam.Pointer(DType.F16, true),
        ArgumentMapping.toJavaParam(Ptr.ofAddress(8, F16.class)));
  }

  @Test
  void boxedValuesAndWrappersMapToTheirCTypes() {
    assertEquals(new JavaParam.Scalar(DType.I32), ArgumentMapping.toJavaParam(1));
    assertEquals(new JavaParam.Scalar(DType.I64), ArgumentMapping.toJavaParam(1L));
    assertEquals(new JavaParam.Scalar(DType.F32), ArgumentMapping.toJavaParam(1f));
    assertEquals(new JavaParam.Scalar(DType.F64), ArgumentMapping.toJavaParam(1d));
    assertEquals(new JavaParam.Scalar(DType.I16), ArgumentMapping.toJavaParam((short) 1));
    assertEquals(new JavaParam.Scalar(DType.I8), ArgumentMapping.toJavaParam((byte) 1));
    assertEquals(new JavaParam.Scalar(DType.BOOL), ArgumentMapping.toJavaParam(true));
    assertEquals(new JavaParam.Scalar(DType.U32), ArgumentMapping.toJavaParam(Args.u32(5)));
    assertEquals(new JavaParam.Scalar(DType.U64), ArgumentMapping.toJavaParam(Args.u64(5)));
    assertEquals(new JavaParam.Scalar(DType.U8), ArgumentMapping.toJavaParam(Args.u8(200)));
    assertEquals(new JavaParam.Scalar(DType.U16), ArgumentMapping.toJavaParam(Args.u16(60000)));
    assertEquals(
        new JavaParam.Scalar(DType.BF16),
        ArgumentMapping.toJavaParam(Args.bf16Bits((short) 0x3f80)));
    assertEquals(new JavaParam.Unsupported("java.lang.String"), ArgumentMapping.toJavaParam("x"));
    assertEquals(new JavaParam.Unsupported("null"), ArgumentMapping.toJavaParam(null));
  }

  @Test
  void unsignedWrappersCarryTheBits() {
    assertEquals(0xFFFF_FFFFL, Args.u32(-1).bits());
    assertEquals(4_000_000_000L, Args.u32(4_000_000_000L).bits());
    assertThrows(IllegalArgumentException.class, () -> Args.u32(-1L));
    assertThrows(IllegalArgumentException.class, () -> Args.u8(256));
    assertEquals("U32(4294967295)", Args.u32(-1).toString());
  }

  @Test
  void unsignedArgumentBitsAreWritten() {
    FakeTarget target = new FakeTarget();
    DynamicKernel k =
        new DynamicKernel(
            SOURCE, NAME, target, (p, n, s) -> new SignatureCheck(Optional.of(SAXPY), List.of()));
    k.launch(LAUNCH, Args.u32(-2), Args.u8(255), Args.u64(-1L));
    ByteBuffer b = ByteBuffer.wrap(target.launches.get(0)).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(-2, b.getInt(0));
    assertEquals((byte) 0xFF, b.get(4));
    assertEquals(-1L, b.getLong(8));
  }

  @Test
  void everyProblemIsReportedInOneExceptionAndNothingLaunches() {
    FakeTarget target = new FakeTarget();
    DynamicKernel k = new DynamicKernel(SOURCE, NAME, target, DynamicKernelTest::fakeRules);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> k.launch(LAUNCH, 1000L, 2.5, null, "y"));
    String msg = e.getMessage();
    assertTrue(msg.startsWith("cannot launch saxpy with 4 arguments:"), msg);
    assertTrue(
        msg.contains("argument 0 (1000 (long)): [KernelScalarType] long does not match int n"),
        msg);
    assertTrue(
        msg.contains("argument 1 (2.5 (double)): [KernelScalarType] double does not match float a"),
        msg);
    assertTrue(msg.contains("argument 2 (null): is null"), msg);
    assertTrue(
        msg.contains("argument 3 (y (java.lang.String)): a java.lang.String cannot be passed"),
        msg);
    assertFalse(
        msg.contains("[KernelUnsupportedType]"),
        "the runtime's own message replaces the rules' for these: " + msg);
    assertEquals(4, msg.lines().filter(l -> l.startsWith("  - ")).count(), msg);
    assertTrue(target.launches.isEmpty());
  }

  @Test
  void wrongArgumentCountIsReported() {
    DynamicKernel k =
        new DynamicKernel(SOURCE, NAME, new FakeTarget(), DynamicKernelTest::fakeRules);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> k.launch(LAUNCH, 1000, 2.5f));
    assertTrue(
        e.getMessage().contains("[KernelArity] saxpy takes 4 parameters, got 2"), e.getMessage());
  }

  @Test
  void oneCheckAndOneBlockPerSignature() {
    FakeTarget target = new FakeTarget();
    int[] checks = {0};
    DynamicKernel k =
        new DynamicKernel(
            SOURCE,
            NAME,
            target,
            (p, n, s) -> {
              checks[0]++;
              return fakeRules(p, n, s);
            });
    k.launch(LAUNCH, 1, 1f, X, Y);
    k.launch(LAUNCH, 2, 2f, X, Y);
    assertEquals(1, checks[0]);
    assertSame(target.blocks.get(0), target.blocks.get(1));
    assertEquals(
        2, ByteBuffer.wrap(target.launches.get(1)).order(ByteOrder.LITTLE_ENDIAN).getInt(0));
  }

  @Test
  void theLoadedFunctionsParameterSizesAreCheckedToo() {
    FakeTarget target = new FakeTarget();
    target.sizeProblems =
        List.of(
            "dynamic kernel saxpy: parameter 1 is 8 bytes in the loaded kernel but 4 bytes in the Java method");
    DynamicKernel k = new DynamicKernel(SOURCE, NAME, target, DynamicKernelTest::fakeRules);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> k.launch(LAUNCH, 1, 1f, X, Y));
    assertTrue(e.getMessage().contains("parameter 1 is 8 bytes"), e.getMessage());
  }

  @Test
  void theSharedRulesAcceptMatchingArgumentsAndRejectWrongOnes() {
    SignatureCheck ok;
    try {
      ok = SignatureCheck.check(EXPECTED, NAME, SOURCE);
    } catch (UnsupportedOperationException notYet) {
      throw new TestAbortedException(
          "the installed kernelj-dsl has no SignatureCheck implementation yet: "
              + notYet.getMessage());
    }
    assertFalse(ok.hasErrors(), ok.problems().toString());
    FakeTarget target = new FakeTarget();
    DynamicKernel k = new DynamicKernel(SOURCE, NAME, target);
    k.launch(LAUNCH, 10, 1f, X, Y);
    k.launch(LAUNCH, 10, 1f, Y, Y); // a writable pointer where reading is enough
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> k.launch(LAUNCH, 10L, 1d, Y, X));
    String msg = e.getMessage();
    assertTrue(
        msg.contains("argument 0") && msg.contains("argument 1") && msg.contains("argument 3"),
        msg);
    assertTrue(msg.contains("[KernelConstness]") || msg.contains("[KernelPointerElement]"), msg);
    assertEquals(2, target.launches.size());
  }
}
