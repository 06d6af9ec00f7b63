package dev.kernelj.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.kernelj.processor.Compilations.compile;
import static dev.kernelj.processor.Compilations.source;

import com.google.testing.compile.Compilation;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/**
 * One broken interface does not stop the others from being checked; failures stay one message each.
 */
class ProcessingContinuesTest {
  private static JavaFileObject kernel(String name, String method) {
    return source(
        "test." + name,
        "package test;",
        "import dev.kernelj.dsl.*;",
        "@Kernel(source = \"extern \\\"C\\\" __global__ void f(int n, float* x) {}\")",
        "interface " + name + " {",
        "  " + method,
        "}");
  }

  @Test
  void everyBrokenInterfaceIsReported() {
    JavaFileObject first = kernel("First", "void f(Launch launch, long n, Ptr<F32> x);");
    JavaFileObject second = kernel("Second", "void g(Launch launch, int n, Ptr<F32> x);");
    JavaFileObject third = kernel("Third", "void f(Launch launch, int n, Ptr<F32> x);");
    Compilation compilation = compile(first, second, third);
    assertThat(compilation).hadErrorCount(2);
    assertThat(compilation)
        .hadErrorContaining("[KernelScalarType] parameter 1 'n' is long in Java but int in CUDA")
        .inFile(first)
        .onLine(5);
    assertThat(compilation)
        .hadErrorContaining("[KernelUnknownName] no __global__ function named 'g'")
        .inFile(second)
        .onLine(5);
  }

  @Test
  void anUnexpectedFailureBecomesOneInternalErrorAndOthersContinue() {
    // The launcher's name is taken by a hand-written class, so javac's Filer refuses to create it.
    JavaFileObject taken = source("test.FirstLauncher", "package test;", "class FirstLauncher {}");
    JavaFileObject first = kernel("First", "void f(Launch launch, int n, Ptr<F32> x);");
    JavaFileObject second = kernel("Second", "void g(Launch launch, int n, Ptr<F32> x);");
    Compilation compilation = compile(taken, first, second);
    assertThat(compilation)
        .hadErrorContaining(
            "[KernelInternal] processing test.First failed; please report this"
                + " with the interface: java.io.UncheckedIOException: javax.annotation.processing.FilerException:")
        .inFile(first)
        .onLine(4);
    assertThat(compilation)
        .hadErrorContaining("[KernelUnknownName] no __global__ function named 'g'")
        .inFile(second)
        .onLine(5);
    assertThat(compilation).hadErrorCount(2);
  }
}
