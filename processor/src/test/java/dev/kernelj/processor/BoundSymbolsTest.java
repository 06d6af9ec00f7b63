package dev.kernelj.processor;

import static com.google.common.truth.Truth.assertThat;

import dev.kernelj.dsl.check.Diagnostic;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What nvcc's PTX says about each binding, read without a compiler from PTX text. */
class BoundSymbolsTest {
  private static final String PREFIX = "__kernelj_sym_";

  private static KernelMethodModel method(String name, String expression, Optional<String> c) {
    return new KernelMethodModel(name, "launch", expression, c, List.of(), 0, 0);
  }

  private static KernelInterfaceModel model(KernelMethodModel... methods) {
    return new KernelInterfaceModel(
        "test", List.of("K"), "/* cuda */", "00", List.of(), List.of(methods));
  }

  private static String ptx(String... lines) {
    return String.join("\n", lines) + "\n";
  }

  @Test
  void entriesAreDefinitionsNotExternDeclarations() {
    String text =
        ptx(
            ".extern .entry _Z1uPf(",
            ".visible .entry saxpy(",
            "\t.entry _ZN12_GLOBAL__N_14anonEPf(",
            ".weak .entry _Z5scaleIfEvPT_S0_i(");
    assertThat(PtxSymbols.entries(text))
        .containsExactly("saxpy", "_ZN12_GLOBAL__N_14anonEPf", "_Z5scaleIfEvPT_S0_i")
        .inOrder();
  }

  @Test
  void symbolsComeFromTheMarkersAndMustBeDefined() {
    KernelMethodModel c = method("saxpy", "saxpy", Optional.of("saxpy"));
    KernelMethodModel cpp = method("scale", "ns::scale", Optional.empty());
    String arch80 =
        ptx(
            ".global .align 8 .u64 __kernelj_sym_0 = _ZN2ns5scaleEPf;",
            ".visible .entry saxpy(",
            ".visible .entry _ZN2ns5scaleEPf(");
    Map<Integer, String> ptx = Map.of(80, arch80, 90, arch80);
    BoundSymbols.Result r = BoundSymbols.check(model(c, cpp), List.of(cpp), ptx, ptx, PREFIX);
    assertThat(r.problem()).isEmpty();
    assertThat(r.lowered()).containsExactly("saxpy", "saxpy", "ns::scale", "_ZN2ns5scaleEPf");
  }

  @Test
  void aBoundKernelMissingFromEveryArchitectureIsUndefined() {
    KernelMethodModel c = method("saxpy", "saxpy", Optional.of("saxpy"));
    BoundSymbols.Result r =
        BoundSymbols.check(
            model(c), List.of(), Map.of(), Map.of(80, ptx(".visible .entry other(")), PREFIX);
    assertThat(r.problem()).isPresent();
    assertThat(r.problem().get().diagnostic()).isEqualTo(Diagnostic.UNDEFINED);
    assertThat(r.problem().get().message())
        .isEqualTo(
            "nvcc compiled the CUDA C of test.K for sm_80, but its output has no kernel saxpy for"
                + " 'saxpy' (bound by test.K.saxpy): the declaration has no body nvcc compiled"
                + " (none at all, or one in a preprocessor branch nvcc skips); define the kernel in"
                + " this source");
  }

  @Test
  void aSymbolThatDiffersBetweenArchitecturesIsAnArchProblem() {
    KernelMethodModel cpp = method("scale", "scale", Optional.empty());
    BoundSymbols.Result r =
        BoundSymbols.check(
            model(cpp),
            List.of(cpp),
            new java.util.TreeMap<>(
                Map.of(
                    80, ptx(".global .align 8 .u64 __kernelj_sym_0 = _Z5scalePf;"),
                    90, ptx(".global .align 8 .u64 __kernelj_sym_0 = _Z5scaleP6__half;"))),
            Map.of(),
            PREFIX);
    assertThat(r.problem().get().diagnostic()).isEqualTo(Diagnostic.ARCH);
    assertThat(r.problem().get().message())
        .startsWith(
            "nvcc gives 'scale' (bound by test.K.scale) a different symbol for each architecture"
                + " (sm_80: _Z5scalePf, sm_90: _Z5scaleP6__half)");
  }

  @Test
  void anAnonymousNamespaceIsMatchedAcrossTheTwoCompiles() {
    KernelMethodModel cpp = method("hidden", "hidden", Optional.empty());
    String markers =
        ptx(
            ".global .align 8 .u64 __kernelj_sym_0 ="
                + " _ZN50_GLOBAL__N__ea592fec_17_Spaces_symbols_cu_79bdb2ee6hiddenEPi;");
    String entries =
        ptx(
            ".visible .entry _ZN41_GLOBAL__N__0b1c2d3e_9_Spaces_cu_a1b2c3d46hiddenEPi(",
            ".visible .entry _ZN41_GLOBAL__N__0b1c2d3e_9_Spaces_cu_a1b2c3d46otherEPi(");
    BoundSymbols.Result r =
        BoundSymbols.check(
            model(cpp), List.of(cpp), Map.of(80, markers), Map.of(80, entries), PREFIX);
    assertThat(r.problem()).isEmpty();
    assertThat(r.lowered())
        .containsExactly("hidden", "_ZN41_GLOBAL__N__0b1c2d3e_9_Spaces_cu_a1b2c3d46hiddenEPi");
  }
}
