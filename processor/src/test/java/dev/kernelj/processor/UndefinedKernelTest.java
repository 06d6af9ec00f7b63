package dev.kernelj.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static dev.kernelj.processor.Compilations.assertOneError;
import static dev.kernelj.processor.Compilations.compile;
import static dev.kernelj.processor.Compilations.firstMemberLine;
import static dev.kernelj.processor.Compilations.kernel;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * [KernelUndefined]: nvcc and NVRTC compile one source, so a {@code __global__} declared there but
 * defined nowhere in it has no code to launch.
 */
class UndefinedKernelTest {

  @Test
  void aDeclarationWithoutDefinitionIsAnError() {
    List<String> cuda =
        List.of(
            "extern \"C\" __global__ void saxpy(int n, float a, const float* x, float* y);",
            "extern \"C\" __global__ void relu(int n, float* x) {}");
    assertOneError(
        kernel(cuda, "", "void saxpy(Launch launch, int n, float a, ConstPtr<F32> x, Ptr<F32> y);"),
        "[KernelUndefined] __global__ 'saxpy' is declared but never defined in this source: nvcc and"
            + " NVRTC compile the source on its own, so no code exists to launch (a definition in"
            + " another file is never linked in); give the declaration at line 1 a body.",
        firstMemberLine(cuda));
  }

  @Test
  void aDeclarationFollowedByItsDefinitionIsFine() {
    List<String> cuda =
        List.of(
            "__global__ void relu(int n, float* x);",
            "__global__ void relu(int n, float* x) { if (threadIdx.x < n) x[threadIdx.x] = 0; }");
    assertThat(compile(kernel(cuda, "", "void relu(Launch launch, int n, Ptr<F32> x);")))
        .succeededWithoutWarnings();
  }

  @Test
  void aSpecialisationDefinesItsInstantiation() {
    List<String> cuda =
        List.of(
            "template <typename T> __global__ void fill(T* x, T v);",
            "template <> __global__ void fill<float>(float* x, float v) { x[threadIdx.x] = v; }");
    assertThat(
            compile(
                kernel(
                    cuda,
                    "",
                    "@Global(\"fill<float>\") void fill(Launch launch, Ptr<F32> x, float v);")))
        .succeededWithoutWarnings();
    assertOneError(
        kernel(
            cuda, "", "@Global(\"fill<double>\") void fill(Launch launch, Ptr<F64> x, double v);"),
        "[KernelUndefined] __global__ template 'fill' is declared but neither it nor a"
            + " specialisation for <double> is defined in this source",
        firstMemberLine(cuda));
  }
}
