package dev.kernelj.processor;

import static dev.kernelj.processor.Compilations.assertClean;
import static dev.kernelj.processor.Compilations.assertOneError;
import static dev.kernelj.processor.Compilations.firstMemberLine;
import static dev.kernelj.processor.Compilations.kernel;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Kernels in namespaces: recorded on each kernel and bound through C++ qualified name lookup, as
 * NVRTC and nvcc resolve the name expression; messages name kernels by their qualified names.
 */
class NamespaceBindingTest {
  private static final List<String> TWO_SCALES =
      List.of(
          "#include <cuda_fp16.h>",
          "namespace f32 {",
          "__global__ void scale(float* x, float a, int n) {}",
          "}",
          "namespace f16 {",
          "__global__ void scale(__half* x, float a, int n) {}",
          "}");

  @Test
  void sameNameInTwoNamespacesIsNoOverload() {
    assertClean(
        kernel(
            TWO_SCALES,
            "",
            "@Global(\"f32::scale\") void scaleF32(Launch launch, Ptr<F32> x, float a, int n);",
            "@Global(\"f16::scale\") void scaleF16(Launch launch, Ptr<F16> x, float a, int n);"));
  }

  @Test
  void aBareNameDoesNotFindANamespacedKernel() {
    assertOneError(
        kernel(TWO_SCALES, "", "void scale(Launch launch, Ptr<F32> x, float a, int n);"),
        "[KernelUnknownName] no __global__ function named 'scale' at global scope; did you mean"
            + " 'f32::scale' or 'f16::scale'? A kernel in a namespace is bound by its qualified"
            + " name, as in @Global(\"f32::scale\")",
        firstMemberLine(TWO_SCALES));
  }

  @Test
  void messagesQuoteTheNamespace() {
    assertOneError(
        kernel(
            TWO_SCALES,
            "",
            "@Global(\"f16::scale\") void scale(Launch launch, Ptr<F32> x, float a, int n);"),
        "[KernelPointerElement] parameter 1 'x' is Ptr<F32> in Java but __half* in CUDA: the"
            + " elements differ (F32 vs F16); declare Ptr<F16>. CUDA (line 6, in namespace f16):"
            + " __global__ void scale(__half* x, float a, int n)",
        firstMemberLine(TWO_SCALES));
  }

  @Test
  void nestedInlineAnonymousAndExternCNamespaces() {
    List<String> cuda =
        List.of(
            "namespace kj { namespace ops::v2 {",
            "__global__ void nested(float* x) {}",
            "} }",
            "namespace lib { inline namespace abi_1 {",
            "__global__ void versioned(float* x) {}",
            "} }",
            "namespace {",
            "__global__ void hidden(float* x) {}",
            "}",
            "namespace c_api {",
            "extern \"C\" __global__ void exported(float* x) {}",
            "}",
            "namespace kernels = kj::ops::v2;");
    assertClean(
        kernel(
            cuda,
            "",
            "@Global(\"kernels::nested\") void nested(Launch launch, Ptr<F32> x);",
            "@Global(\"lib::versioned\") void versioned(Launch launch, Ptr<F32> x);",
            "void hidden(Launch launch, Ptr<F32> x);",
            "@Global(\"::c_api::exported\") void exported(Launch launch, Ptr<F32> x);"));
  }

  @Test
  void usingDirectivesAndDeclarationsAreFollowed() {
    List<String> cuda =
        List.of(
            "namespace impl { __global__ void fill(float* x, float v) {} }",
            "namespace api { using impl::fill; }",
            "namespace more { __global__ void zero(float* x) {} }",
            "using namespace more;");
    assertClean(
        kernel(
            cuda,
            "",
            "@Global(\"api::fill\") void fill(Launch launch, Ptr<F32> x, float v);",
            "void zero(Launch launch, Ptr<F32> x);"));
  }

  @Test
  void aQualifiedDefinitionDefinesTheNamespacedDeclaration() {
    List<String> cuda =
        List.of(
            "namespace ops { __global__ void relu(float* x, int n); }",
            "__global__ void ops::relu(float* x, int n) {}");
    assertClean(
        kernel(cuda, "", "@Global(\"ops::relu\") void relu(Launch launch, Ptr<F32> x, int n);"));
  }

  @Test
  void typedefsOfEachNamespaceAreFollowed() {
    List<String> cuda =
        List.of(
            "#include <cuda_fp16.h>",
            "namespace f32 { typedef float real; __global__ void scale(real* x, real a) {} }",
            "namespace f16 { using real = __half; __global__ void scale(real* x, float a) {} }");
    assertClean(
        kernel(
            cuda,
            "",
            "@Global(\"f32::scale\") void scaleF32(Launch launch, Ptr<F32> x, float a);",
            "@Global(\"f16::scale\") void scaleF16(Launch launch, Ptr<F16> x, float a);"));
  }
}
