package dev.kernelj.dsl.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Parses the corpus of real-world-style CUDA files under {@code corpus/} and compares every kernel
 * with the expectation written above its declaration as a {@code //>} line: {@code name | extern
 * "C" (yes/no) | __launch_bounds__ | template parameters | parameters}. The corpus files are plain
 * CUDA C++ that nvcc compiles (checked when they were written).
 */
class CorpusTest {
  private static final List<String> FILES =
      List.of(
          "cuda_samples_style.cu",
          "llama_cpp_style.cu",
          "vllm_flash_attention_style.cu",
          "cutlass_and_edge_cases.cu");

  /** One {@code //>} line and where it stands. */
  record Expectation(
      int line,
      String name,
      boolean externC,
      int launchBounds,
      String templateParams,
      String params) {
    static Expectation parse(int line, String text) {
      String[] f = text.substring(3).split("\\|", -1);
      if (f.length != 5) {
        throw new IllegalArgumentException(
            "line " + line + ": an expectation has 5 fields separated by '|': " + text);
      }
      return new Expectation(
          line,
          f[0].trim(),
          f[1].trim().equals("yes"),
          Integer.parseInt(f[2].trim()),
          f[3].trim(),
          f[4].trim());
    }
  }

  static Stream<String> files() {
    return FILES.stream();
  }

  private static String read(String file) throws IOException {
    try (InputStream in = CorpusTest.class.getResourceAsStream("/corpus/" + file)) {
      if (in == null) {
        throw new IOException("corpus file missing from test resources: " + file);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static List<Expectation> expectations(String source) {
    List<Expectation> out = new ArrayList<>();
    String[] lines = source.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].startsWith("//>")) {
        out.add(Expectation.parse(i + 1, lines[i]));
      }
    }
    return out;
  }

  /**
   * {@code const float* __restrict__ x}: the parse written back with every field the corpus checks.
   */
  static String spell(CudaParam p) {
    CudaType t = p.type();
    return t + (t.restrict() ? " __restrict__" : "") + (p.name().isEmpty() ? "" : " " + p.name());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("files")
  void everyKernelMatchesItsExpectation(String file) throws IOException {
    String source = read(file);
    List<Expectation> expected = expectations(source);
    List<CudaKernel> kernels = CudaSource.parse(source).kernels();
    assertEquals(
        expected.stream().map(Expectation::name).toList(),
        kernels.stream().map(CudaKernel::name).toList(),
        file + ": kernel names in order");
    for (int i = 0; i < kernels.size(); i++) {
      Expectation e = expected.get(i);
      CudaKernel k = kernels.get(i);
      String where = file + ":" + e.line() + " " + e.name();
      assertEquals(e.externC(), k.externC(), where + " extern \"C\"");
      assertEquals(e.launchBounds(), k.launchBoundsMaxThreads(), where + " __launch_bounds__");
      String tparams =
          k.isTemplate()
              ? k.templateParams().stream()
                  .map(TemplateParam::toString)
                  .collect(Collectors.joining(", "))
              : "-";
      assertEquals(e.templateParams(), tparams, where + " template parameters");
      String params =
          k.params().isEmpty()
              ? "-"
              : k.params().stream().map(CorpusTest::spell).collect(Collectors.joining(", "));
      assertEquals(e.params(), params, where + " parameters");
      int nextExpectation =
          i + 1 < expected.size() ? expected.get(i + 1).line() : Integer.MAX_VALUE;
      assertTrue(
          k.line() > e.line() && k.line() < nextExpectation,
          where + ": declaration line " + k.line() + " should follow its expectation line");
      assertTrue(
          k.declaration().contains(k.name() + "("),
          where + ": declaration text " + k.declaration());
      assertTrue(
          !k.declaration().contains("//")
              && !k.declaration().contains("/*")
              && !k.declaration().contains("\n"),
          where + ": declaration text is one line without comments: " + k.declaration());
    }
  }

  @Test
  void corpusHoldsAtLeastFortyDeclarations() throws IOException {
    int total = 0;
    for (String file : FILES) {
      total += CudaSource.parse(read(file)).kernels().size();
    }
    assertTrue(total >= 40, "corpus has only " + total + " kernels");
  }

  @Test
  void declarationTextOfAMultiLineKernelIsNormalised() throws IOException {
    CudaKernel k =
        CudaSource.parse(read("vllm_flash_attention_style.cu")).named("rms_norm_kernel").get(0);
    assertEquals(
        "template <typename scalar_t> __global__ void rms_norm_kernel(scalar_t* __restrict__ out,"
            + " const scalar_t* __restrict__ input, const int64_t input_stride, const scalar_t* __restrict__ weight,"
            + " const float epsilon, const int num_tokens, const int hidden_size)",
        k.declaration());
  }
}
