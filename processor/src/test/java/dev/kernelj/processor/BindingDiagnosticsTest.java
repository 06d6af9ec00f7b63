package dev.kernelj.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.kernelj.processor.Compilations.METHOD_LINE;
import static dev.kernelj.processor.Compilations.assertOneError;
import static dev.kernelj.processor.Compilations.compile;
import static dev.kernelj.processor.Compilations.kernel;

import com.google.testing.compile.Compilation;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/** Diagnostics about which kernel a method binds to: unknown, overloaded, duplicated, template. */
class BindingDiagnosticsTest {
  private static final String TWO_KERNELS =
      "extern \"C\" __global__ void saxpy(int n, float a, const float* x, float* y) {}"
          + " extern \"C\" __global__ void relu(int n, float* x) {}";

  @Test
  void unknownNameSuggestsTheClosest() {
    assertOneError(
        kernel(
            TWO_KERNELS, "void sxapy(Launch launch, int n, float a, ConstPtr<F32> x, Ptr<F32> y);"),
        "[KernelUnknownName] no __global__ function named 'sxapy'; did you mean 'saxpy'? The CUDA source declares:"
            + " saxpy, relu",
        METHOD_LINE);
  }

  @Test
  void unknownNameIsReportedAtTheGlobalValue() {
    JavaFileObject source =
        kernel(
            TWO_KERNELS,
            "@Global(",
            "    \"rleu\")",
            "void activate(Launch launch, int n, Ptr<F32> x);");
    assertOneError(
        source,
        "[KernelUnknownName] no __global__ function named 'rleu'; did you mean 'relu'?",
        METHOD_LINE + 1);
  }

  @Test
  void unreadableNameExpression() {
    assertOneError(
        kernel(TWO_KERNELS, "@Global(\"relu<float\") void relu(Launch launch, int n, Ptr<F32> x);"),
        "[KernelUnknownName] cannot read the kernel name \"relu<float\" of method relu: ",
        METHOD_LINE);
  }

  @Test
  void overloadedCppKernels() {
    assertOneError(
        kernel(
            "__global__ void fill(float* x, float v) {} __global__ void fill(int* x, int v) {}",
            "void fill(Launch launch, Ptr<F32> x, float v);"),
        "[KernelOverload] 'fill' matches 2 overloaded __global__ functions (line 1: __global__ void fill(float* x,"
            + " float v); line 1: __global__ void fill(int* x, int v)); a Java method binds exactly one, so give the"
            + " overloads different names (extern \"C\" kernels cannot be overloaded at all)",
        METHOD_LINE);
  }

  @Test
  void javaOverloadsAreDuplicates() {
    JavaFileObject source =
        kernel(
            TWO_KERNELS,
            "void relu(Launch launch, int n, Ptr<F32> x);",
            "void relu(Launch launch, long n, Ptr<F32> x);");
    Compilation compilation = compile(source);
    assertThat(compilation).failed();
    assertThat(compilation)
        .hadErrorContaining(
            "[KernelDuplicate] method relu is overloaded; each kernel method needs its own name"
                + " (bind several with @Global(\"kernel\") if they launch related kernels)")
        .inFile(source)
        .onLine(METHOD_LINE + 1);
    // The overload is still checked against the kernel: at most one of a set of overloads can
    // match.
    assertThat(compilation)
        .hadErrorContaining("[KernelScalarType] parameter 1 'n' is long in Java but int in CUDA")
        .inFile(source)
        .onLine(METHOD_LINE + 1);
    assertThat(compilation).hadErrorCount(2);
  }

  @Test
  void twoMethodsBindingOneKernelAreDuplicates() {
    assertOneError(
        kernel(
            TWO_KERNELS,
            "void relu(Launch launch, int n, Ptr<F32> x);",
            "@Global(\"relu\") void reluAgain(Launch launch, int n, Ptr<F32> x);"),
        "[KernelDuplicate] methods relu and reluAgain both bind kernel relu; bind each kernel (instantiation) to"
            + " one method",
        METHOD_LINE + 1);
  }

  @Test
  void templateWithoutArguments() {
    assertOneError(
        kernel(
            "template <typename T> __global__ void scale(T* x, T a, int n) {}",
            "void scale(Launch launch, Ptr<F32> x, float a, int n);"),
        "[KernelTemplate] __global__ 'scale' is a template (template <typename T>) and needs template arguments:"
            + " bind an instantiation such as @Global(\"scale<T>\") with each template parameter replaced by its"
            + " argument. CUDA (line 1): template <typename T> __global__ void scale(T* x, T a, int n)",
        METHOD_LINE);
  }

  @Test
  void templateArgumentsOnANonTemplate() {
    assertOneError(
        kernel(
            TWO_KERNELS, "@Global(\"relu<float>\") void relu(Launch launch, int n, Ptr<F32> x);"),
        "[KernelTemplate] 'relu<float>' gives template arguments but __global__ 'relu' is not a template; bind it"
            + " as \"relu\".",
        METHOD_LINE);
  }

  @Test
  void templateInstantiationIsCheckedWithItsArguments() {
    assertOneError(
        kernel(
            "template <typename T> __global__ void scale(T* x, T a, int n) {}",
            "@Global(\"scale<double>\") void scale(Launch launch, Ptr<F32> x, double a, int n);"),
        "[KernelPointerElement] parameter 1 'x' is Ptr<F32> in Java but double* in CUDA",
        METHOD_LINE);
  }
}
