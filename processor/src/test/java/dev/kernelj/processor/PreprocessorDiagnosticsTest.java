package dev.kernelj.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.kernelj.processor.Compilations.assertClean;
import static dev.kernelj.processor.Compilations.assertOneError;
import static dev.kernelj.processor.Compilations.compile;
import static dev.kernelj.processor.Compilations.firstMemberLine;
import static dev.kernelj.processor.Compilations.kernel;

import com.google.testing.compile.Compilation;
import java.util.List;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/**
 * The check reads the CUDA C as nvcc does: preprocessor branches, macros from the source and from
 * {@code @Kernel(defines)}, the compiler's predefined macros. Good sources compile cleanly; each
 * preprocessor-related diagnostic has its failing case.
 */
class PreprocessorDiagnosticsTest {
  private static final String SOURCE_LINE_OF_K = "3";

  @Test
  void anOldVersionUnderIfZeroIsNoOverload() {
    List<String> cuda =
        List.of(
            "#if 0",
            "// the first version, kept for reference: don't delete",
            "__global__ void scale(float* x, float a) { x[threadIdx.x] *= a; }",
            "#endif",
            "__global__ void scale(float* x, float a, int n) {",
            "  int i = blockIdx.x * blockDim.x + threadIdx.x;",
            "  if (i < n) x[i] *= a;",
            "}");
    assertClean(kernel(cuda, "", "void scale(Launch launch, Ptr<F32> x, float a, int n);"));
  }

  @Test
  void aKernelOnlyInASkippedBranchIsNamedWithItsBranch() {
    List<String> cuda =
        List.of(
            "#ifdef USE_OLD_SCALE",
            "__global__ void old_scale(float* x, float a) {}",
            "#endif",
            "__global__ void scale(float* x, float a, int n) {}");
    assertOneError(
        kernel(cuda, "", "void old_scale(Launch launch, Ptr<F32> x, float a);"),
        "[KernelUnknownName] no __global__ function named 'old_scale' in the code the compiler sees:"
            + " 'old_scale' is declared at line 2 inside a branch the preprocessor skips (#ifdef"
            + " USE_OLD_SCALE at line 1), so nvcc and NVRTC never compile it, unless a header the"
            + " source includes defines what that condition tests (KernelJ does not read headers:"
            + " give it with @Kernel(defines = ...)); enable that branch (or move the kernel out of"
            + " it). The CUDA source declares: scale",
        firstMemberLine(cuda));
  }

  private static final List<String> REAL_BY_DEFINE =
      List.of(
          "#include <cuda_fp16.h>",
          "#ifdef USE_HALF",
          "#define REAL __half",
          "#else",
          "#define REAL float",
          "#endif",
          "extern \"C\" __global__ void scale(REAL* x, int n) {}");

  @Test
  void definesChooseTheBranchTheCheckReads() {
    JavaFileObject source =
        kernel(
            REAL_BY_DEFINE,
            "defines = {\"USE_HALF\"}, ",
            "void scale(Launch launch, Ptr<F16> x, int n);");
    Compilation compilation = compile(source);
    assertThat(compilation).succeededWithoutWarnings();
    assertThat(compilation)
        .generatedSourceFile("test.KLauncher")
        .contentsAsUtf8String()
        .contains("List.of(\"-DUSE_HALF\")");
  }

  @Test
  void withoutTheDefineTheOtherBranchIsChecked() {
    assertOneError(
        kernel(REAL_BY_DEFINE, "", "void scale(Launch launch, Ptr<F16> x, int n);"),
        "[KernelPointerElement] parameter 1 'x' is Ptr<F16> in Java but float* in CUDA: the elements"
            + " differ (F16 vs F32); declare Ptr<F32>. CUDA (line 7): extern \"C\" __global__ void"
            + " scale(float* x, int n)",
        firstMemberLine(REAL_BY_DEFINE));
  }

  @Test
  void aDefineInTheOptionsCountsToo() {
    assertClean(
        kernel(
            REAL_BY_DEFINE,
            "options = {\"-DUSE_HALF=1\"}, ",
            "void scale(Launch launch, Ptr<F16> x, int n);"));
  }

  @Test
  void errorDirectiveInLiveCodeFailsAtTheSource() {
    List<String> cuda =
        List.of(
            "#ifndef BLOCK",
            "#error BLOCK must be defined, e.g. -DBLOCK=256",
            "#endif",
            "__global__ void fill(float* x) { x[threadIdx.x] = BLOCK; }");
    assertOneError(
        kernel(cuda, "", "void fill(Launch launch, Ptr<F32> x);"),
        "[KernelSource] cannot read the CUDA C of K at CUDA line 2: #error BLOCK must be defined,"
            + " e.g. -DBLOCK=256",
        Integer.parseInt(SOURCE_LINE_OF_K));
    assertClean(
        kernel(cuda, "defines = {\"BLOCK=256\"}, ", "void fill(Launch launch, Ptr<F32> x);"));
  }

  @Test
  void nvccPredefinedMacrosAreDefined() {
    List<String> cuda =
        List.of(
            "#if !defined(__CUDACC__) || !defined(__NVCC__) || __CUDACC_VER_MAJOR__ < 11",
            "#error not compiled by nvcc",
            "#endif",
            "#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800",
            "#error needs sm_80",
            "#endif",
            "#ifndef __global__",
            "#define __global__",
            "#endif",
            "extern \"C\" __global__ void k(int* x) { *x = __cplusplus >= 201703L; }");
    assertClean(kernel(cuda, "", "void k(Launch launch, Ptr<I32> x);"));
  }

  @Test
  void unbalancedConditionalIsASourceError() {
    List<String> cuda = List.of("#if 1", "extern \"C\" __global__ void k(int* x) {}");
    assertOneError(
        kernel(cuda, "", "void k(Launch launch, Ptr<I32> x);"),
        "[KernelSource] cannot read the CUDA C of K at CUDA line 1: #if/#ifdef/#ifndef at line 1 is"
            + " never closed by #endif",
        Integer.parseInt(SOURCE_LINE_OF_K));
  }

  @Test
  void malformedDefineIsReportedAtDefines() {
    List<String> cuda = List.of("extern \"C\" __global__ void k(int* x) {}");
    assertOneError(
        kernel(cuda, "defines = {\"2FAST\"}, ", "void k(Launch launch, Ptr<I32> x);"),
        "[KernelSource] define \"2FAST\" of K is not a macro definition: write NAME, NAME=value or"
            + " NAME(x)=body",
        Integer.parseInt(SOURCE_LINE_OF_K));
  }

  @Test
  void malformedDefineOptionIsReportedAtOptions() {
    List<String> cuda = List.of("extern \"C\" __global__ void k(int* x) {}");
    assertOneError(
        kernel(cuda, "options = {\"-D\"}, ", "void k(Launch launch, Ptr<I32> x);"),
        "[KernelSource] @Kernel options of K: option -D needs a value after it",
        Integer.parseInt(SOURCE_LINE_OF_K));
  }
}
