package dev.kernelj.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.Compiler.javac;
import static dev.kernelj.processor.Compilations.source;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.CompilationSubject;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import javax.tools.JavaFileObject;
import javax.tools.StandardLocation;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Precompilation with the real nvcc: the fat binary and its properties appear beside the interface,
 * mangled symbols of C++ and template kernels are found, and a kernel nvcc rejects fails the build
 * with [KernelCompile]. Skipped where nvcc is not installed.
 */
class NvccPrecompileTest {
  /** Magic number at the start of a CUDA fat binary file. */
  private static final int FATBIN_MAGIC = 0xBA55ED50;

  private static Path nvcc;

  @BeforeAll
  static void findNvcc() {
    NvccLocator.Found found =
        NvccLocator.locate(Optional.empty(), System.getenv(), NvccLocator.WELL_KNOWN);
    assumeTrue(
        found.nvcc().isPresent(),
        "nvcc not found (looked at " + found.tried() + "); these tests need the CUDA compiler");
    nvcc = found.nvcc().get();
  }

  private static Compilation compileWithNvcc(List<String> extraOptions, JavaFileObject source) {
    List<Object> options = new ArrayList<>(List.of("-Akernelj.nvcc=" + nvcc));
    options.addAll(extraOptions);
    return javac().withProcessors(new KernelProcessor()).withOptions(options).compile(source);
  }

  @Test
  void writesFatbinAndPropertiesWithLoweredNames() throws IOException {
    Compilation compilation =
        compileWithNvcc(
            List.of(),
            source(
                "test.Mixed",
                "package test;",
                "import dev.kernelj.dsl.*;",
                "@Kernel(source = \"\"\"",
                "    extern \"C\" __global__ void saxpy(int n, float a, const float* x, float* y) {",
                "      int i = blockIdx.x * blockDim.x + threadIdx.x;",
                "      if (i < n) y[i] = a * x[i] + y[i];",
                "    }",
                "    template <typename T> __global__ void scale(T* x, T a, int n) {",
                "      int i = blockIdx.x * blockDim.x + threadIdx.x;",
                "      if (i < n) x[i] *= a;",
                "    }",
                "    __global__ void zero(float* x) { x[threadIdx.x] = 0.0f; }",
                "    \"\"\")",
                "interface Mixed {",
                "  void saxpy(Launch launch, int n, float a, ConstPtr<F32> x, Ptr<F32> y);",
                "  @Global(\"scale<float>\") void scaleF32(Launch launch, Ptr<F32> x, float a, int n);",
                "  @Global(\"scale<double>\") void scaleF64(Launch launch, Ptr<F64> x, double a, int n);",
                "  void zero(Launch launch, Ptr<F32> x);",
                "}"));
    CompilationSubject.assertThat(compilation).succeededWithoutWarnings();

    byte[] fatbin = resource(compilation, "Mixed.kernelj.fatbin");
    assertThat(fatbin.length).isGreaterThan(1000);
    assertThat(ByteBuffer.wrap(fatbin).order(ByteOrder.LITTLE_ENDIAN).getInt(0))
        .isEqualTo(FATBIN_MAGIC);

    Properties properties = properties(compilation, "Mixed.kernelj.properties");
    String sha =
        compilation
            .generatedSourceFile("test.MixedLauncher")
            .orElseThrow()
            .getCharContent(false)
            .toString()
            .split("CUDA C sha256 ")[1]
            .substring(0, 64);
    assertThat(properties.getProperty("sha256")).isEqualTo(sha);
    assertThat(properties.getProperty("archs")).isEqualTo("80,90");
    assertThat(properties.getProperty("nvcc")).contains("release");
    assertThat(properties.getProperty("lowered.saxpy")).isEqualTo("saxpy");
    // Itanium C++ ABI manglings, as nvcc emits them: scale<float>(float*, float, int) and so on.
    assertThat(properties.getProperty("lowered.scale<float>")).isEqualTo("_Z5scaleIfEvPT_S0_i");
    assertThat(properties.getProperty("lowered.scale<double>")).isEqualTo("_Z5scaleIdEvPT_S0_i");
    assertThat(properties.getProperty("lowered.zero")).isEqualTo("_Z4zeroPf");
    assertThat(properties.stringPropertyNames()).hasSize(7);
  }

  @Test
  void namespacedKernelsGetTheirMangledOrPlainSymbols() throws IOException {
    Compilation compilation =
        compileWithNvcc(
            List.of(),
            source(
                "test.Spaces",
                "package test;",
                "import dev.kernelj.dsl.*;",
                "@Kernel(source = \"\"\"",
                "    namespace f32 { __global__ void scale(float* x, float a) { x[0] *= a; } }",
                "    namespace f64 { __global__ void scale(double* x, double a) { x[0] *= a; } }",
                "    namespace c_api { extern \"C\" __global__ void kj_zero(float* x) { x[0] = 0; } }",
                "    namespace { __global__ void hidden(int* x) { *x = 1; } }",
                "    \"\"\")",
                "interface Spaces {",
                "  @Global(\"f32::scale\") void scaleF32(Launch launch, Ptr<F32> x, float a);",
                "  @Global(\"f64::scale\") void scaleF64(Launch launch, Ptr<F64> x, double a);",
                "  @Global(\"c_api::kj_zero\") void zero(Launch launch, Ptr<F32> x);",
                "  void hidden(Launch launch, Ptr<I32> x);",
                "}"));
    CompilationSubject.assertThat(compilation).succeededWithoutWarnings();
    Properties properties = properties(compilation, "Spaces.kernelj.properties");
    assertThat(properties.getProperty("lowered.f32::scale")).isEqualTo("_ZN3f325scaleEPff");
    assertThat(properties.getProperty("lowered.f64::scale")).isEqualTo("_ZN3f645scaleEPdd");
    // C linkage: the symbol is the plain name, whatever namespace declares it.
    assertThat(properties.getProperty("lowered.c_api::kj_zero")).isEqualTo("kj_zero");
    // An anonymous namespace mangles with a name unique to the file; nvcc's own PTX names it.
    assertThat(properties.getProperty("lowered.hidden")).contains("6hiddenEPi");
  }

  @Test
  void aBoundKernelNvccDidNotCompileFailsTheBuild() {
    // The front end cannot see __CUDA_RUNTIME_H__ (the guard of the cuda_runtime.h nvcc includes;
    // headers stay opaque), so it takes the kernel as defined; nvcc's output shows it is not.
    JavaFileObject source =
        source(
            "test.Hidden",
            "package test;",
            "import dev.kernelj.dsl.*;",
            "@Kernel(source = \"\"\"",
            "    #ifndef __CUDA_RUNTIME_H__",
            "    extern \"C\" __global__ void only_without_runtime(float* x) { x[0] = 1; }",
            "    #endif",
            "    extern \"C\" __global__ void always(float* x) { x[0] = 2; }",
            "    \"\"\")",
            "interface Hidden {",
            "  void only_without_runtime(Launch launch, Ptr<F32> x);",
            "  void always(Launch launch, Ptr<F32> x);",
            "}");
    Compilation compilation = compileWithNvcc(List.of(), source);
    CompilationSubject.assertThat(compilation).hadErrorCount(1);
    CompilationSubject.assertThat(compilation)
        .hadErrorContaining(
            "[KernelUndefined] nvcc compiled the CUDA C of test.Hidden for sm_80, sm_90, but its"
                + " output has no kernel only_without_runtime for 'only_without_runtime' (bound by"
                + " test.Hidden.only_without_runtime)")
        .inFile(source)
        .onLine(3);
  }

  @Test
  void architecturesComeFromTheOption() throws IOException {
    Compilation compilation =
        compileWithNvcc(
            List.of("-Akernelj.archs=90"),
            source(
                "test.One",
                "package test;",
                "import dev.kernelj.dsl.*;",
                "@Kernel(source = \"extern \\\"C\\\" __global__ void one(int* x) { *x = 1; }\")",
                "interface One {",
                "  void one(Launch launch, Ptr<I32> x);",
                "}"));
    CompilationSubject.assertThat(compilation).succeededWithoutWarnings();
    assertThat(properties(compilation, "One.kernelj.properties").getProperty("archs"))
        .isEqualTo("90");
  }

  @Test
  void nestedInterfaceResourcesUseTheBinaryName() throws IOException {
    Compilation compilation =
        compileWithNvcc(
            List.of(),
            source(
                "test.Outer",
                "package test;",
                "import dev.kernelj.dsl.*;",
                "public class Outer {",
                "  @Kernel(source = \"extern \\\"C\\\" __global__ void one(int* x) { *x = 1; }\")",
                "  public interface Inner {",
                "    void one(Launch launch, Ptr<I32> x);",
                "  }",
                "}"));
    CompilationSubject.assertThat(compilation).succeededWithoutWarnings();
    assertThat(resource(compilation, "Outer$Inner.kernelj.fatbin").length).isGreaterThan(0);
    assertThat(properties(compilation, "Outer$Inner.kernelj.properties").getProperty("lowered.one"))
        .isEqualTo("one");
  }

  /** nvcc gives a static kernel a C++ symbol even inside extern "C" (internal linkage). */
  @Test
  void aStaticKernelInExternCIsBoundByItsMangledSymbol() throws IOException {
    Compilation compilation =
        compileWithNvcc(
            List.of(),
            source(
                "test.Static",
                "package test;",
                "import dev.kernelj.dsl.*;",
                "@Kernel(source = \"extern \\\"C\\\" { static __global__ void b(float* x) { x[0] = 1; } }\")",
                "interface Static {",
                "  void b(Launch launch, Ptr<F32> x);",
                "}"));
    CompilationSubject.assertThat(compilation).succeededWithoutWarnings();
    assertThat(properties(compilation, "Static.kernelj.properties").getProperty("lowered.b"))
        .isEqualTo("_Z1bPf");
  }

  /**
   * A variadic template kernel: the pack's parameter is one Java parameter per argument of the
   * instantiation, and nvcc's compiled parameters agree.
   */
  @Test
  void aParameterPackTakesOneJavaParameterPerArgument() throws IOException {
    Compilation compilation =
        compileWithNvcc(
            List.of(),
            source(
                "test.Pack",
                "package test;",
                "import dev.kernelj.dsl.*;",
                "@Kernel(source = \"\"\"",
                "    template <typename... Ts> __global__ void fill(float* out, Ts... args) {",
                "      out[0] = (float)sizeof...(args);",
                "    }",
                "    \"\"\")",
                "interface Pack {",
                "  @Global(\"fill<float, int>\") void fill2(Launch launch, Ptr<F32> out, float a, int b);",
                "  @Global(\"fill<double>\") void fill1(Launch launch, Ptr<F32> out, double a);",
                "}"));
    CompilationSubject.assertThat(compilation).succeededWithoutWarnings();
    Properties properties = properties(compilation, "Pack.kernelj.properties");
    assertThat(properties.getProperty("lowered.fill<float, int>"))
        .startsWith("_Z4fillIJfiEEvPfDpT_");
  }

  /**
   * KernelJ's checker takes an identifier it does not know in {@code #if} as 0, as the C
   * preprocessor does, but INT_MAX comes from a header nvcc reads: the two compile different
   * branches. nvcc's PTX says which parameters the kernel really takes.
   */
  @Test
  void parametersNvccCompiledDifferentlyFailTheBuild() {
    JavaFileObject source =
        source(
            "test.Branch",
            "package test;",
            "import dev.kernelj.dsl.*;",
            "@Kernel(source = \"\"\"",
            "    #include <climits>",
            "    #if INT_MAX > 100",
            "    extern \"C\" __global__ void k(float* x, float a) { x[0] = a; }",
            "    #else",
            "    extern \"C\" __global__ void k(float* x, int a) { x[0] = a; }",
            "    #endif",
            "    \"\"\")",
            "interface Branch {",
            "  void k(Launch launch, Ptr<F32> x, int a);",
            "}");
    Compilation compilation = compileWithNvcc(List.of(), source);
    CompilationSubject.assertThat(compilation).hadErrorCount(1);
    CompilationSubject.assertThat(compilation)
        .hadErrorContaining(
            "[KernelCompiledParams] nvcc compiled 'k' (bound by test.Branch.k) for sm_80 with other"
                + " parameters than the declaration KernelJ checked: parameter 2 ('a') is int in"
                + " Java, but the compiled kernel takes a 32-bit float.");
  }

  @Test
  void rejectedCudaIsAKernelCompileError() {
    JavaFileObject source =
        source(
            "test.Bad",
            "package test;",
            "import dev.kernelj.dsl.*;",
            "@Kernel(source = \"\"\"",
            "    extern \"C\" __global__ void bad(float* x) {",
            "      x[0] = undefined_thing;",
            "    }",
            "    \"\"\")",
            "interface Bad {",
            "  void bad(Launch launch, Ptr<F32> x);",
            "}");
    Compilation compilation = compileWithNvcc(List.of(), source);
    CompilationSubject.assertThat(compilation).hadErrorCount(1);
    // javac indents the continuation lines of a multi-line message, so the two lines are checked
    // apart.
    CompilationSubject.assertThat(compilation)
        .hadErrorContaining(
            "[KernelCompile] nvcc rejected the CUDA C of test.Bad for sm_80, sm_90 (exit code 1):")
        .inFile(source)
        .onLine(3);
    CompilationSubject.assertThat(compilation)
        .hadErrorContaining("Bad.cu(2): error: identifier \"undefined_thing\" is undefined")
        .inFile(source)
        .onLine(3);
  }

  @Test
  void missingNvccIsANoteNotAWarning(@TempDir Path emptyDir) throws IOException {
    Files.createDirectories(emptyDir);
    KernelProcessor processor =
        new KernelProcessor(
            new PrecompiledKernelWriter.Environment(
                Map.of("PATH", emptyDir.toString()), List.of(emptyDir.resolve("nvcc"))));
    Compilation compilation =
        javac()
            .withProcessors(processor)
            .compile(
                source(
                    "test.One",
                    "package test;",
                    "import dev.kernelj.dsl.*;",
                    "@Kernel(source = \"extern \\\"C\\\" __global__ void one(int* x) { *x = 1; }\")",
                    "interface One {",
                    "  void one(Launch launch, Ptr<I32> x);",
                    "}"));
    CompilationSubject.assertThat(compilation).succeededWithoutWarnings();
    CompilationSubject.assertThat(compilation)
        .hadNoteContaining(
            "[KernelCompile] nvcc not found (looked at "
                + emptyDir.resolve("nvcc")
                + ", "
                + emptyDir.resolve("nvcc")
                + "): @Kernel sources are not compiled at build"
                + " time; kernels will be compiled at run time with NVRTC.");
    assertThat(compilation.generatedFiles().stream().map(f -> f.toUri().getPath()).toList())
        .doesNotContain("/CLASS_OUTPUT/test/One.kernelj.fatbin");
  }

  private static byte[] resource(Compilation compilation, String name) throws IOException {
    JavaFileObject file =
        compilation
            .generatedFile(StandardLocation.CLASS_OUTPUT, "test", name)
            .orElseThrow(
                () -> new AssertionError("no " + name + " in " + compilation.generatedFiles()));
    try (InputStream in = file.openInputStream()) {
      return in.readAllBytes();
    }
  }

  private static Properties properties(Compilation compilation, String name) throws IOException {
    Properties properties = new Properties();
    properties.load(
        new StringReader(new String(resource(compilation, name), StandardCharsets.UTF_8)));
    return properties;
  }
}
