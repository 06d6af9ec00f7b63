package dev.kernelj.samples;

import dev.kernelj.runtime.cuda.Cuda;
import dev.kernelj.runtime.cuda.CudaContext;
import dev.kernelj.runtime.kernel.KernelBinding;
import dev.kernelj.runtime.kernel.KernelSource;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Properties;

/**
 * Runs every numbered sample on GPU 0 and checks each result against plain Java. Without a usable
 * GPU it says so in one line and shows what needs none: the kernels that javac checked and the
 * binaries that were precompiled into the jar.
 *
 * <p>Usage: {@code java -jar samples/target/kernelj-samples.jar [NUMBER...]}
 */
public final class RunSamples {
  private static final List<Sample> SAMPLES =
      List.of(
          new Sample01VectorAdd(),
          new Sample02Reduction(),
          new Sample03TiledMatmul(),
          new Sample04Templates(),
          new Sample05StreamsEvents(),
          new Sample06CudaGraph(),
          new Sample07CublasGemm());

  private static final List<KernelSource> KERNELS =
      List.of(
          SaxpyLauncher.SOURCE,
          ReductionLauncher.SOURCE,
          TiledMatmulLauncher.SOURCE,
          ScaleLauncher.SOURCE,
          BusyLauncher.SOURCE);

  private RunSamples() {}

  public static void main(String[] args) {
    PrintStream out = System.out;
    if (!Cuda.isAvailable()) {
      out.println(
          "No usable GPU here ("
              + Cuda.unavailableReason()
              + "): showing the compile-time side only.");
      showKernels(out);
      return;
    }
    int failed = 0;
    try (CudaContext context = Cuda.context(0)) {
      out.println(
          "GPU 0: "
              + context.device().name()
              + ", compute capability "
              + context.device().computeCapability());
      for (Sample sample : SAMPLES) {
        if (!selected(sample, args)) {
          continue;
        }
        out.println(sample.title());
        boolean ok;
        try {
          ok = sample.run(context, out);
        } catch (RuntimeException e) {
          out.println("  FAILED: " + e);
          ok = false;
        }
        if (!ok) {
          failed++;
        }
      }
    }
    out.println(failed == 0 ? "all samples passed" : failed + " sample(s) failed");
    if (failed > 0) {
      System.exit(1);
    }
  }

  private static boolean selected(Sample sample, String[] args) {
    if (args.length == 0) {
      return true;
    }
    for (String a : args) {
      if (sample.title().startsWith(a.length() == 1 ? "0" + a : a)) {
        return true;
      }
    }
    return false;
  }

  /** What javac checked and nvcc precompiled, read from the generated launchers and the jar. */
  private static void showKernels(PrintStream out) {
    for (KernelSource source : KERNELS) {
      Class<?> owner = source.owner();
      out.printf(
          "  @Kernel %s (CUDA C sha256 %s…)%n",
          owner.getSimpleName(), source.sha256().substring(0, 12));
      for (KernelBinding binding : source.bindings()) {
        out.printf(
            "    %s -> __global__ %s, %d parameters checked%n",
            binding.methodName(), binding.nameExpression(), binding.paramSizes().length);
      }
      Properties precompiled = new Properties();
      String name =
          owner.getName().substring(owner.getName().lastIndexOf('.') + 1) + ".kernelj.properties";
      try (InputStream in = owner.getResourceAsStream(name)) {
        if (in != null) {
          precompiled.load(in);
          out.println(
              "    precompiled for "
                  + precompiled.getProperty("archs", "?")
                  + " ("
                  + precompiled.getProperty("nvcc", "nvcc")
                  + ")");
        } else {
          out.println(
              "    not precompiled (no nvcc at build time): NVRTC compiles it at first use");
        }
      } catch (java.io.IOException e) {
        out.println("    precompiled binary unreadable: " + e.getMessage());
      }
    }
  }
}
