package dev.kernelj.ops.cuda.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.ops.kernels.Activations;
import dev.kernelj.ops.kernels.Casts;
import dev.kernelj.ops.kernels.DeviceSession;
import dev.kernelj.ops.kernels.Elementwise;
import dev.kernelj.ops.kernels.Embedding;
import dev.kernelj.ops.kernels.GemvKernels;
import dev.kernelj.ops.kernels.LayerNorm;
import dev.kernelj.ops.kernels.RmsNormKernels;
import dev.kernelj.ops.kernels.Rope;
import dev.kernelj.ops.kernels.RopeKvAppend;
import dev.kernelj.ops.kernels.Softmax;
import dev.kernelj.ops.kernels.attention.KvCacheAppendKernels;
import dev.kernelj.ops.kernels.attention.PagedDecodeAttentionKernels;
import dev.kernelj.ops.kernels.attention.PrefillAttentionKernels;
import dev.kernelj.ops.kernels.sampling.SamplingKernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Launchers are found under the processor's names; a nested interface's launcher is {@code
 * Outer_InnerLauncher}. (The GPU test bed once looked for {@code Outer$InnerLauncher} and skipped
 * every GEMV GPU test as "not built with the processor".)
 */
class LauncherLookupTest {
  @Test
  void nestedInterfacesUseAnUnderscore() {
    assertEquals(
        "dev.kernelj.ops.kernels.GemvKernels_CudaLauncher",
        LauncherLookup.launcherName(GemvKernels.Cuda.class));
    assertEquals(
        "dev.kernelj.ops.kernels.attention.PrefillAttentionKernelsLauncher",
        LauncherLookup.launcherName(PrefillAttentionKernels.class));
  }

  @ParameterizedTest
  @ValueSource(
      classes = {
        Elementwise.Cuda.class,
        Casts.Cuda.class,
        Embedding.Cuda.class,
        RmsNormKernels.Cuda.class,
        LayerNorm.Cuda.class,
        Softmax.Cuda.class,
        Activations.Cuda.class,
        Rope.Cuda.class,
        RopeKvAppend.Cuda.class,
        GemvKernels.Cuda.class,
        PrefillAttentionKernels.class,
        PagedDecodeAttentionKernels.class,
        KvCacheAppendKernels.class,
        SamplingKernels.class
      })
  void thisBuildHasALauncherForEveryKernelInterface(Class<?> kernelInterface) {
    assertTrue(
        LauncherLookup.exists(kernelInterface),
        LauncherLookup.launcherName(kernelInterface) + " is missing");
    assertTrue(
        DeviceSession.hasLauncher(kernelInterface),
        "the GPU test bed would skip " + kernelInterface.getName());
  }
}
