package dev.kernelj.runtime.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.Launch;
import dev.kernelj.runtime.dynamic.DynamicKernel;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the front end accepts loads and runs: kernels in named, inline and anonymous namespaces,
 * {@code extern "C"} inside a namespace, a static kernel, kernels a macro writes, and branches
 * chosen by {@code -D} options and by NVRTC's own macros, each compiled by NVRTC and found by its
 * lowered name. A kernel that exists only in a skipped branch fails before NVRTC runs, with the
 * check's message.
 */
@Tag("gpu")
class FrontEndGpuTest {
  static final String SOURCE =
      """
      #define WRITE_KERNEL(NAME, VALUE) \\
        extern "C" __global__ void NAME(int* out) { out[0] = VALUE; }
      namespace kj { namespace v1 {
        __global__ void answer(int* out) { out[0] = 1; }
      } inline namespace abi {
        __global__ void inlined(int* out) { out[0] = 2; }
      } }
      namespace { __global__ void hidden(int* out) { out[0] = 3; } }
      namespace c_api { extern "C" __global__ void kj_plain(int* out) { out[0] = 4; } }
      static __global__ void local(int* out) { out[0] = 5; }
      WRITE_KERNEL(from_macro, 6)
      #ifdef __CUDACC_RTC__
      __global__ void rtc_only(int* out) { out[0] = VALUE_FROM_OPTION; }
      #endif
      #if 0
      __global__ void disabled(int* out) { out[0] = -1; }
      #endif
      """;

  static CudaContext ctx;
  @TempDir static Path cacheDir;

  @BeforeAll
  static void open() {
    ctx = Gpu.nvrtcContext(cacheDir);
  }

  @AfterAll
  static void close() {
    if (ctx != null) {
      ctx.close();
    }
  }

  private static int run(String nameExpression) {
    DynamicKernel k = ctx.compile(SOURCE, nameExpression, "-DVALUE_FROM_OPTION=7");
    try (DeviceBuffer<I32> out = ctx.allocate(I32.class, 1)) {
      out.copyFrom(new int[] {-99});
      k.launch(Launch.grid(1).block(1), out);
      int[] got = new int[1];
      out.copyTo(got);
      return got[0];
    }
  }

  @Test
  void everyKindOfDeclarationLoadsByItsName() {
    assertEquals(1, run("kj::v1::answer"));
    assertEquals(2, run("kj::inlined"));
    assertEquals(3, run("hidden"));
    assertEquals(4, run("c_api::kj_plain"));
    assertEquals(5, run("local"));
    assertEquals(6, run("from_macro"));
    assertEquals(7, run("rtc_only"));
  }

  @Test
  void aKernelInASkippedBranchFailsBeforeCompiling() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ctx.compile(SOURCE, "disabled", "-DVALUE_FROM_OPTION=7"));
    assertTrue(
        e.getMessage().contains("[KernelUnknownName]")
            && e.getMessage().contains("inside a branch the preprocessor skips (#if 0"),
        e.getMessage());
  }
}
