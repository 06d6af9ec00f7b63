package dev.kernelj.dsl.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Conditional groups, directives and what survives them, as nvcc's preprocessor decides. */
class PreprocessorTest {
  private static final CompileTarget SM80 =
      CompileTarget.nvcc(80, List.of(80), CudaVersion.DEFAULT, List.of());

  /** The live text after preprocessing, normalised to one line. */
  static String text(String source) {
    return text(source, SM80);
  }

  static String text(String source, CompileTarget target) {
    return TokenText.join(Preprocessor.run(source, target.macros()).tokens());
  }

  private static CudaParseException rejects(String source) {
    return assertThrows(CudaParseException.class, () -> text(source));
  }

  @Test
  void ifZeroAndOneChooseTheirBranch() {
    assertEquals(
        "b; c;",
        text(
            """
            #if 0
            a;
            #else
            b;
            #endif
            #if 1
            c;
            #endif
            """));
  }

  @Test
  void elifChainTakesTheFirstTrueBranchOnly() {
    String source =
        """
        #if X == 1
        one;
        #elif X == 2
        two;
        #elif X >= 2
        two_or_more;
        #else
        other;
        #endif
        """;
    assertEquals("other;", text(source));
    assertEquals("one;", text("#define X 1\n" + source));
    assertEquals("two;", text("#define X 2\n" + source));
    assertEquals("two_or_more;", text("#define X 7\n" + source));
  }

  @Test
  void ifdefIfndefElifdefAndDefinedOperator() {
    assertEquals(
        "a; c; e; g;",
        text(
            """
            #define A
            #ifdef A
            a;
            #endif
            #ifndef A
            b;
            #endif
            #if defined A && !defined(B)
            c;
            #endif
            #ifdef B
            d;
            #elifdef A
            e;
            #endif
            #ifdef B
            f;
            #elifndef B
            g;
            #endif
            """));
  }

  @Test
  void nestedGroupsInsideASkippedGroupAreNotEvaluated() {
    // 1 / 0 would be an error in a live group; in a skipped one it is never read.
    assertEquals(
        "live;",
        text(
            """
            #if 0
            #if 1 / 0
            dead;
            #elif garbage (
            #else
            dead_too;
            #endif
            #error not seen
            #unknown_directive
            it's prose with an apostrophe
            #endif
            live;
            """));
  }

  @Test
  void undefAndRedefine() {
    assertEquals(
        "2 N",
        text(
            """
            #define N 1
            #undef N
            #define N 2
            N
            #undef N
            N
            """));
  }

  @ParameterizedTest(name = "#if {0} -> {1}")
  @CsvSource(
      delimiterString = " => ",
      quoteCharacter = '`',
      value = {
        "1 + 2 * 3 == 7 => 1",
        "(1 + 2) * 3 == 9 => 1",
        "10 / 3 == 3 && 10 % 3 == 1 => 1",
        "-1 < 0 => 1",
        "-1 < 0u => 0",
        "0xFFFFFFFFFFFFFFFF == -1 => 1",
        "1 << 10 == 1024 => 1",
        "-16 >> 2 == -4 => 1",
        "(5 & 3) == 1 && (5 | 3) == 7 && (5 ^ 3) == 6 => 1",
        "~0 == -1 => 1",
        "!0 && !!5 => 1",
        "1 ? 2 : 3 == 2 => 1",
        "0 ? 1 / 0 : 1 => 1",
        "0 && 1 / 0 => 0",
        "1 || 1 / 0 => 1",
        "UNDEFINED_NAME == 0 => 1",
        "true && !false => 1",
        "'a' == 97 && '\\n' == 10 && '\\x41' == 65 => 1",
        "1'000'000 == 1000000 => 1",
        "0b1010 == 10 && 017 == 15 && 10ULL == 10 => 1",
        "(2, 3) == 3 => 1",
        "__CUDA_ARCH__ == 800 => 1",
        "__CUDACC_VER_MAJOR__ >= 12 => 1",
        "defined(__CUDACC__) && defined __NVCC__ && !defined(__CUDACC_RTC__) => 1",
        "__cplusplus >= 201703L => 1",
        "CUDART_VERSION == 13000 => 1",
        "__has_include(<cuda_fp16.h>) => 1",
        "__has_include(\"local.h\") => 0",
      })
  void integerExpressions(String expression, int expected) {
    assertEquals(expected == 1 ? "yes;" : "", text("#if " + expression + "\nyes;\n#endif\n"));
  }

  @Test
  void nvrtcPredefinesItsOwnMacros() {
    CompileTarget nvrtc = CompileTarget.nvrtc(90, CudaVersion.of(12, 8), List.of());
    assertEquals(
        "rtc 900 12;",
        text(
            """
            #if defined(__CUDACC_RTC__) && !defined(__NVCC__)
            rtc __CUDA_ARCH__ __CUDACC_VER_MAJOR__;
            #endif
            """,
            nvrtc));
  }

  @Test
  void optionsDefineAndUndefine() {
    CompileTarget target =
        CompileTarget.nvcc(
            90,
            List.of(90),
            CudaVersion.DEFAULT,
            List.of("-DA", "-D", "B=2", "--define-macro=C(x)=x+1", "-UA", "-std=c++20", "-G"));
    assertEquals(
        "defined_A_is 0 2 5 + 1 202002L 1",
        text(
            """
            defined_A_is
            #ifdef A
            1
            #else
            0
            #endif
            B C(5) __cplusplus __CUDACC_DEBUG__
            """,
            target));
  }

  @Test
  void commentsAndSplicesInsideDirectives() {
    assertEquals(
        "x = 1 + 2;",
        text(
            """
            #define ONE /* a comment in a directive,
                           spanning lines */ 1
            #define TWO \\
              2 // a line comment
            #if ONE + TWO == 3 /* comment */
            x = ONE + TWO;
            #endif
            """));
  }

  @Test
  void tokensKeepTheirPhysicalLines() {
    List<CudaToken> tokens =
        Preprocessor.run(
                """
                #if 1
                /* two
                   lines */ a
                b \\
                c
                #endif
                """,
                SM80.macros())
            .tokens();
    assertEquals(List.of(3, 4, 5), tokens.stream().map(CudaToken::line).toList());
  }

  @Test
  void skippedKernelsAreRemembered() {
    CudaSource s =
        CudaSource.parse(
            """
            #if 0
            __global__ void old(float* x) {}
            #endif
            __global__ void current(float* x) {}
            """);
    assertEquals(List.of("current"), s.kernels().stream().map(CudaKernel::name).toList());
    assertEquals(List.of(new SkippedKernel("old", 2, 1, "#if 0")), s.skippedKernels());
  }

  @Test
  void errorInLiveCodeStopsTheSource() {
    CudaParseException e = rejects("#ifndef X\n#error X is required, isn't it?\n#endif\n");
    assertEquals(2, e.line());
    assertEquals("line 2: #error X is required, isn't it?", e.getMessage());
  }

  @Test
  void unbalancedGroupsAreRejected() {
    assertEquals(
        "line 2: #if/#ifdef/#ifndef at line 2 is never closed by #endif",
        rejects("a;\n#ifdef X\nb;\n").getMessage());
    assertEquals("line 1: #endif without #if", rejects("#endif\n").getMessage());
    assertEquals("line 1: #else without #if", rejects("#else\n").getMessage());
    assertEquals(
        "line 3: #else after #else", rejects("#if 1\n#else\n#else\n#endif\n").getMessage());
    assertEquals(
        "line 3: #elif after #else", rejects("#if 0\n#else\n#elif 1\n#endif\n").getMessage());
  }

  @Test
  void malformedConditionsAndDirectivesAreRejected() {
    assertEquals("line 1: #if with no expression", rejects("#if\n#endif\n").getMessage());
    assertEquals(
        "line 1: #if expression: division by zero", rejects("#if 1 / 0\n#endif\n").getMessage());
    assertEquals(
        "line 1: #if expression: floating constant '1.5' in a preprocessor expression",
        rejects("#if 1.5\n#endif\n").getMessage());
    assertEquals(
        "line 1: #if expression: expected ')' at the end",
        rejects("#if (1 + 2\n#endif\n").getMessage());
    assertEquals(
        "line 1: 'defined' must be followed by a macro name",
        rejects("#if defined\n#endif\n").getMessage());
    assertEquals(
        "line 1: invalid preprocessing directive #frobnicate",
        rejects("#frobnicate\n").getMessage());
  }

  @Test
  void headersStayOpaque() {
    assertEquals(
        "__half x;",
        text("#include <cuda_fp16.h>\n#include \"mine.cuh\"\n#pragma once\n__half x;\n"));
  }
}
