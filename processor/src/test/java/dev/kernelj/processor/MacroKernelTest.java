package dev.kernelj.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.kernelj.processor.Compilations.assertOneError;
import static dev.kernelj.processor.Compilations.compile;
import static dev.kernelj.processor.Compilations.firstMemberLine;
import static dev.kernelj.processor.Compilations.kernel;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Kernels and parameter lists that macros produce are checked as they expand; a declaration hidden
 * behind a macro the source does not define is a [KernelMacro] error naming the macro.
 */
class MacroKernelTest {

  @Test
  void wholeKernelsFromAFunctionLikeMacro() {
    List<String> cuda =
        List.of(
            "#define DEFINE_SCALE(NAME, T) \\\\",
            "  extern \"C\" __global__ void scale_##NAME(T* x, T a, int n) { \\\\",
            "    int i = blockIdx.x * blockDim.x + threadIdx.x; \\\\",
            "    if (i < n) x[i] *= a; \\\\",
            "  }",
            "DEFINE_SCALE(f32, float)",
            "DEFINE_SCALE(f64, double)");
    assertThat(
            compile(
                kernel(
                    cuda,
                    "",
                    "void scale_f32(Launch launch, Ptr<F32> x, float a, int n);",
                    "void scale_f64(Launch launch, Ptr<F64> x, double a, int n);")))
        .succeededWithoutWarnings();
  }

  @Test
  void macroKernelsAreQuotedAsTheyExpand() {
    List<String> cuda =
        List.of(
            "#define KERNEL_ARGS(T) const T* __restrict__ in, T* __restrict__ out, int n",
            "extern \"C\" __global__ void copy(KERNEL_ARGS(float)) {}");
    assertOneError(
        kernel(cuda, "", "void copy(Launch launch, ConstPtr<F32> in, Ptr<F32> out);"),
        "[KernelArity] __global__ 'copy' takes 3 parameters but the Java method declares 2"
            + " parameters after the Launch. CUDA (line 2): extern \"C\" __global__ void copy(const"
            + " float* __restrict__ in, float* __restrict__ out, int n)",
        firstMemberLine(cuda));
  }

  @Test
  void aKernelHiddenBehindAnUndefinedMacroNamesIt() {
    List<String> cuda =
        List.of(
            "#include \"kernels_common.cuh\"",
            "DEFINE_SCALE_KERNEL(scale, float)",
            "extern \"C\" __global__ void other(float* x) {}");
    assertOneError(
        kernel(cuda, "", "void scale(Launch launch, Ptr<F32> x, float a, int n);"),
        "[KernelMacro] no __global__ function named 'scale' is visible: line 2 invokes"
            + " DEFINE_SCALE_KERNEL(scale, float), and DEFINE_SCALE_KERNEL is a macro this source"
            + " does not define (it may come from an included header, which KernelJ does not read),"
            + " so the declaration behind it is hidden; define DEFINE_SCALE_KERNEL in the source or"
            + " with @Kernel(defines = ...), or write the __global__ declaration out",
        firstMemberLine(cuda));
  }

  @Test
  void parametersHiddenBehindAnUndefinedMacroNameIt() {
    List<String> cuda =
        List.of(
            "#include \"kernels_common.cuh\"",
            "extern \"C\" __global__ void copy(COPY_PARAMS(float)) {}");
    assertOneError(
        kernel(cuda, "", "void copy(Launch launch, ConstPtr<F32> in, Ptr<F32> out, int n);"),
        "[KernelMacro] the parameter list of __global__ 'copy' uses COPY_PARAMS, which this source"
            + " neither defines as a macro nor declares as a type (it may come from an included"
            + " header, which KernelJ does not read), so the parameters behind it are hidden; define"
            + " COPY_PARAMS in the source or with @Kernel(defines = ...), or write the parameters"
            + " out.",
        firstMemberLine(cuda));
  }

  @Test
  void aNameFromAnUndefinedMacroNamesIt() {
    List<String> cuda =
        List.of(
            "#include \"kernels_common.cuh\"",
            "extern \"C\" __global__ void KJ_NAME(saxpy)(int n, float a, const float* x, float* y) {}");
    assertOneError(
        kernel(cuda, "", "void saxpy(Launch launch, int n, float a, ConstPtr<F32> x, Ptr<F32> y);"),
        "[KernelMacro] no __global__ function named 'saxpy' is visible: line 2 invokes"
            + " KJ_NAME(saxpy), and KJ_NAME is a macro this source does not define",
        firstMemberLine(cuda));
  }

  @Test
  void aDefineFromTheAnnotationExpandsTheMacro() {
    List<String> cuda =
        List.of(
            "extern \"C\" __global__ void KJ_NAME(saxpy)(int n, float a, const float* x, float* y) {}");
    assertThat(
            compile(
                kernel(
                    cuda,
                    "defines = {\"KJ_NAME(x)=kj_##x\"}, ",
                    "void kj_saxpy(Launch launch, int n, float a, ConstPtr<F32> x, Ptr<F32> y);")))
        .succeededWithoutWarnings();
  }
}
