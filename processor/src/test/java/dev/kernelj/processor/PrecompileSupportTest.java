package dev.kernelj.processor;

import static com.google.common.truth.Truth.assertThat;
import static dev.kernelj.processor.Compilations.compileWith;
import static dev.kernelj.processor.Compilations.kernel;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.CompilationSubject;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pieces around nvcc that need no compiler: options, locating, PTX symbols, error quoting,
 * properties.
 */
class PrecompileSupportTest {
  @Test
  void optionsDefaultAndParse() {
    ProcessorOptions defaults = ProcessorOptions.parse(Map.of());
    assertThat(defaults.precompile()).isTrue();
    assertThat(defaults.archs()).containsExactly(80, 90).inOrder();
    assertThat(defaults.nvcc()).isEmpty();

    ProcessorOptions custom =
        ProcessorOptions.parse(
            Map.of(
                "kernelj.archs",
                "90, 86,80,90",
                "kernelj.precompile",
                "off",
                "kernelj.nvcc",
                "/opt/nvcc"));
    assertThat(custom.archs()).containsExactly(80, 86, 90).inOrder();
    assertThat(custom.precompile()).isFalse();
    assertThat(custom.nvcc()).hasValue("/opt/nvcc");
  }

  @Test
  void malformedOptionsAreExplained() {
    IllegalArgumentException archs =
        assertThrows(
            IllegalArgumentException.class,
            () -> ProcessorOptions.parse(Map.of("kernelj.archs", "sm_90")));
    assertThat(archs)
        .hasMessageThat()
        .isEqualTo(
            "-Akernelj.archs=sm_90 must list compute capabilities as two or"
                + " three digits, for example 80,90 (got \"sm_90\")");
    IllegalArgumentException precompile =
        assertThrows(
            IllegalArgumentException.class,
            () -> ProcessorOptions.parse(Map.of("kernelj.precompile", "no")));
    assertThat(precompile).hasMessageThat().isEqualTo("-Akernelj.precompile=no must be on or off");
  }

  @Test
  void malformedOptionFailsTheCompilationWithOneError() {
    Compilation compilation =
        compileWith(
            List.of("-Akernelj.archs=x"),
            kernel("extern \"C\" __global__ void f(int n) {}", "void f(Launch launch, int n);"));
    CompilationSubject.assertThat(compilation).hadErrorCount(1);
    CompilationSubject.assertThat(compilation)
        .hadErrorContaining("[KernelCompile] -Akernelj.archs=x must list");
  }

  @Test
  void locatorTriesOptionThenEnvironmentThenPathThenWellKnown(@TempDir Path dir)
      throws IOException {
    Path onPath = executable(dir.resolve("bin/nvcc"));
    Path fromEnv = executable(dir.resolve("env/nvcc"));
    Path missing = dir.resolve("missing/nvcc");
    Map<String, String> env =
        Map.of(
            "PATH",
            dir.resolve("none") + ":" + dir.resolve("bin"),
            "KERNELJ_NVCC",
            fromEnv.toString());

    NvccLocator.Found found = NvccLocator.locate(Optional.of(missing.toString()), env, List.of());
    assertThat(found.nvcc()).hasValue(fromEnv);
    assertThat(found.tried().get(0)).isEqualTo("-Akernelj.nvcc=" + missing);
    assertThat(found.tried().get(1)).isEqualTo("KERNELJ_NVCC=" + fromEnv);

    assertThat(
            NvccLocator.locate(
                    Optional.empty(), Map.of("PATH", dir.resolve("bin").toString()), List.of())
                .nvcc())
        .hasValue(onPath);
    NvccLocator.Found none = NvccLocator.locate(Optional.empty(), Map.of(), List.of(missing));
    assertThat(none.nvcc()).isEmpty();
    assertThat(none.tried()).containsExactly(missing.toString());
  }

  private static Path executable(Path path) throws IOException {
    Files.createDirectories(path.getParent());
    Files.writeString(path, "#!/bin/sh\n");
    assertThat(path.toFile().setExecutable(true)).isTrue();
    return path;
  }

  @Test
  void ptxSymbolsAreReadFromMarkerInitializers() {
    String ptx =
        """
        .visible .entry _Z5scaleIfEvPT_S0_i(
        .global .align 8 .u64 __kernelj_sym_0 = _Z5scaleIfEvPT_S0_i;
        .global .align 8 .u64 __kernelj_sym_1 = _Z7cppkernPf;
        .global .align 8 .u64 other = _Z1fv;
        """;
    assertThat(PtxSymbols.read(ptx, "__kernelj_sym_"))
        .containsExactly(0, "_Z5scaleIfEvPT_S0_i", 1, "_Z7cppkernPf")
        .inOrder();
  }

  @Test
  void symbolVariablesAreAppendedAfterTheSource() {
    KernelMethodModel scale =
        new KernelMethodModel("s", "launch", "scale<float>", Optional.empty(), List.of(), 0, 0);
    assertThat(NvccPrecompiler.withSymbolVariables("__global__ void k() {}", List.of(scale)))
        .isEqualTo(
            "__global__ void k() {}\n__device__ void* __kernelj_sym_0 = (void*)&scale<float>;\n");
    assertThat(NvccPrecompiler.withSymbolVariables("x\n", List.of())).isEqualTo("x\n");
  }

  @Test
  void theFatBinaryInstantiatesTemplatesFromHostCodeNotByDeviceAddresses() {
    KernelMethodModel scale =
        new KernelMethodModel("s", "launch", "scale<float>", Optional.empty(), List.of(), 0, 0);
    assertThat(NvccPrecompiler.withInstantiations("__global__ void k() {}", List.of(scale)))
        .isEqualTo("__global__ void k() {}\nvoid* __kernelj_inst_0 = (void*)&scale<float>;\n");
    assertThat(NvccPrecompiler.withInstantiations("x\n", List.of())).isEqualTo("x\n");
  }

  @Test
  void errorsAreQuotedWithLinesAndAppendedLinesAreLabelled() {
    String output =
        """
        K.cu(2): error: identifier "undefined_thing" is undefined
            x[0] = undefined_thing;
                   ^

        K.cu(4): error: no instance of function template "scale" matches the argument list
        2 errors detected in the compilation of "K.cu".
        """;
    assertThat(NvccErrors.firstErrors(output, 6, 3, List.of("scale<Foo>")))
        .containsExactly(
            "K.cu(2): error: identifier \"undefined_thing\" is undefined",
            "K.cu(4): error: no instance of function template \"scale\" matches the argument list"
                + " [in KernelJ's instantiation of scale<Foo>]")
        .inOrder();
    assertThat(NvccErrors.firstErrors("nvcc fatal   : Unknown option '-bogus'\n", 6, 3, List.of()))
        .containsExactly("nvcc fatal   : Unknown option '-bogus'");
    assertThat(NvccErrors.firstErrors("first\nsecond\n", 1, 3, List.of())).containsExactly("first");
  }

  @Test
  void propertiesRoundTripThroughJavaUtilProperties() throws IOException {
    Map<String, String> lowered = new LinkedHashMap<>();
    lowered.put("reduce<float, 256>", "_Z6reduceIfLi256EEvPKT_PS0_i");
    lowered.put("a:b=c#d", "sym");
    String text =
        PrecompiledProperties.format(
            "test.K", "ab12", List.of(80, 90), "Cuda compilation tools, release 13.0", lowered);
    assertThat(text)
        .doesNotContainMatch("(?m)^#.*20[0-9][0-9]"); // no date: rebuilds give the same bytes
    Properties properties = new Properties();
    properties.load(new StringReader(text));
    assertThat(properties.getProperty("sha256")).isEqualTo("ab12");
    assertThat(properties.getProperty("archs")).isEqualTo("80,90");
    assertThat(properties.getProperty("nvcc")).isEqualTo("Cuda compilation tools, release 13.0");
    assertThat(properties.getProperty("lowered.reduce<float, 256>"))
        .isEqualTo("_Z6reduceIfLi256EEvPKT_PS0_i");
    assertThat(properties.getProperty("lowered.a:b=c#d")).isEqualTo("sym");
    assertThat(properties).hasSize(5);
  }
}
