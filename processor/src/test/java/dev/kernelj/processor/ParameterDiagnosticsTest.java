package dev.kernelj.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.kernelj.processor.Compilations.METHOD_LINE;
import static dev.kernelj.processor.Compilations.compile;
import static dev.kernelj.processor.Compilations.kernel;

import com.google.testing.compile.Compilation;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/** One test per parameter diagnostic: the message (with the quoted CUDA) and the line it is on. */
class ParameterDiagnosticsTest {
  private static final String SAXPY =
      "extern \"C\" __global__ void saxpy(int n, float a, const float* x, float* y) {}";
  private static final String SAXPY_QUOTE =
      "CUDA (line 1): extern \"C\" __global__ void saxpy(int n, float a, const float* x, float* y)";

  private static void assertOnlyError(String cuda, String method, String message) {
    JavaFileObject source = kernel(cuda, method);
    Compilation compilation = compile(source);
    assertThat(compilation).failed();
    assertThat(compilation).hadErrorCount(1);
    assertThat(compilation).hadErrorContaining(message).inFile(source).onLine(METHOD_LINE);
  }

  @Test
  void arity() {
    assertOnlyError(
        SAXPY,
        "void saxpy(Launch launch, int n, float a, ConstPtr<F32> x);",
        "[KernelArity] __global__ 'saxpy' takes 4 parameters but the Java method declares 3 parameters after the Launch. "
            + SAXPY_QUOTE);
  }

  @Test
  void parameterOrder() {
    assertOnlyError(
        SAXPY,
        "void saxpy(Launch launch, float a, int n, ConstPtr<F32> x, Ptr<F32> y);",
        "[KernelParamOrder] the Java parameters match CUDA's as a set but not in order: Java parameter 1 is float"
            + " where CUDA has int n, and Java parameter 2 is int where CUDA has float a; swap them. "
            + SAXPY_QUOTE);
  }

  @Test
  void floatVersusDouble() {
    assertOnlyError(
        SAXPY,
        "void saxpy(Launch launch, int n, double a, ConstPtr<F32> x, Ptr<F32> y);",
        "[KernelScalarType] parameter 2 'a' is double in Java but float in CUDA; declare float. "
            + SAXPY_QUOTE);
  }

  @Test
  void intVersusLong() {
    assertOnlyError(
        SAXPY,
        "void saxpy(Launch launch, long n, float a, ConstPtr<F32> x, Ptr<F32> y);",
        "[KernelScalarType] parameter 1 'n' is long in Java but int in CUDA; declare int. "
            + SAXPY_QUOTE);
  }

  @Test
  void signedVersusUnsigned() {
    assertOnlyError(
        "extern \"C\" __global__ void fill(unsigned int count, float* out) {}",
        "void fill(Launch launch, int count, Ptr<F32> out);",
        "[KernelScalarType] parameter 1 'count' is int in Java but unsigned int in CUDA: same width, different"
            + " signedness; declare @Unsigned int. CUDA (line 1): extern \"C\" __global__ void fill(unsigned int"
            + " count, float* out)");
  }

  @Test
  void unsignedDeclaredInJavaMatchesUnsignedCuda() {
    Compilation compilation =
        compile(
            kernel(
                "extern \"C\" __global__ void fill(unsigned int count, float* out) {}",
                "void fill(Launch launch, @Unsigned int count, Ptr<F32> out);"));
    assertThat(compilation).succeededWithoutWarnings();
  }

  @Test
  void pointerElement() {
    assertOnlyError(
        "extern \"C\" __global__ void cast(const __half* in, float* out) {}",
        "void cast(Launch launch, ConstPtr<F32> in, Ptr<F32> out);",
        "[KernelPointerElement] parameter 1 'in' is ConstPtr<F32> in Java but const __half* in CUDA: the elements"
            + " differ (F32 vs F16); declare ConstPtr<F16>. CUDA (line 1): extern \"C\" __global__ void"
            + " cast(const __half* in, float* out)");
  }

  @Test
  void constnessErrorWhenJavaPromisesReadOnly() {
    assertOnlyError(
        SAXPY,
        "void saxpy(Launch launch, int n, float a, ConstPtr<F32> x, ConstPtr<F32> y);",
        "[KernelConstness] parameter 4 'y' is ConstPtr<F32> (read-only) in Java but float* (writable) in CUDA:"
            + " the kernel may write through it while the caller was promised read-only; declare Ptr<F32>, or make"
            + " the CUDA parameter const if the kernel only reads it. "
            + SAXPY_QUOTE);
  }

  @Test
  void constnessWarningWhenJavaIsOverPermissive() {
    JavaFileObject source =
        kernel(SAXPY, "void saxpy(Launch launch, int n, float a, Ptr<F32> x, Ptr<F32> y);");
    Compilation compilation = compile(source);
    assertThat(compilation).succeeded();
    assertThat(compilation).hadWarningCount(1);
    assertThat(compilation)
        .hadWarningContaining(
            "[KernelConstness] parameter 3 'x' is Ptr<F32> (writable) in Java but const float*"
                + " in CUDA. Only a warning: the kernel cannot write through it, so the Java declaration is merely"
                + " over-permissive; declare ConstPtr<F32> so read-only buffers can be passed. "
                + SAXPY_QUOTE)
        .inFile(source)
        .onLine(METHOD_LINE);
    assertThat(compilation).generatedSourceFile("test.KLauncher").isNotNull();
  }

  @Test
  void unsupportedJavaType() {
    assertOnlyError(
        SAXPY,
        "void saxpy(Launch launch, int n, Float a, ConstPtr<F32> x, Ptr<F32> y);",
        "[KernelUnsupportedType] parameter 2 'a' is Float in Java, which cannot be passed to a kernel"
            + " (a boxed object, not a value; use the primitive); for CUDA's float declare float. "
            + SAXPY_QUOTE);
  }

  @Test
  void javaCharIsToldToUseByte() {
    assertOnlyError(
        "extern \"C\" __global__ void count(const char* text, char needle, int* hits) {}",
        "void count(Launch launch, ConstPtr<I8> text, char needle, Ptr<I32> hits);",
        "[KernelUnsupportedType] parameter 2 'needle' is char in Java, which cannot be passed to a"
            + " kernel (Java's char is a 16-bit UTF-16 code unit; CUDA's char is an 8-bit integer,"
            + " Java's byte); for CUDA's char declare byte.");
  }

  @Test
  void referenceParameterIsNamedAndExplained() {
    assertOnlyError(
        "extern \"C\" __global__ void sum(const float* x, int n, float& total) {}",
        "void sum(Launch launch, ConstPtr<F32> x, int n, Ptr<F32> total);",
        "[KernelUnsupportedType] parameter 3 'total' is float& in CUDA, a C++ reference: a kernel"
            + " launched from Java receives values and device pointers, never references, so no"
            + " Java type can match it; declare it as a pointer (float* total) and pass Ptr<F32>."
            + " CUDA (line 1): extern \"C\" __global__ void sum(const float* x, int n, float&"
            + " total)");
  }

  @Test
  void constReferenceParameterIsToldToTakeAValue() {
    assertOnlyError(
        "extern \"C\" __global__ void shift(float* x, const float& by) {}",
        "void shift(Launch launch, Ptr<F32> x, float by);",
        "[KernelUnsupportedType] parameter 2 'by' is const float& in CUDA, a C++ reference: a"
            + " kernel launched from Java receives values and device pointers, never references,"
            + " so no Java type can match it; take it by value (const float by) and pass float.");
  }

  @Test
  void omittedDefaultArgumentIsExplained() {
    assertOnlyError(
        "extern \"C\" __global__ void fill(float* x, int n, float value = 0.0f, int stride = 1) {}",
        "void fill(Launch launch, Ptr<F32> x, int n);",
        "[KernelArity] __global__ 'fill' takes 4 parameters but the Java method declares 2"
            + " parameters after the Launch, leaving out 'float value = 0.0f', 'int stride = 1': C++"
            + " default arguments do not apply to a launch from Java, which passes every parameter;"
            + " declare float value, int stride at the end of the Java method and pass 0.0f for"
            + " value, 1 for stride.");
  }

  @Test
  void unsupportedCudaType() {
    assertOnlyError(
        "struct Params { int n; }; extern \"C\" __global__ void run(Params p) {}",
        "void run(Launch launch, int p);",
        "[KernelUnsupportedType] parameter 1 'p' has the CUDA type Params, which KernelJ cannot pass: only"
            + " arithmetic types (float, int, int64_t, __half, ...) and pointers to them are supported. CUDA (line 1):"
            + " extern \"C\" __global__ void run(Params p)");
  }

  @Test
  void unsignedOnAFloatIsUnsupported() {
    assertOnlyError(
        SAXPY,
        "void saxpy(Launch launch, int n, @Unsigned float a, ConstPtr<F32> x, Ptr<F32> y);",
        "[KernelUnsupportedType] parameter 2 'a' is @Unsigned float in Java, which cannot be passed to a kernel");
  }

  @Test
  void problemIsPlacedOnTheParameterNotTheMethod() {
    JavaFileObject source =
        kernel(
            SAXPY,
            "void saxpy(",
            "    Launch launch,",
            "    int n,",
            "    double a,",
            "    ConstPtr<F32> x,",
            "    Ptr<F32> y);");
    Compilation compilation = compile(source);
    assertThat(compilation)
        .hadErrorContaining("[KernelScalarType] parameter 2 'a'")
        .inFile(source)
        .onLineContaining("double a,");
  }
}
