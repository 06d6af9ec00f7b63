package dev.kernelj.processor;

import static com.google.common.truth.Truth.assertThat;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.check.Diagnostic;
import dev.kernelj.dsl.check.JavaParam;
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

  /** PTX of an entry {@code symbol} taking {@code params} ({@code .u64}, {@code .f32}, ...). */
  private static String entry(String symbol, String... params) {
    StringBuilder text = new StringBuilder(".visible .entry " + symbol + "(\n");
    for (int i = 0; i < params.length; i++) {
      text.append("\t.param ").append(params[i].replace("NAME", symbol + "_param_" + i));
      text.append(i + 1 < params.length ? ",\n" : "\n");
    }
    return text.append(")\n{\n\tret;\n}\n").toString();
  }

  private static KernelMethodModel method(String name, Optional<String> c, JavaParam... params) {
    List<KernelParamModel> models = new java.util.ArrayList<>();
    for (int i = 0; i < params.length; i++) {
      models.add(new KernelParamModel("p" + i, params[i], 0, 0));
    }
    return new KernelMethodModel(name, "launch", name, c, models, 0, 0);
  }

  @Test
  void ptxParametersAreReadWithTheirKindAndSize() {
    String text =
        ".extern .entry k(\n\t.param .u32 k_param_0\n)\n"
            + entry(
                "k",
                ".u64 NAME",
                ".u64 .ptr .global .align 4 NAME",
                ".f32 NAME",
                ".s32 NAME",
                ".u8 NAME",
                ".align 2 .b8 NAME[2]",
                ".f64 NAME");
    assertThat(PtxParams.of(text, "k").orElseThrow())
        .containsExactly(
            new PtxParams.Param(PtxParams.Kind.INTEGER, 8),
            new PtxParams.Param(PtxParams.Kind.INTEGER, 8),
            new PtxParams.Param(PtxParams.Kind.FLOAT, 4),
            new PtxParams.Param(PtxParams.Kind.INTEGER, 4),
            new PtxParams.Param(PtxParams.Kind.INTEGER, 1),
            new PtxParams.Param(PtxParams.Kind.BYTES, 2),
            new PtxParams.Param(PtxParams.Kind.FLOAT, 8))
        .inOrder();
    assertThat(PtxParams.of(text, "other")).isEmpty();
    assertThat(PtxParams.of(entry("none"), "none").orElseThrow()).isEmpty();
  }

  /**
   * The checker read {@code k(float* x, int a)} but nvcc compiled {@code k(float* x, float a)} (a
   * condition the two evaluate differently): the launch would pass an int where the kernel reads a
   * float.
   */
  @Test
  void parametersNvccCompiledDifferentlyAreAnError() {
    JavaParam ptr = new JavaParam.Pointer(DType.F32, true);
    KernelMethodModel k = method("k", Optional.of("k"), ptr, new JavaParam.Scalar(DType.I32));
    Map<Integer, String> ptx = Map.of(90, entry("k", ".u64 NAME", ".f32 NAME"));
    BoundSymbols.Result r = BoundSymbols.check(model(k), List.of(), Map.of(), ptx, PREFIX);
    assertThat(r.problem().get().diagnostic()).isEqualTo(Diagnostic.COMPILED_PARAMS);
    assertThat(r.problem().get().message())
        .startsWith(
            "nvcc compiled 'k' (bound by test.K.k) for sm_90 with other parameters than the"
                + " declaration KernelJ checked: parameter 2 ('p1') is int in Java, but the"
                + " compiled kernel takes a 32-bit float.");

    Map<Integer, String> fewer = Map.of(90, entry("k", ".u64 NAME"));
    assertThat(BoundSymbols.mismatch(k, PtxParams.of(fewer.get(90), "k").orElseThrow()))
        .hasValue("its kernel takes 1 parameter, but the Java method passes 2");

    // Every Java type against what nvcc makes of its CUDA twin.
    KernelMethodModel all =
        method(
            "all",
            Optional.of("all"),
            ptr,
            new JavaParam.Pointer(DType.BF16, false),
            new JavaParam.Scalar(DType.U32),
            new JavaParam.Scalar(DType.I64),
            new JavaParam.Scalar(DType.F64),
            new JavaParam.Scalar(DType.BOOL),
            new JavaParam.Scalar(DType.I16),
            new JavaParam.Scalar(DType.F16));
    String fits =
        entry(
            "all",
            ".u64 NAME",
            ".u64 NAME",
            ".u32 NAME",
            ".u64 NAME",
            ".f64 NAME",
            ".u8 NAME",
            ".u16 NAME",
            ".align 2 .b8 NAME[2]");
    assertThat(
            BoundSymbols.check(model(all), List.of(), Map.of(), Map.of(80, fits), PREFIX).problem())
        .isEmpty();
    String longForDouble = fits.replace(".f64", ".u64");
    assertThat(
            BoundSymbols.check(model(all), List.of(), Map.of(), Map.of(80, longForDouble), PREFIX)
                .problem()
                .get()
                .message())
        .contains(
            "parameter 5 ('p4') is double in Java, but the compiled kernel takes a 64-bit"
                + " integer or pointer");
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
