package dev.kernelj.runtime.nvrtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompileOptionsTest {
  @Test
  void defaultsGiveOnlyTheArchitecture() {
    assertEquals(List.of("--gpu-architecture=sm_90"), CompileOptions.forArch("sm_90").toArgs());
    assertTrue(CompileOptions.forArch("sm_90").producesCubin());
    assertFalse(CompileOptions.forArch("compute_90").producesCubin());
  }

  @Test
  void everyOptionInAFixedOrder() {
    Map<String, String> defines = new LinkedHashMap<>();
    defines.put("ZETA", "1");
    defines.put("ALPHA", "");
    CompileOptions o =
        new CompileOptions(
            "compute_80",
            "c++17",
            true,
            true,
            64,
            defines,
            List.of("/opt/inc"),
            List.of("-Xptxas=-v"));
    assertEquals(
        List.of(
            "--gpu-architecture=compute_80",
            "--std=c++17",
            "--use_fast_math",
            "--generate-line-info",
            "--maxrregcount=64",
            "-DALPHA",
            "-DZETA=1",
            "--include-path=/opt/inc",
            "-Xptxas=-v"),
        o.toArgs());
  }

  @Test
  void definesAreSortedSoInsertionOrderDoesNotChangeTheArguments() {
    CompileOptions a = CompileOptions.forArch("sm_80").withDefine("B", "2").withDefine("A", "1");
    CompileOptions b = CompileOptions.forArch("sm_80").withDefine("A", "1").withDefine("B", "2");
    assertEquals(a.toArgs(), b.toArgs());
    assertEquals(a, b);
  }

  @Test
  void withersKeepTheOtherFields() {
    CompileOptions o =
        CompileOptions.forArch("sm_86")
            .withFastMath(true)
            .withStd("c++20")
            .withLineInfo(true)
            .withMaxRegisters(32)
            .withIncludePath("/x")
            .withExtra(List.of("-G"));
    assertEquals(
        List.of(
            "--gpu-architecture=sm_86",
            "--std=c++20",
            "--use_fast_math",
            "--generate-line-info",
            "--maxrregcount=32",
            "--include-path=/x",
            "-G"),
        o.toArgs());
  }

  @Test
  void badValuesAreRejectedWithTheValue() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> CompileOptions.forArch("hopper"));
    assertTrue(e.getMessage().contains("'hopper'"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> CompileOptions.forArch("sm_90").withMaxRegisters(-1));
  }

  @Test
  void targetPrefersACubinThenTheNewestOlderPtx() {
    int[] supported = {75, 80, 86, 89, 90, 100, 120};
    assertEquals("sm_90", Nvrtc.targetFor(90, supported));
    assertEquals("compute_90", Nvrtc.targetFor(91, supported));
    assertEquals("compute_120", Nvrtc.targetFor(130, supported));
    assertEquals("compute_70", Nvrtc.targetFor(70, supported));
  }

  @Test
  void compileExceptionCarriesLogOptionsAndNumberedSource() {
    String src = "extern \"C\" __global__ void f(int* p) {\n  p[0] = x;\n}\n";
    NvrtcCompileException e =
        new NvrtcCompileException(
            6,
            "NVRTC_ERROR_COMPILATION",
            "Demo.cu",
            "Demo.cu(2): error: identifier \"x\" is undefined",
            List.of("--gpu-architecture=sm_90"),
            src);
    String msg = e.getMessage();
    assertTrue(msg.startsWith("NVRTC could not compile Demo.cu (NVRTC_ERROR_COMPILATION):"), msg);
    assertTrue(msg.contains("Demo.cu(2): error: identifier \"x\" is undefined"), msg);
    assertTrue(msg.contains("options: --gpu-architecture=sm_90"), msg);
    assertTrue(
        msg.contains("1 | extern \"C\" __global__ void f(int* p) {\n2 |   p[0] = x;\n3 | }"), msg);
    assertEquals(List.of("--gpu-architecture=sm_90"), e.options());
  }

  @Test
  void numberedLinesAreRightAligned() {
    String src = String.join("\n", java.util.Collections.nCopies(10, "x"));
    String numbered = NvrtcCompileException.numbered(src);
    assertTrue(numbered.startsWith(" 1 | x\n"), numbered);
    assertTrue(numbered.endsWith("10 | x\n"), numbered);
  }
}
