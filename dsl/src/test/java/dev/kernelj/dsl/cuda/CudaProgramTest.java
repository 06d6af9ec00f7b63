package dev.kernelj.dsl.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The views of a source across the targets a build compiles for and the others. */
class CudaProgramTest {
  private static CudaProgram build(String source) {
    return CudaProgram.forBuild(source, List.of(), List.of(80, 90), CudaVersion.DEFAULT);
  }

  @Test
  void aSourceThatTestsNoTargetMacroHasOneView() {
    CudaProgram p = build("#define N 4\n__global__ void k(float* x) { x[0] = N; }\n");
    assertEquals(1, p.views().size());
    assertEquals(2, p.views().get(0).buildTargets());
    assertEquals(2 + 18 + 20, p.views().get(0).targets().size());
  }

  @Test
  void viewsSplitWhereTheSourceTestsTheArchitecture() {
    CudaProgram p =
        build(
            """
            #if __CUDA_ARCH__ >= 900
            __global__ void hopper(float* x) {}
            #elif __CUDA_ARCH__ >= 800
            __global__ void ampere(float* x) {}
            #endif
            """);
    // sm_50..sm_75 (nothing), sm_80..sm_89 (ampere), sm_90+ (hopper); each arch is its own view.
    assertEquals(CudaProgram.ALL_ARCHS.size(), p.views().size());
    CudaProgram.View first = p.views().get(0);
    assertTrue(first.built());
    assertEquals(80, first.targets().get(0).arch());
    assertEquals(
        List.of("ampere"), first.source().kernels().stream().map(CudaKernel::name).toList());
    assertEquals(
        List.of("hopper"),
        p.views().get(1).source().kernels().stream().map(CudaKernel::name).toList());
  }

  @Test
  void compilerMacrosSplitNvccFromNvrtc() {
    CudaProgram p = build("#ifdef __CUDACC_RTC__\n__global__ void rtc(int* x) {}\n#endif\n");
    assertEquals(2, p.views().size());
    assertEquals(List.of(), p.views().get(0).source().kernels());
    assertEquals("rtc", p.views().get(1).source().kernels().get(0).name());
    assertTrue(
        p.views().get(1).targets().stream()
            .allMatch(t -> t.compiler() == CompileTarget.Compiler.NVRTC));
  }

  @Test
  void anErrorOnlyOtherArchitecturesSeeDropsTheirViews() {
    CudaProgram p =
        build(
            """
            #if __CUDA_ARCH__ < 700
            #error needs Volta or newer
            #endif
            __global__ void k(float* x) {}
            """);
    assertTrue(p.views().stream().flatMap(v -> v.targets().stream()).allMatch(t -> t.arch() >= 70));
  }

  @Test
  void anErrorTheBuildSeesIsThrown() {
    assertThrows(
        CudaParseException.class,
        () -> build("#if __CUDA_ARCH__ == 900\n#error no Hopper\n#endif\n"));
  }
}
