package dev.kernelj.runtime.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Launch;
import dev.kernelj.runtime.driver.CuConstants;
import dev.kernelj.runtime.driver.Driver;
import dev.kernelj.runtime.dynamic.Args;
import dev.kernelj.runtime.dynamic.DynamicKernel;
import dev.kernelj.runtime.kernel.KernelBinding;
import dev.kernelj.runtime.kernel.KernelFunction;
import dev.kernelj.runtime.kernel.KernelSource;
import dev.kernelj.runtime.kernel.ParamBlock;
import dev.kernelj.runtime.nvrtc.CompileOptions;
import dev.kernelj.runtime.nvrtc.CompiledProgram;
import dev.kernelj.runtime.nvrtc.Nvrtc;
import dev.kernelj.runtime.nvrtc.NvrtcCompileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("gpu")
class KernelGpuTest {
  static final String SAXPY =
      """
      extern "C" __global__ void saxpy(int n, float a, const float* __restrict__ x, float* y) {
        int i = blockIdx.x * blockDim.x + threadIdx.x;
        if (i < n) y[i] = a * x[i] + y[i];
      }
      """;

  static final String TEMPLATES =
      """
      #include <cuda_bf16.h>
      template <typename T>
      __global__ void scale(T* p, float s, int n) {
        int i = blockIdx.x * blockDim.x + threadIdx.x;
        if (i < n) p[i] = (T) ((float) p[i] * s);
      }
      extern "C" __global__ void big_shared(float* out) {
        extern __shared__ float buf[];
        int n = 60 * 1024 / 4;
        for (int i = threadIdx.x; i < n; i += blockDim.x) buf[i] = (float) i;
        __syncthreads();
        if (threadIdx.x == 0) out[0] = buf[n - 1];
      }
      """;

  interface SaxpyKernels {}

  interface TemplateKernels {}

  interface MismatchKernels {}

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

  static float[] poisoned(int n) {
    float[] y = new float[n];
    java.util.Arrays.fill(y, Float.NaN);
    return y;
  }

  @Test
  void nvrtcReportsItsVersionAndArchitectures() {
    int[] archs = Nvrtc.supportedArchs();
    System.out.println(
        "NVRTC "
            + Nvrtc.versionString()
            + " archs "
            + java.util.Arrays.toString(archs)
            + "; device "
            + ctx.device().computeCapability().smArch());
    assertTrue(archs.length > 0);
    assertTrue(Nvrtc.version()[0] >= 12);
  }

  @Test
  void dynamicSaxpyComputesAndChecksArguments() {
    int n = 10_000;
    DynamicKernel saxpy = ctx.compile(SAXPY, "saxpy");
    float[] x = new float[n];
    float[] y0 = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = i * 0.25f;
      y0[i] = 1 - i;
    }
    try (DeviceBuffer<F32> dx = ctx.allocate(F32.class, n);
        DeviceBuffer<F32> dy = ctx.allocate(F32.class, n)) {
      dx.copyFrom(x);
      dy.copyFrom(poisoned(n));
      dy.copyFrom(y0);
      saxpy.launch(Launch.grid(Launch.blocksFor(n, 256)).block(256), n, 3f, dx, dy);
      float[] y = dy.toFloatArray();
      for (int i = 0; i < n; i++) {
        assertEquals(3f * x[i] + y0[i], y[i], 1e-3f, "y[" + i + "]");
      }
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> saxpy.launch(Launch.grid(1).block(32), (long) n, 3.0, dx, dy));
      assertTrue(
          e.getMessage().contains("argument 0") && e.getMessage().contains("argument 1"),
          e.getMessage());
      IllegalArgumentException unsigned =
          assertThrows(
              IllegalArgumentException.class,
              () -> saxpy.launch(Launch.grid(1).block(32), Args.u32(n), 3f, dx, dy));
      assertTrue(unsigned.getMessage().contains("[KernelScalarType]"), unsigned.getMessage());
    }
  }

  @Test
  void interfaceLoadsThroughNvrtcThenTheCacheAndLaunchesThroughItsParamBlock() {
    KernelSource src =
        Gpu.source(SaxpyKernels.class, SAXPY, Gpu.binding("saxpy", "saxpy", 4, 4, 8, 8));
    LoadedKernelModule first = ctx.load(src);
    assertSame(first, ctx.load(src), "one module per context and source");
    assertTrue(
        first.origin() == ModuleOrigin.NVRTC_COMPILED || first.origin() == ModuleOrigin.NVRTC_CACHE,
        first.origin().toString());
    assertTrue(
        first.precompiledSkipReason().contains("no KernelGpuTest$SaxpyKernels.kernelj.fatbin"),
        first.precompiledSkipReason());
    try (CudaContext second = Cuda.context(0)) {
      second.setKernelCache(ctx.kernelCache());
      assertEquals(
          ModuleOrigin.NVRTC_CACHE,
          second.load(src).origin(),
          "a second context finds the cached binary");
    }
    ctx.makeCurrent();

    int n = 4097;
    KernelFunction f = first.function(0);
    try (DeviceBuffer<F32> dx = ctx.allocate(F32.class, n);
        DeviceBuffer<F32> dy = ctx.allocate(F32.class, n)) {
      float[] x = new float[n];
      java.util.Arrays.fill(x, 2f);
      dx.copyFrom(x);
      dy.copyFrom(poisoned(n));
      dy.fill(1f, null);
      ParamBlock p = f.params();
      synchronized (p) {
        p.putInt(p.layout().offset(0), n);
        p.putFloat(p.layout().offset(1), 0.5f);
        p.putPointer(p.layout().offset(2), dx, "x");
        p.putPointer(p.layout().offset(3), dy, "y");
        f.launch(Launch.grid(Launch.blocksFor(n, 128)).block(128));
      }
      for (float v : dy.toFloatArray()) {
        assertEquals(2f, v);
      }
      CudaFunction cf = first.cudaFunction(0);
      IllegalArgumentException tooBig =
          assertThrows(IllegalArgumentException.class, () -> cf.launch(Launch.grid(1).block(2048)));
      assertTrue(tooBig.getMessage().contains("block of 2048 threads"), tooBig.getMessage());
      assertThrows(
          IllegalArgumentException.class,
          () -> cf.launch(Launch.grid(1).block(32).shared(49 * 1024)));
    }
  }

  @Test
  void declaredBlockLimitIsEnforced() {
    KernelSource src =
        Gpu.source(
            SaxpyKernels.class,
            SAXPY,
            new KernelBinding("saxpy", "saxpy", new int[] {4, 4, 8, 8}, 128, 0));
    CudaFunction f = ctx.load(src).cudaFunction(0);
    assertEquals(128, f.maxThreadsPerBlock());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> f.launch(Launch.grid(1).block(256)));
    assertTrue(e.getMessage().contains("declared maxThreadsPerBlock"), e.getMessage());
  }

  @Test
  void templatesResolveThroughLoweredNamesAndLargeSharedMemoryIsRaisedAtLoad() {
    KernelSource src =
        Gpu.source(
            TemplateKernels.class,
            TEMPLATES,
            Gpu.binding("scaleF", "scale<float>", 8, 4, 4),
            Gpu.binding("scaleB", "scale<__nv_bfloat16>", 8, 4, 4),
            new KernelBinding("bigShared", "big_shared", new int[] {8}, 0, 64 * 1024));
    LoadedKernelModule m = ctx.load(src);
    try (DeviceBuffer<F32> f = ctx.allocate(F32.class, 3)) {
      f.copyFrom(new float[] {1, 2, 3});
      ParamBlock p = m.function(0).params();
      synchronized (p) {
        p.putPointer(0, f, "p");
        p.putFloat(8, 2f);
        p.putInt(12, 3);
        m.function(0).launch(Launch.grid(1).block(32));
      }
      assertEquals(
          List.of(2f, 4f, 6f),
          java.util.stream.IntStream.range(0, 3).mapToObj(i -> f.toFloatArray()[i]).toList());

      CudaFunction big = m.cudaFunction(2);
      assertEquals(64 * 1024, big.maxDynamicSharedBytes());
      assertTrue(
          big.attribute(CuConstants.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES) >= 64 * 1024);
      ParamBlock bp = big.params();
      synchronized (bp) {
        bp.putPointer(0, f, "out");
        big.launch(Launch.grid(1).block(256).shared(60 * 1024));
      }
      assertEquals(60 * 1024 / 4 - 1, f.toFloatArray()[0]);
    }
  }

  @Test
  void paramInfoMismatchIsCaughtAtLoad() {
    assumeTrue(Driver.hasFuncGetParamInfo(), "the driver has no cuFuncGetParamInfo (CUDA < 12.4)");
    KernelSource wrongSize =
        Gpu.source(MismatchKernels.class, SAXPY, Gpu.binding("saxpy", "saxpy", 8, 4, 8, 8));
    KernelSignatureMismatchException e =
        assertThrows(KernelSignatureMismatchException.class, () -> ctx.load(wrongSize));
    assertTrue(
        e.getMessage()
            .contains(
                "MismatchKernels.saxpy (saxpy): parameter 0 is 4 bytes in the loaded kernel but 8 bytes"),
        e.getMessage());
    KernelSource wrongCount =
        Gpu.source(MismatchKernels.class, SAXPY, Gpu.binding("saxpy3", "saxpy", 4, 4, 8));
    KernelSignatureMismatchException c =
        assertThrows(KernelSignatureMismatchException.class, () -> ctx.load(wrongCount));
    assertTrue(c.getMessage().contains("takes more than 3 parameters"), c.getMessage());
  }

  @Test
  void compileErrorsCarryLogAndNumberedSourceAndNameTheInterface() {
    String bad = "extern \"C\" __global__ void broken(int* p) {\n  p[0] = undefined_name;\n}\n";
    KernelLoadException e =
        assertThrows(
            KernelLoadException.class,
            () ->
                ctx.load(
                    Gpu.source(MismatchKernels.class, bad, Gpu.binding("broken", "broken", 8))));
    String msg = e.getMessage();
    assertTrue(msg.contains("KernelGpuTest$MismatchKernels"), msg);
    assertTrue(msg.contains("undefined_name"), msg);
    assertTrue(msg.contains("2 |   p[0] = undefined_name;"), msg);
    assertTrue(e.getCause() instanceof NvrtcCompileException);
  }

  @Test
  void ptxTargetsCompileToLoadablePtx() {
    int cc = ctx.device().computeCapability().number();
    CompiledProgram ptx =
        Nvrtc.compile(
            SAXPY,
            "saxpy.cu",
            CompileOptions.forArch("compute_" + Math.min(cc, 80)),
            List.of("saxpy"));
    assertFalse(ptx.cubin());
    assertEquals(0, ptx.binary()[ptx.binary().length - 1], "PTX ends in NUL");
    try (CudaModule m = ctx.loadModule(ptx.binary())) {
      assertTrue(m.functionHandle("saxpy") != 0);
    }
    assertNull(null);
  }
}
