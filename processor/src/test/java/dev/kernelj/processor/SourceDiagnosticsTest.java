package dev.kernelj.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.kernelj.processor.Compilations.compile;
import static dev.kernelj.processor.Compilations.compileWith;
import static dev.kernelj.processor.Compilations.source;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** [KernelSource]: where the CUDA C comes from, and whether it can be read. */
class SourceDiagnosticsTest {
  private static final String RELU_METHOD =
      "  void relu(Launch launch, long n, ConstPtr<F16> in, Ptr<F16> out);";

  private static JavaFileObject resourceKernel(String resource) {
    return source(
        "test.res.Relu",
        "package test.res;",
        "import dev.kernelj.dsl.*;",
        "@Kernel(",
        "    resource = \"" + resource + "\")",
        "interface Relu {",
        RELU_METHOD,
        "}");
  }

  @Test
  void missingResourceNamesEveryLocationTried() {
    JavaFileObject source = resourceKernel("missing.cu");
    Compilation compilation = compile(source);
    assertThat(compilation).failed();
    assertThat(compilation).hadErrorCount(1);
    assertThat(compilation)
        .hadErrorContaining(
            "[KernelSource] resource \"missing.cu\" of Relu not found: looked for test/res/missing.cu"
                + " in SOURCE_PATH, CLASS_OUTPUT, CLASS_PATH; put the file beside the interface's .java or under"
                + " src/main/resources/test/res/ (javac finds a file beside the .java through its"
                + " source path: Maven and Gradle pass one; plain javac needs -sourcepath)")
        .inFile(source)
        .onLine(4);
  }

  @Test
  void resourceIsReadFromTheClassPath() {
    // src/test/resources/test/res/relu.cu is on the test class path, which compile-testing's javac
    // uses.
    Compilation compilation = compile(resourceKernel("relu.cu"));
    assertThat(compilation).succeededWithoutWarnings();
    assertThat(compilation)
        .generatedSourceFile("test.res.ReluLauncher")
        .contentsAsUtf8String()
        .contains("__launch_bounds__(BLOCK) relu(long long n");
  }

  @Test
  void absoluteResourcePathIsResolvedFromTheRoot() {
    assertThat(compile(resourceKernel("/test/res/relu.cu"))).succeededWithoutWarnings();
  }

  @Test
  void resourceIsReadFromTheSourcePath(@TempDir Path sources) throws IOException {
    Path dir = Files.createDirectories(sources.resolve("test/res"));
    Files.writeString(
        dir.resolve("beside.cu"),
        "extern \"C\" __global__ void relu(long long n, const __half* in, __half* out) {}\n");
    Compilation compilation =
        compileWith(
            List.of("-Akernelj.precompile=off", "-sourcepath", sources.toString()),
            resourceKernel("beside.cu"));
    assertThat(compilation).succeededWithoutWarnings();
  }

  @Test
  void bothSourceAndResource() {
    JavaFileObject source =
        source(
            "test.K",
            "package test;",
            "import dev.kernelj.dsl.*;",
            "@Kernel(source = \"extern \\\"C\\\" __global__ void f(int n) {}\",",
            "    resource = \"f.cu\")",
            "interface K {",
            "  void f(Launch launch, int n);",
            "}");
    Compilation compilation = compile(source);
    assertThat(compilation).failed();
    assertThat(compilation).hadErrorCount(1);
    assertThat(compilation)
        .hadErrorContaining(
            "[KernelSource] @Kernel on K gives both source and resource; give exactly one")
        .inFile(source)
        .onLine(4);
  }

  @Test
  void neitherSourceNorResource() {
    JavaFileObject source =
        source(
            "test.K",
            "package test;",
            "import dev.kernelj.dsl.*;",
            "",
            "@Kernel",
            "interface K {",
            "  void f(Launch launch, int n);",
            "}");
    Compilation compilation = compile(source);
    assertThat(compilation).failed();
    assertThat(compilation).hadErrorCount(1);
    assertThat(compilation)
        .hadErrorContaining(
            "[KernelSource] @Kernel on K gives no CUDA C; set source = \"\"\"...\"\"\" or resource ="
                + " \"file.cu\" (beside the interface)")
        .inFile(source)
        .onLine(4);
  }

  /**
   * A source in parts (one string constant holds at most 64 KiB) is read as the parts joined in
   * order: the kernel in the second part takes its parameter type from a macro the first defines,
   * and the method is checked against it.
   */
  @Test
  void sourcePartsAreJoinedInOrder() {
    assertThat(compile(scaleInParts("int n"))).succeededWithoutWarnings();
    Compilation wrong = compile(scaleInParts("long n"));
    assertThat(wrong).failed();
    assertThat(wrong).hadErrorContaining("'n'");
  }

  private static JavaFileObject scaleInParts(String javaCount) {
    return source(
        "test.K",
        "package test;",
        "import dev.kernelj.dsl.*;",
        "@Kernel(source = {",
        "    \"#define COUNT int\\n\",",
        "    \"extern \\\"C\\\" __global__ void scale(COUNT n, float* x) { x[0] *= n; }\\n\"",
        "})",
        "interface K {",
        "  void scale(Launch launch, " + javaCount + ", Ptr<F32> x);",
        "}");
  }

  @Test
  void unreadableCudaNamesTheCudaLine() {
    JavaFileObject source =
        source(
            "test.K",
            "package test;",
            "import dev.kernelj.dsl.*;",
            "@Kernel(source = \"\"\"",
            "    #include <cuda_fp16.h>",
            "    extern \"C\" __global__ void f(int n,, float* x) {}",
            "    \"\"\")",
            "interface K {",
            "  void f(Launch launch, int n, Ptr<F32> x);",
            "}");
    Compilation compilation = compile(source);
    assertThat(compilation).failed();
    assertThat(compilation).hadErrorCount(1);
    assertThat(compilation)
        .hadErrorContaining(
            "[KernelSource] cannot read the CUDA C of K at CUDA line 2: parameter 2 of __global__ 'f'"
                + " is empty")
        .inFile(source)
        .onLine(3);
  }
}
