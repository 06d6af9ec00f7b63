package dev.kernelj.ops.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every op's CUDA C compiles with the CUDA compiler on this machine for sm_80 and sm_90, without
 * register spills in the hot kernels. The annotation processor does the same at build time; this
 * test keeps the guarantee while the processor's precompile step is off or absent.
 */
class CudaSourcesCompileTest {
  static Stream<Class<?>> kernelInterfaces() {
    return Stream.of(
        Elementwise.Cuda.class,
        Casts.Cuda.class,
        Embedding.Cuda.class,
        RmsNormKernels.Cuda.class,
        LayerNorm.Cuda.class,
        Softmax.Cuda.class,
        Activations.Cuda.class,
        Rope.Cuda.class,
        GemvKernels.Cuda.class,
        dev.kernelj.ops.kernels.quant.QuantGemmKernels.Cuda.class);
  }

  @ParameterizedTest
  @MethodSource("kernelInterfaces")
  void compilesForSm80AndSm90(Class<?> kernelInterface) throws IOException, InterruptedException {
    Path nvcc = Nvcc.find();
    assumeTrue(nvcc != null, "nvcc not found (set KERNELJ_NVCC); CUDA C compile check skipped");
    Path dir = Files.createTempDirectory("kj-ops-nvcc");
    Path source = dir.resolve(kernelInterface.getName().replace('$', '_') + ".cu");
    Files.writeString(
        source,
        Nvcc.source(kernelInterface) + Nvcc.instantiations(kernelInterface),
        StandardCharsets.UTF_8);
    Path log = dir.resolve("nvcc.log");
    Process p =
        new ProcessBuilder(
                nvcc.toString(),
                "-fatbin",
                "-Xptxas",
                "-warn-spills",
                "-gencode",
                "arch=compute_80,code=sm_80",
                "-gencode",
                "arch=compute_90,code=sm_90",
                "-o",
                dir.resolve("out.fatbin").toString(),
                source.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    assertTrue(p.waitFor(180, TimeUnit.SECONDS), "nvcc timed out on " + kernelInterface.getName());
    String output = Files.readString(log);
    assertEquals(0, p.exitValue(), "nvcc failed on " + kernelInterface.getName() + ":\n" + output);
    assertTrue(
        !output.contains("spill"),
        "register spills in " + kernelInterface.getName() + ":\n" + output);
  }
}
