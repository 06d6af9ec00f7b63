package dev.kernelj.dsl.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.cuda.CudaSource;
import dev.kernelj.dsl.cuda.NameExpression;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One test per diagnostic the checker emits, with the message text asserted. */
class SignatureCheckerTest {
  private static final String SAXPY_DECL =
      "extern \"C\" __global__ void saxpy(int n, float a, const float* x, float* y)";
  private static final CudaSource SAXPY = CudaSource.parse(SAXPY_DECL + " { }\n");

  private static JavaParam scalar(DType t) {
    return new JavaParam.Scalar(t);
  }

  private static JavaParam ptr(DType t) {
    return new JavaParam.Pointer(t, true);
  }

  private static JavaParam constPtr(DType t) {
    return new JavaParam.Pointer(t, false);
  }

  private static SignatureCheck check(CudaSource source, String binding, JavaParam... params) {
    return SignatureCheck.check(List.of(params), NameExpression.parse(binding), source);
  }

  private static Problem single(SignatureCheck c) {
    assertEquals(1, c.problems().size(), () -> "problems: " + c.problems());
    return c.problems().get(0);
  }

  @Test
  void matchingSignatureHasNoProblems() {
    SignatureCheck c =
        check(
            SAXPY,
            "saxpy",
            scalar(DType.I32),
            scalar(DType.F32),
            constPtr(DType.F32),
            ptr(DType.F32));
    assertEquals(List.of(), c.problems());
    assertEquals("saxpy", c.kernel().orElseThrow().name());
    assertFalse(c.hasErrors());
  }

  /** A template argument that names a type alias is read as the type it aliases. */
  @Test
  void templateArgumentsNamingAliasesAreResolved() {
    CudaSource src =
        CudaSource.parse(
            """
            typedef float real;
            namespace cfg { using real = double; }
            template <class T> __global__ void k(T* x, T a) {}
            """);
    assertEquals(List.of(), check(src, "k<real>", ptr(DType.F32), scalar(DType.F32)).problems());
    assertEquals(
        List.of(), check(src, "k<cfg::real>", ptr(DType.F64), scalar(DType.F64)).problems());
    assertTrue(check(src, "k<cfg::real>", ptr(DType.F32), scalar(DType.F32)).hasErrors());
  }

  @Test
  void aValueForATypeParameterIsATemplateProblem() {
    CudaSource src =
        CudaSource.parse(
            "template <typename T, int N> __global__ void k(T* x) {}\n"
                + "template <typename... Ts> __global__ void v(int n, Ts... a) {}\n");
    Problem p = single(check(src, "k<4, 4>", ptr(DType.F32)));
    assertEquals(Diagnostic.TEMPLATE, p.diagnostic());
    assertTrue(
        p.message()
            .startsWith("'k<4, 4>' gives the value 4 for T, a type parameter of __global__ 'k'"),
        p.message());
    assertEquals(List.of(), check(src, "k<float, 4>", ptr(DType.F32)).problems());
    Problem pack = single(check(src, "v<float, 1.5f>", scalar(DType.I32), scalar(DType.F32)));
    assertTrue(pack.message().contains("gives the value 1.5f for Ts"), pack.message());
  }

  @Test
  void aNonTypeParameterWhoseTypeNameStartsLikeAKeywordTakesAValue() {
    CudaSource src =
        CudaSource.parse(
            "typedef int class_id;\ntypedef int typename_len;\n"
                + "template <class_id C, typename_len... Ls> __global__ void k(float* x) {}\n");
    assertEquals(List.of(), check(src, "k<4, 2, 3>", ptr(DType.F32)).problems());
  }

  @Test
  void unknownNameListsKernelsAndSuggestsTheClosest() {
    CudaSource src =
        CudaSource.parse("__global__ void saxpy(int n) {}\n__global__ void scale(int n) {}");
    Problem p = single(check(src, "saxpi", scalar(DType.I32)));
    assertEquals(Diagnostic.UNKNOWN_NAME, p.diagnostic());
    assertEquals(
        "[KernelUnknownName] no __global__ function named 'saxpi'; did you mean 'saxpy'?"
            + " The CUDA source declares: saxpy, scale",
        p.formatted());
    assertEquals(-1, p.paramIndex());
    assertTrue(p.error());
  }

  @Test
  void unknownNameInSourceWithoutKernels() {
    Problem p = single(check(CudaSource.parse("__device__ int f() { return 1; }"), "f"));
    assertEquals(
        "no __global__ function named 'f': the CUDA source declares no __global__ function at all",
        p.message());
  }

  @Test
  void overloadsAreAmbiguous() {
    CudaSource src =
        CudaSource.parse("__global__ void k(float* x) {}\n__global__ void k(double* x) {}\n");
    SignatureCheck c = check(src, "k", ptr(DType.F32));
    Problem p = single(c);
    assertEquals(Diagnostic.OVERLOAD, p.diagnostic());
    assertEquals(
        "'k' matches 2 overloaded __global__ functions (line 1: __global__ void k(float* x);"
            + " line 2: __global__ void k(double* x)); a Java method binds exactly one, so give the overloads different"
            + " names (extern \"C\" kernels cannot be overloaded at all)",
        p.message());
    assertTrue(c.kernel().isEmpty());
  }

  @Test
  void templateWithoutArgumentsQuotesTheTemplateParameters() {
    CudaSource src =
        CudaSource.parse(
            "template <typename T, int BLOCK = 256>\n__global__ void reduce(const T* in, T* out) {}");
    Problem p = single(check(src, "reduce", constPtr(DType.F32), ptr(DType.F32)));
    assertEquals(Diagnostic.TEMPLATE, p.diagnostic());
    assertEquals(
        "__global__ 'reduce' is a template (template <typename T, int BLOCK = 256>) and needs template"
            + " arguments: bind an instantiation such as @Global(\"reduce<T, BLOCK>\") with each template parameter"
            + " replaced by its argument. CUDA (line 1): template <typename T, int BLOCK = 256> __global__ void"
            + " reduce(const T* in, T* out)",
        p.message());
  }

  @Test
  void templateWithTheWrongArgumentCount() {
    CudaSource src =
        CudaSource.parse(
            "template <typename T, int BLOCK = 256>\n__global__ void reduce(const T* in, T* out) {}");
    Problem p = single(check(src, "reduce<float, 256, 3>", constPtr(DType.F32), ptr(DType.F32)));
    assertEquals(Diagnostic.TEMPLATE, p.diagnostic());
    assertEquals(
        "'reduce<float, 256, 3>' gives 3 template arguments but __global__ 'reduce' takes 1 to 2"
            + " (template <typename T, int BLOCK = 256>). CUDA (line 1): template <typename T, int BLOCK = 256>"
            + " __global__ void reduce(const T* in, T* out)",
        p.message());
    assertEquals(
        List.of(), check(src, "reduce<float>", constPtr(DType.F32), ptr(DType.F32)).problems());
  }

  @Test
  void templateArgumentsOnANonTemplate() {
    Problem p =
        single(
            check(
                SAXPY,
                "saxpy<float>",
                scalar(DType.I32),
                scalar(DType.F32),
                constPtr(DType.F32),
                ptr(DType.F32)));
    assertEquals(Diagnostic.TEMPLATE, p.diagnostic());
    assertEquals(
        "'saxpy<float>' gives template arguments but __global__ 'saxpy' is not a template; bind it as"
            + " \"saxpy\". CUDA (line 1): "
            + SAXPY_DECL,
        p.message());
  }

  @Test
  void templateArgumentsAreSubstitutedBeforeMatching() {
    CudaSource src =
        CudaSource.parse("template <typename T> __global__ void scale(T* x, T a, int n) {}");
    assertEquals(
        List.of(),
        check(src, "scale<float>", ptr(DType.F32), scalar(DType.F32), scalar(DType.I32))
            .problems());
    Problem p =
        single(check(src, "scale<double>", ptr(DType.F32), scalar(DType.F64), scalar(DType.I32)));
    assertEquals(Diagnostic.POINTER_ELEMENT, p.diagnostic());
    assertEquals(
        "parameter 1 'x' is Ptr<F32> in Java but double* in CUDA: the elements differ (F32 vs F64);"
            + " declare Ptr<F64>. CUDA (line 1, with T = double): template <typename T> __global__ void scale(T* x, T a, int n)",
        p.message());
  }

  @Test
  void arityQuotesBothCounts() {
    Problem p =
        single(check(SAXPY, "saxpy", scalar(DType.I32), scalar(DType.F32), constPtr(DType.F32)));
    assertEquals(Diagnostic.ARITY, p.diagnostic());
    assertEquals(
        "[KernelArity] __global__ 'saxpy' takes 4 parameters but the Java method declares 3 parameters after"
            + " the Launch. CUDA (line 1): "
            + SAXPY_DECL,
        p.formatted());
    assertEquals(-1, p.paramIndex());
  }

  @Test
  void swappedParametersAreAnOrderProblem() {
    Problem p =
        single(
            check(
                SAXPY,
                "saxpy",
                scalar(DType.F32),
                scalar(DType.I32),
                constPtr(DType.F32),
                ptr(DType.F32)));
    assertEquals(Diagnostic.ORDER, p.diagnostic());
    assertEquals(
        "the Java parameters match CUDA's as a set but not in order: Java parameter 1 is float where CUDA has"
            + " int n, and Java parameter 2 is int where CUDA has float a; swap them. CUDA (line 1): "
            + SAXPY_DECL,
        p.message());
    assertEquals(0, p.paramIndex());
  }

  @Test
  void scalarOfAnotherKind() {
    Problem p =
        single(
            check(
                CudaSource.parse(
                    "extern \"C\" __global__ void saxpy(int n, double a, const float* x, float* y)"
                        + " {}"),
                "saxpy",
                scalar(DType.I32),
                scalar(DType.F32),
                constPtr(DType.F32),
                ptr(DType.F32)));
    assertEquals(Diagnostic.SCALAR_TYPE, p.diagnostic());
    assertEquals(
        "parameter 2 'a' is float in Java but double in CUDA; declare double. CUDA (line 1): extern \"C\""
            + " __global__ void saxpy(int n, double a, const float* x, float* y)",
        p.message());
    assertEquals(1, p.paramIndex());
  }

  @Test
  void scalarOfAnotherSignedness() {
    CudaSource src = CudaSource.parse("__global__ void fill(uint32_t n, size_t count) {}");
    SignatureCheck c = check(src, "fill", scalar(DType.I32), scalar(DType.U64));
    Problem p = single(c);
    assertEquals(Diagnostic.SCALAR_TYPE, p.diagnostic());
    assertEquals(
        "parameter 1 'n' is int in Java but uint32_t in CUDA: same width, different signedness; declare"
            + " @Unsigned int. CUDA (line 1): __global__ void fill(uint32_t n, size_t count)",
        p.message());
  }

  @Test
  void pointerElementDiffers() {
    CudaSource src =
        CudaSource.parse("#include <cuda_fp16.h>\n__global__ void h(const __half* x, int n) {}");
    Problem p = single(check(src, "h", constPtr(DType.F32), scalar(DType.I32)));
    assertEquals(Diagnostic.POINTER_ELEMENT, p.diagnostic());
    assertEquals(
        "parameter 1 'x' is ConstPtr<F32> in Java but const __half* in CUDA: the elements differ (F32 vs F16);"
            + " declare ConstPtr<F16>. CUDA (line 2): __global__ void h(const __half* x, int n)",
        p.message());
  }

  @Test
  void scalarWherePointerIsAndTheReverse() {
    CudaSource src = CudaSource.parse("__global__ void k(float* x, int n) {}");
    SignatureCheck c = check(src, "k", scalar(DType.I64), ptr(DType.I32));
    assertEquals(2, c.problems().size());
    assertEquals(
        "parameter 1 'x' is the scalar long in Java but the pointer float* in CUDA; declare Ptr<F32>."
            + " CUDA (line 1): __global__ void k(float* x, int n)",
        c.problems().get(0).message());
    assertEquals(
        "parameter 2 'n' is the pointer Ptr<I32> in Java but the scalar int in CUDA; declare int."
            + " CUDA (line 1): __global__ void k(float* x, int n)",
        c.problems().get(1).message());
    assertTrue(c.problems().stream().allMatch(p -> p.diagnostic() == Diagnostic.POINTER_ELEMENT));
  }

  @Test
  void readOnlyJavaPointerToWritableCudaPointerIsAnError() {
    Problem p =
        single(
            check(
                SAXPY,
                "saxpy",
                scalar(DType.I32),
                scalar(DType.F32),
                constPtr(DType.F32),
                constPtr(DType.F32)));
    assertEquals(Diagnostic.CONSTNESS, p.diagnostic());
    assertTrue(p.error());
    assertEquals(3, p.paramIndex());
    assertEquals(
        "parameter 4 'y' is ConstPtr<F32> (read-only) in Java but float* (writable) in CUDA: the kernel may"
            + " write through it while the caller was promised read-only; declare Ptr<F32>, or make the CUDA parameter"
            + " const if the kernel only reads it. CUDA (line 1): "
            + SAXPY_DECL,
        p.message());
  }

  @Test
  void writableJavaPointerToConstCudaPointerIsOnlyAWarning() {
    SignatureCheck c =
        check(SAXPY, "saxpy", scalar(DType.I32), scalar(DType.F32), ptr(DType.F32), ptr(DType.F32));
    Problem p = single(c);
    assertEquals(Diagnostic.CONSTNESS, p.diagnostic());
    assertFalse(p.error());
    assertFalse(c.hasErrors());
    assertTrue(c.kernel().isPresent());
    assertEquals(
        "parameter 3 'x' is Ptr<F32> (writable) in Java but const float* in CUDA. Only a warning: the kernel"
            + " cannot write through it, so the Java declaration is merely over-permissive; declare ConstPtr<F32> so"
            + " read-only buffers can be passed. CUDA (line 1): "
            + SAXPY_DECL,
        p.message());
  }

  @Test
  void voidPointerTakesAnyElementButKeepsConstness() {
    CudaSource src =
        CudaSource.parse("__global__ void copy(const void* src, void* dst, size_t bytes) {}");
    assertEquals(
        List.of(),
        check(src, "copy", constPtr(DType.U8), ptr(DType.BF16), scalar(DType.U64)).problems());
    Problem p =
        single(check(src, "copy", constPtr(DType.U8), constPtr(DType.U8), scalar(DType.U64)));
    assertEquals(Diagnostic.CONSTNESS, p.diagnostic());
    assertTrue(
        p.message()
            .startsWith(
                "parameter 2 'dst' is ConstPtr<U8> (read-only) in Java but void* (writable)"
                    + " in CUDA"),
        p.message());
  }

  @Test
  void unsupportedJavaType() {
    Problem p =
        single(
            check(
                CudaSource.parse("__global__ void k(int n) {}"),
                "k",
                new JavaParam.Unsupported("String")));
    assertEquals(Diagnostic.UNSUPPORTED_TYPE, p.diagnostic());
    assertEquals(
        "parameter 1 'n' is String in Java, which cannot be passed to a kernel (a Java object; pass"
            + " a device buffer of bytes instead); for CUDA's int declare int. CUDA (line 1):"
            + " __global__ void k(int n)",
        p.message());
  }

  @Test
  void javaCharIsToldWhichPrimitiveFits() {
    Problem p =
        single(
            check(
                CudaSource.parse("__global__ void k(char c, unsigned char u) {}"),
                "k",
                new JavaParam.Unsupported("char"),
                new JavaParam.Scalar(DType.U8)));
    assertEquals(Diagnostic.UNSUPPORTED_TYPE, p.diagnostic());
    assertEquals(
        "parameter 1 'c' is char in Java, which cannot be passed to a kernel (Java's char is a"
            + " 16-bit UTF-16 code unit; CUDA's char is an 8-bit integer, Java's byte); for CUDA's"
            + " char declare byte. CUDA (line 1): __global__ void k(char c, unsigned char u)",
        p.message());
  }

  @Test
  void pointerToPointerIsUnsupported() {
    Problem p =
        single(check(CudaSource.parse("__global__ void k(float** rows) {}"), "k", ptr(DType.F32)));
    assertEquals(Diagnostic.UNSUPPORTED_TYPE, p.diagnostic());
    assertEquals(
        "parameter 1 'rows' is float** in CUDA, a pointer to pointers, which KernelJ cannot pass; pass one"
            + " flat buffer (and offsets) instead. CUDA (line 1): __global__ void k(float** rows)",
        p.message());
  }

  @Test
  void structParameterIsUnsupported() {
    Problem p =
        single(
            check(
                CudaSource.parse("struct Args { int n; };\n__global__ void k(Args args) {}"),
                "k",
                scalar(DType.I32)));
    assertEquals(Diagnostic.UNSUPPORTED_TYPE, p.diagnostic());
    assertEquals(
        "parameter 1 'args' has the CUDA type Args, which KernelJ cannot pass: only arithmetic types (float,"
            + " int, int64_t, __half, ...) and pointers to them are supported. CUDA (line 2): __global__ void k(Args args)",
        p.message());
  }

  @Test
  void halfScalarsAreUnsupportedOnBothSides() {
    Problem cudaSide =
        single(check(CudaSource.parse("__global__ void k(__half h) {}"), "k", scalar(DType.F32)));
    assertEquals(Diagnostic.UNSUPPORTED_TYPE, cudaSide.diagnostic());
    assertEquals(
        "parameter 1 'h' is a __half scalar in CUDA, which KernelJ cannot pass by value; take a float"
            + " parameter and convert it in the kernel. CUDA (line 1): __global__ void k(__half h)",
        cudaSide.message());
    Problem javaSide =
        single(check(CudaSource.parse("__global__ void k(float f) {}"), "k", scalar(DType.BF16)));
    assertEquals(Diagnostic.UNSUPPORTED_TYPE, javaSide.diagnostic());
    assertTrue(
        javaSide.message().startsWith("parameter 1 'f' is a BF16 scalar in Java"),
        javaSide.message());
  }

  @Test
  void problemsComeInParameterOrder() {
    CudaSource src = CudaSource.parse("__global__ void k(const float* a, double b, float* c) {}");
    SignatureCheck c = check(src, "k", ptr(DType.F32), scalar(DType.F32), constPtr(DType.F32));
    assertEquals(List.of(0, 1, 2), c.problems().stream().map(Problem::paramIndex).toList());
    assertEquals(
        List.of(Diagnostic.CONSTNESS, Diagnostic.SCALAR_TYPE, Diagnostic.CONSTNESS),
        c.problems().stream().map(Problem::diagnostic).toList());
    assertTrue(c.hasErrors());
  }
}
