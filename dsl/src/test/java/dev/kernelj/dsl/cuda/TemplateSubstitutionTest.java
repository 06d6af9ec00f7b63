package dev.kernelj.dsl.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class TemplateSubstitutionTest {
  private static CudaKernel kernel(String source) {
    return CudaSource.parse(source).kernels().get(0);
  }

  private static List<String> spelled(List<CudaParam> params) {
    return params.stream().map(CudaParam::toString).toList();
  }

  @Test
  void typeArgumentsReplaceTheirParameter() {
    CudaKernel k =
        kernel(
            "template <typename T, int B> __global__ void f(const T* __restrict__ x, T* y, T a, int n) {}");
    List<CudaParam> params = k.paramsFor(List.of("float", "128"));
    assertEquals(List.of("const float* x", "float* y", "float a", "int n"), spelled(params));
    assertEquals(true, params.get(0).type().restrict());
  }

  /** A type pack's parameter becomes one parameter per argument of the pack. */
  @Test
  void aTypePackExpandsIntoOneParameterPerArgument() {
    CudaKernel k = kernel("template <typename... Ts> __global__ void k(int n, Ts... args) {}");
    assertEquals(
        List.of("int n", "float args[0]", "int args[1]"),
        spelled(k.paramsFor(List.of("float", "int"))));
    CudaKernel pointers =
        kernel(
            "template <typename T, typename... Ts> __global__ void k(T* out, const Ts*... in) {}");
    assertEquals(
        List.of("float* out", "const float* in[0]", "const double* in[1]"),
        spelled(pointers.paramsFor(List.of("float", "float", "double"))));
    assertEquals(List.of("float* out"), spelled(pointers.paramsFor(List.of("float"))));
  }

  @Test
  void qualifiedAndPointerArguments() {
    CudaKernel k = kernel("template <class T> __global__ void f(T* x, T a) {}");
    assertEquals(
        List.of("const float* x", "const float a"), spelled(k.paramsFor(List.of("const float"))));
    assertEquals(List.of("int** x", "int* a"), spelled(k.paramsFor(List.of("int*"))));
    assertEquals(
        List.of("unsigned int* x", "unsigned int a"),
        spelled(k.paramsFor(List.of("unsigned int"))));
  }

  @Test
  void defaultsFillMissingArgumentsAndMayNameEarlierParameters() {
    CudaKernel k =
        kernel(
            "template <typename T, typename Acc = T, int B = 256> __global__ void f(const T* x, Acc* sum) {}");
    assertEquals(
        List.of("const __half* x", "__half* sum"), spelled(k.paramsFor(List.of("__half"))));
    assertEquals(
        List.of("const __half* x", "float* sum"), spelled(k.paramsFor(List.of("__half", "float"))));
  }

  @Test
  void typesThatOnlyMentionAParameterStayAsWritten() {
    CudaKernel k = kernel("template <typename T> __global__ void f(Vec<T> v, T* x) {}");
    assertEquals(List.of("Vec<T> v", "double* x"), spelled(k.paramsFor(List.of("double"))));
  }

  @Test
  void anArgumentThatIsNoTypeStaysAsWritten() {
    CudaKernel k = kernel("template <typename T> __global__ void f(T* x) {}");
    assertEquals(List.of("\"oops** x"), spelled(k.paramsFor(List.of("\"oops*"))));
  }

  @Test
  void tooManyArgumentsIsAnError() {
    CudaKernel k = kernel("template <typename T> __global__ void f(T* x) {}");
    assertThrows(IllegalArgumentException.class, () -> k.paramsFor(List.of("float", "int")));
  }
}
