package dev.kernelj.dsl.cuda;

import static dev.kernelj.dsl.cuda.PreprocessorTest.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Macro replacement as the C++ standard and GCC define it. */
class MacroExpanderTest {
  @Test
  void objectAndFunctionLikeMacros() {
    assertEquals(
        "((3)* (3)) + 256",
        text("#define BLOCK 256\n#define SQUARE(x) ((x) * (x))\nSQUARE(3) + BLOCK\n"));
  }

  @Test
  void aSpaceBeforeTheParenthesisMakesAnObjectLikeMacro() {
    assertEquals("(x) x + 1", text("#define F (x) x + 1\nF\n"));
  }

  @Test
  void functionLikeNameWithoutArgumentsStaysAsItIs() {
    assertEquals("int F = 2;", text("#define F(x) x\nint F = 2;\n"));
  }

  @Test
  void argumentsAreExpandedBeforeSubstitutionButNotForHashOrPaste() {
    assertEquals(
        "\"N\" 16 N_x",
        text(
            "#define N 16\n#define STR(x) #x\n#define VAL(x) x\n#define CAT(a, b) a##b\n"
                + "STR(N) VAL(N) CAT(N, _x)\n"));
  }

  @Test
  void stringificationEscapesQuotesAndFoldsSpace() {
    assertEquals(
        "\"a + \\\"q\\\" '\\\\n'\"", text("#define S(x) #x\nS(  a   +  \"q\"   '\\n'  )\n"));
  }

  @Test
  void pastingBuildsNamesAndNumbersWithPlacemarkers() {
    assertEquals(
        "kernel_f32 kernel_ 12 x",
        text("#define CAT(a, b) a ## b\nCAT(kernel_, f32) CAT(kernel_, ) CAT(1, 2) CAT(, x)\n"));
  }

  @Test
  void invalidPasteIsRejected() {
    CudaParseException e =
        assertThrows(CudaParseException.class, () -> text("#define CAT(a, b) a##b\nCAT(x, +)\n"));
    assertEquals(
        "line 2: pasting \"x\" and \"+\" in macro CAT does not give a valid preprocessing token",
        e.getMessage());
  }

  @Test
  void variadicMacrosVaOptAndTheGnuComma() {
    assertEquals(
        "f(1, 2, 3) f(1) g(1, 2) g(1) h(a, b)",
        text(
            """
            #define CALL(fn, ...) fn(__VA_ARGS__)
            #define OPT(x, ...) g(x __VA_OPT__(,) __VA_ARGS__)
            #define GNU(x, args...) h(x, ## args)
            CALL(f, 1, 2, 3) CALL(f, 1) OPT(1, 2) OPT(1) GNU(a, b)
            """));
    assertEquals("h(a)", text("#define GNU(x, ...) h(x, ## __VA_ARGS__)\nGNU(a)\n"));
  }

  @Test
  void aMacroDoesNotExpandInsideItsOwnExpansion() {
    assertEquals(
        "foo + 1 bar(bar(2))",
        text("#define foo foo + 1\n#define bar(x) bar(x)\nfoo bar(bar(2))\n"));
  }

  @Test
  void rescanningTakesArgumentsFromTheTextThatFollows() {
    assertEquals("(2 + 1)", text("#define INC(x) (x + 1)\n#define APPLY INC\nAPPLY(2)\n"));
  }

  @Test
  void argumentsMaySpanLinesAndHoldDirectives() {
    assertEquals(
        "__global__ void k(float* x, int n)",
        text(
            """
            #define DECL(...) __global__ void k(__VA_ARGS__)
            DECL(float* x,
            #if 1
                 int n
            #else
                 long n
            #endif
            )
            """));
  }

  @Test
  void commasInsideParenthesesDoNotSplitArguments() {
    assertEquals("g((a, b), c)", text("#define F(x, y) g(x, y)\nF((a, b), c)\n"));
  }

  @Test
  void wrongArgumentCountsAreRejected() {
    assertEquals(
        "line 2: macro F takes 2 arguments but 1 is given",
        assertThrows(CudaParseException.class, () -> text("#define F(a, b) a\nF(1)\n"))
            .getMessage());
    assertEquals(
        "line 2: unterminated argument list invoking macro F",
        assertThrows(CudaParseException.class, () -> text("#define F(a) a\nF(1\n")).getMessage());
  }

  @Test
  void dynamicMacrosAndPragmaOperator() {
    assertEquals(
        "3 \"kernel.cu\" 0 1 x",
        text(
            "#define UNROLL _Pragma(\"unroll\")\n\n__LINE__ __FILE__ __COUNTER__ __COUNTER__ UNROLL"
                + " x\n"));
  }

  @Test
  void aKernelFromAMacroCarriesTheMacroAndTheInvocationLine() {
    CudaSource s =
        CudaSource.parse(
            """
            #define KERNEL(name, T) \\
              extern "C" __global__ void name(T* x, int n) { }
            KERNEL(scale_f32, float)
            KERNEL(scale_f64, double)
            """);
    List<CudaKernel> ks = s.kernels();
    assertEquals(List.of("scale_f32", "scale_f64"), ks.stream().map(CudaKernel::name).toList());
    assertEquals(List.of(3, 4), ks.stream().map(CudaKernel::line).toList());
    assertEquals("KERNEL", ks.get(0).macro());
    assertEquals(
        "extern \"C\" __global__ void scale_f64(double* x, int n)", ks.get(1).declaration());
  }

  @Test
  void macrosThisSourceDoesNotDefineAreRemembered() {
    CudaSource s =
        CudaSource.parse(
            """
            #include "common.cuh"
            DEFINE_KERNELS(float)
            INSTANTIATE(scale, half);
            __global__ void k(KJ_ARGS(float)) {}
            __global__ void NAME_OF(j)(float* x) {}
            """);
    assertEquals(
        List.of("DEFINE_KERNELS", "INSTANTIATE", "NAME_OF"),
        s.hiddenMacros().stream().map(MacroUse::name).toList());
    assertEquals(List.of("scale", "half"), s.hiddenMacros().get(1).arguments());
    assertEquals(List.of("KJ_ARGS"), s.kernels().get(0).hiddenMacros());
  }
}
