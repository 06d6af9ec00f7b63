package dev.kernelj.dsl.check;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.cuda.CudaSource;
import dev.kernelj.dsl.cuda.NameExpression;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The checker on kernels of the parser corpus, bound the way a user of those libraries would bind
 * them.
 */
class CorpusBindingTest {
  private static CudaSource corpus(String file) throws IOException {
    try (InputStream in = CorpusBindingTest.class.getResourceAsStream("/corpus/" + file)) {
      return CudaSource.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  private static List<Diagnostic> diagnostics(CudaSource src, String binding, JavaParam... params) {
    return SignatureCheck.check(List.of(params), NameExpression.parse(binding), src)
        .problems()
        .stream()
        .map(Problem::diagnostic)
        .toList();
  }

  private static JavaParam s(DType t) {
    return new JavaParam.Scalar(t);
  }

  private static JavaParam w(DType t) {
    return new JavaParam.Pointer(t, true);
  }

  private static JavaParam r(DType t) {
    return new JavaParam.Pointer(t, false);
  }

  @Test
  void cudaSamplesVectorAdd() throws IOException {
    CudaSource src = corpus("cuda_samples_style.cu");
    assertEquals(
        List.of(),
        diagnostics(src, "vectorAdd", r(DType.F32), r(DType.F32), w(DType.F32), s(DType.I32)));
    assertEquals(
        List.of(Diagnostic.TEMPLATE),
        diagnostics(
            src,
            "MatrixMulCUDA",
            w(DType.F32),
            w(DType.F32),
            w(DType.F32),
            s(DType.I32),
            s(DType.I32)));
    assertEquals(
        List.of(),
        diagnostics(
            src,
            "MatrixMulCUDA<32>",
            w(DType.F32),
            w(DType.F32),
            w(DType.F32),
            s(DType.I32),
            s(DType.I32)));
  }

  @Test
  void vllmRmsNormInstantiatedForBf16() throws IOException {
    CudaSource src = corpus("vllm_flash_attention_style.cu");
    assertEquals(
        List.of(),
        diagnostics(
            src,
            "vllm::rms_norm_kernel<__nv_bfloat16>",
            w(DType.BF16),
            r(DType.BF16),
            s(DType.I64),
            r(DType.BF16),
            s(DType.F32),
            s(DType.I32),
            s(DType.I32)));
    assertEquals(
        List.of(Diagnostic.POINTER_ELEMENT, Diagnostic.POINTER_ELEMENT, Diagnostic.POINTER_ELEMENT),
        diagnostics(
            src,
            "vllm::rms_norm_kernel<__half>",
            w(DType.BF16),
            r(DType.BF16),
            s(DType.I64),
            r(DType.BF16),
            s(DType.F32),
            s(DType.I32),
            s(DType.I32)));
    assertEquals(
        List.of(Diagnostic.UNSUPPORTED_TYPE),
        diagnostics(
            src,
            "flash::flash_fwd_kernel<Kernel_traits_fwd<__half>, false, true, false, false, true, true,"
                + " false, false>",
            s(DType.I64)));
  }

  @Test
  void edgeCases() throws IOException {
    CudaSource src = corpus("cutlass_and_edge_cases.cu");
    assertEquals(
        List.of(Diagnostic.OVERLOAD), diagnostics(src, "overloaded", w(DType.F32), s(DType.I32)));
    assertEquals(
        List.of(), diagnostics(src, "scale<float>", w(DType.F32), s(DType.F32), s(DType.I64)));
    // outer::v1 is an inline namespace: outer::in_nested_namespace finds it, as C++ lookup does.
    assertEquals(
        List.of(),
        diagnostics(src, "outer::in_nested_namespace", w(DType.U8), r(DType.U8), s(DType.I64)));
    assertEquals(
        List.of(Diagnostic.UNKNOWN_NAME),
        diagnostics(src, "in_nested_namespace", w(DType.U8), r(DType.U8), s(DType.I64)));
    assertEquals(
        List.of(Diagnostic.UNSUPPORTED_TYPE),
        diagnostics(src, "pointer_to_pointer", r(DType.F32), w(DType.F32), s(DType.I32)));
    assertEquals(
        List.of(Diagnostic.UNSUPPORTED_TYPE, Diagnostic.UNSUPPORTED_TYPE),
        diagnostics(src, "half_args", r(DType.F16), w(DType.F16), s(DType.F32), s(DType.F32)));
    assertEquals(
        List.of(),
        diagnostics(
            src,
            "all_the_ints",
            s(DType.I8),
            s(DType.I8),
            s(DType.U8),
            s(DType.I16),
            s(DType.I16),
            s(DType.U16),
            s(DType.I32),
            s(DType.I32),
            s(DType.U32),
            s(DType.I64),
            s(DType.I64),
            s(DType.U64),
            s(DType.I8),
            s(DType.U64),
            s(DType.BOOL)));
  }
}
