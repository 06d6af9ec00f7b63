package dev.kernelj.runtime.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.runtime.kernel.KernelBinding;
import dev.kernelj.runtime.kernel.KernelSource;
import dev.kernelj.runtime.nativelib.CudaLibraryNotFoundException;
import dev.kernelj.runtime.nativelib.NativeLibraries;
import java.util.List;

/** Shared set-up of the GPU tests: skip with the reason when there is no GPU (or no NVRTC). */
final class Gpu {
  private Gpu() {}

  /** The primary context of device 0, or an aborted test saying why there is none. */
  static CudaContext context() {
    String reason = Cuda.unavailableReason();
    assumeTrue(reason == null, () -> "GPU test skipped: " + reason);
    return Cuda.context(0);
  }

  /**
   * The primary context of device 0 with NVRTC available and a kernel cache in {@code cacheDir} (so
   * tests compile afresh), or an aborted test saying why not.
   */
  static CudaContext nvrtcContext(java.nio.file.Path cacheDir) {
    CudaContext ctx = context();
    assumeNvrtc();
    ctx.setKernelCache(new dev.kernelj.runtime.cache.KernelCache(cacheDir));
    return ctx;
  }

  static void assumeNvrtc() {
    String why = null;
    try {
      NativeLibraries.load(NativeLibraries.NVRTC);
    } catch (CudaLibraryNotFoundException e) {
      why = e.getMessage();
    }
    String reason = why;
    assumeTrue(reason == null, () -> "NVRTC test skipped: " + reason);
  }

  /** A KernelSource for test kernels: owner without resources, so loading goes through NVRTC. */
  static KernelSource source(Class<?> owner, String cuda, KernelBinding... bindings) {
    return new KernelSource(
        owner, cuda, PrecompiledKernel.sha256(cuda), List.of(), List.of(bindings));
  }

  static KernelBinding binding(String method, String nameExpression, int... sizes) {
    return new KernelBinding(method, nameExpression, sizes, 0, 0);
  }

  static short toBf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    int rounding = ((bits >>> 16) & 1) + 0x7FFF;
    return (short) ((bits + rounding) >>> 16);
  }

  static float fromBf16(short b) {
    return Float.intBitsToFloat((b & 0xFFFF) << 16);
  }

  static int sizeOf(DType t) {
    return t.byteSize();
  }
}
