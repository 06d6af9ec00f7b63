package dev.kernelj.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.kernelj.processor.Compilations.METHOD_LINE;
import static dev.kernelj.processor.Compilations.assertOneError;
import static dev.kernelj.processor.Compilations.compile;
import static dev.kernelj.processor.Compilations.kernel;
import static dev.kernelj.processor.Compilations.source;

import com.google.testing.compile.Compilation;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/**
 * [KernelMethodShape]: what a kernel interface and its methods must look like, and launch
 * constraints.
 */
class MethodShapeDiagnosticsTest {
  private static final String RELU =
      "extern \"C\" __global__ void __launch_bounds__(256) relu(int n, float* x) {}";

  @Test
  void methodMustReturnVoid() {
    assertOneError(
        kernel(RELU, "int relu(Launch launch, int n, Ptr<F32> x);"),
        "[KernelMethodShape] method relu returns int; a kernel launch returns nothing, declare it void",
        METHOD_LINE);
  }

  @Test
  void methodMustTakeALaunchFirst() {
    assertOneError(
        kernel(RELU, "void relu(int n, Ptr<F32> x);"),
        "[KernelMethodShape] method relu must take a Launch (grid, block, shared memory, stream) as its first"
            + " parameter, then one parameter per CUDA parameter",
        METHOD_LINE);
  }

  @Test
  void methodMustNotBeGeneric() {
    assertOneError(
        kernel(RELU, "<T extends Element> void relu(Launch launch, int n, Ptr<F32> x);"),
        "[KernelMethodShape] method relu declares type parameters <T>; a kernel method takes concrete types (Ptr<F32>, int, ...)",
        METHOD_LINE);
  }

  @Test
  void negativeConstraint() {
    JavaFileObject source =
        kernel(
            RELU,
            "@Global(maxThreadsPerBlock = 128,",
            "    maxDynamicSharedBytes = -1)",
            "void relu(Launch launch, int n, Ptr<F32> x);");
    assertOneError(
        source,
        "[KernelMethodShape] maxDynamicSharedBytes = -1 on method relu must be >= 0 (0 means the default 48 KiB limit)",
        METHOD_LINE + 1);
  }

  @Test
  void blockLimitAboveLaunchBoundsIsAWarning() {
    JavaFileObject source =
        kernel(
            RELU,
            "@Global(maxThreadsPerBlock = 1024)",
            "void relu(Launch launch, int n, Ptr<F32> x);");
    Compilation compilation = compile(source);
    assertThat(compilation).succeeded();
    assertThat(compilation).hadWarningCount(1);
    assertThat(compilation)
        .hadWarningContaining(
            "[KernelMethodShape] maxThreadsPerBlock = 1024 on method relu is above"
                + " __launch_bounds__(256) of `extern \"C\" __global__ void __launch_bounds__(256) relu(int n, float* x)`:"
                + " the driver refuses launches of more than 256 threads per block (a warning, not an error: such a launch"
                + " fails loudly rather than computing garbage); declare at most 256")
        .inFile(source)
        .onLine(METHOD_LINE);
  }

  @Test
  void globalOnADefaultMethod() {
    assertOneError(
        kernel(
            RELU,
            "void relu(Launch launch, int n, Ptr<F32> x);",
            "@Global(\"relu\") default void twice(Launch launch, int n, Ptr<F32> x) { relu(launch, n, x); }"),
        "[KernelMethodShape] @Global on method twice, which has a body; only abstract methods launch kernels",
        METHOD_LINE + 1);
  }

  @Test
  void defaultAndStaticHelpersAreLeftAlone() {
    Compilation compilation =
        compile(
            kernel(
                RELU,
                "void relu(Launch launch, int n, Ptr<F32> x);",
                "default void reluAll(int n, Ptr<F32> x) { relu(Launch.grid(Launch.blocksFor(n, 256)).block(256), n, x); }",
                "static int blockSize() { return 256; }"));
    assertThat(compilation).succeededWithoutWarnings();
  }

  @Test
  void kernelOnAClass() {
    JavaFileObject source =
        source(
            "test.K",
            "package test;",
            "import dev.kernelj.dsl.*;",
            "@Kernel(source = \"extern \\\"C\\\" __global__ void f(int n) {}\")",
            "abstract class K {",
            "  abstract void f(Launch launch, int n);",
            "}");
    assertOneError(
        source,
        "[KernelMethodShape] @Kernel is on class K; it belongs on an interface, whose methods the generated launcher"
            + " implements",
        3);
  }

  @Test
  void privateNestedInterface() {
    JavaFileObject source =
        source(
            "test.Outer",
            "package test;",
            "import dev.kernelj.dsl.*;",
            "class Outer {",
            "  @Kernel(source = \"extern \\\"C\\\" __global__ void f(int n) {}\")",
            "  private interface K {",
            "    void f(Launch launch, int n);",
            "  }",
            "}");
    assertOneError(
        source,
        "[KernelMethodShape] @Kernel interface test.Outer.K is not visible in its package because it is private;"
            + " the generated launcher beside it must implement it",
        4);
  }

  @Test
  void sealedInterface() {
    JavaFileObject source =
        source(
            "test.K",
            "package test;",
            "import dev.kernelj.dsl.*;",
            "@Kernel(source = \"extern \\\"C\\\" __global__ void f(int n) {}\")",
            "sealed interface K permits Impl {",
            "  void f(Launch launch, int n);",
            "}",
            "non-sealed abstract class Impl implements K {}");
    assertOneError(
        source,
        "[KernelMethodShape] @Kernel interface K is sealed, so it permits only the classes it lists,"
            + " and the launcher KernelJ generates must implement it; drop sealed",
        3);
  }

  @Test
  void inheritedAbstractMethod() {
    JavaFileObject base =
        source(
            "test.Base",
            "package test;",
            "import dev.kernelj.dsl.*;",
            "interface Base {",
            "  void f(Launch launch, int n);",
            "}");
    JavaFileObject source =
        source(
            "test.K",
            "package test;",
            "import dev.kernelj.dsl.*;",
            "@Kernel(source = \"extern \\\"C\\\" __global__ void f(int n) {}\")",
            "interface K extends Base {",
            "}");
    Compilation compilation = compile(base, source);
    assertThat(compilation).hadErrorCount(1);
    assertThat(compilation)
        .hadErrorContaining(
            "[KernelMethodShape] @Kernel interface K inherits abstract method f from Base; declare"
                + " every kernel method in the @Kernel interface itself")
        .inFile(source)
        .onLine(4);
  }
}
