package dev.kernelj.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.kernelj.processor.Compilations.compile;
import static dev.kernelj.processor.Compilations.compileWith;
import static dev.kernelj.processor.Compilations.firstMemberLine;
import static dev.kernelj.processor.Compilations.kernel;

import com.google.testing.compile.Compilation;
import java.util.List;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/**
 * [KernelArch]: one Java method launches a kernel on every GPU, so its parameters must not change
 * with {@code __CUDA_ARCH__} or the compiler (nvcc at build time, NVRTC at run time); bodies may.
 */
class ArchDiagnosticsTest {
  @Test
  void bodiesMayDifferBetweenArchitectures() {
    List<String> cuda =
        List.of(
            "extern \"C\" __global__ void k(float* x) {",
            "#if __CUDA_ARCH__ >= 900",
            "  x[threadIdx.x] = 1.0f;",
            "#else",
            "  x[threadIdx.x] = 2.0f;",
            "#endif",
            "}");
    assertThat(compile(kernel(cuda, "", "void k(Launch launch, Ptr<F32> x);")))
        .succeededWithoutWarnings();
  }

  @Test
  void parametersThatChangeWithTheArchitectureAreAnError() {
    List<String> cuda =
        List.of(
            "#include <cuda_fp16.h>",
            "#if __CUDA_ARCH__ >= 900",
            "extern \"C\" __global__ void scale(__half* x, int n) {}",
            "#else",
            "extern \"C\" __global__ void scale(float* x, int n) {}",
            "#endif");
    JavaFileObject source = kernel(cuda, "", "void scale(Launch launch, Ptr<F32> x, int n);");
    Compilation compilation = compile(source);
    assertThat(compilation).hadErrorCount(1);
    assertThat(compilation)
        .hadErrorContaining(
            "[KernelArch] the parameters of __global__ 'scale' depend on the architecture or"
                + " compiler: for sm_80, and sm_50 to sm_89 (12 architectures): extern \"C\""
                + " __global__ void scale(float* x, int n); for sm_90, and sm_100 to sm_121 (6"
                + " architectures): extern \"C\" __global__ void scale(__half* x, int n). One Java"
                + " method launches the kernel on every GPU, so its parameters must be the same"
                + " wherever it is compiled (its body may differ): move the #if into the body, or"
                + " give each variant its own name")
        .inFile(source)
        .onLine(firstMemberLine(cuda));
  }

  @Test
  void parametersThatDifferBetweenNvccAndNvrtcAreAnError() {
    List<String> cuda =
        List.of(
            "#ifdef __CUDACC_RTC__",
            "extern \"C\" __global__ void k(double* x) {}",
            "#else",
            "extern \"C\" __global__ void k(float* x) {}",
            "#endif");
    JavaFileObject source = kernel(cuda, "", "void k(Launch launch, Ptr<F32> x);");
    Compilation compilation = compile(source);
    assertThat(compilation).hadErrorCount(1);
    assertThat(compilation)
        .hadErrorContaining(
            "[KernelArch] the parameters of __global__ 'k' depend on the architecture or compiler:"
                + " for sm_80, sm_90, and sm_50 to sm_121 (18 architectures): extern \"C\" __global__"
                + " void k(float* x); for sm_50 to sm_121 (20 architectures, NVRTC): extern \"C\""
                + " __global__ void k(double* x)")
        .inFile(source)
        .onLine(firstMemberLine(cuda));
  }

  /** Variants written through one alias name quote the types the alias resolves to. */
  @Test
  void variantsThroughAnAliasQuoteTheResolvedTypes() {
    List<String> cuda =
        List.of(
            "#include <cuda_bf16.h>",
            "#if __CUDA_ARCH__ >= 800",
            "typedef __nv_bfloat16 act_t;",
            "#else",
            "typedef __half act_t;",
            "#endif",
            "extern \"C\" __global__ void k(act_t* x) {}");
    Compilation compilation = compile(kernel(cuda, "", "void k(Launch launch, Ptr<BF16> x);"));
    assertThat(compilation)
        .hadErrorContaining("extern \"C\" __global__ void k(act_t* x) [as k(__nv_bfloat16* x)]");
    assertThat(compilation)
        .hadErrorContaining("extern \"C\" __global__ void k(act_t* x) [as k(__half* x)]");
  }

  @Test
  void aKernelMissingForOneBuiltArchitectureIsAWarning() {
    List<String> cuda =
        List.of(
            "#if __CUDA_ARCH__ >= 900",
            "extern \"C\" __global__ void hopper_only(float* x) {}",
            "#endif");
    JavaFileObject source = kernel(cuda, "", "void hopper_only(Launch launch, Ptr<F32> x);");
    Compilation compilation = compile(source);
    assertThat(compilation).succeeded();
    assertThat(compilation).hadWarningCount(1);
    assertThat(compilation)
        .hadWarningContaining(
            "[KernelArch] __global__ 'hopper_only' is not compiled for sm_80 (a preprocessor branch"
                + " leaves it out there), which this build targets: loading the kernels on such a"
                + " GPU fails with a missing function.")
        .inFile(source)
        .onLine(firstMemberLine(cuda));
  }

  @Test
  void aKernelForNoBuiltArchitectureIsAnError() {
    List<String> cuda =
        List.of(
            "#if __CUDA_ARCH__ >= 1000",
            "extern \"C\" __global__ void blackwell_only(float* x) {}",
            "#endif");
    JavaFileObject source = kernel(cuda, "", "void blackwell_only(Launch launch, Ptr<F32> x);");
    Compilation compilation = compile(source);
    assertThat(compilation).hadErrorCount(1);
    assertThat(compilation)
        .hadErrorContaining(
            "[KernelArch] 'blackwell_only' names a __global__ function only for sm_100 to sm_121 (6"
                + " architectures) through a preprocessor branch on __CUDA_ARCH__ or the compiler, not for"
                + " what this build compiles (sm_80, sm_90)")
        .inFile(source)
        .onLine(firstMemberLine(cuda));
  }

  @Test
  void theBuildsArchitecturesComeFromTheOption() {
    List<String> cuda =
        List.of(
            "#if __CUDA_ARCH__ >= 1000",
            "extern \"C\" __global__ void blackwell_only(float* x) {}",
            "#endif");
    Compilation compilation =
        compileWith(
            List.of("-Akernelj.precompile=off", "-Akernelj.archs=100"),
            kernel(cuda, "", "void blackwell_only(Launch launch, Ptr<F32> x);"));
    assertThat(compilation).succeededWithoutWarnings();
  }
}
