package dev.kernelj.runtime.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.Launch;
import dev.kernelj.runtime.kernel.KernelSource;
import dev.kernelj.runtime.kernel.ParamBlock;
import java.io.File;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The precompiled path: builds a fatbin with nvcc (as the annotation processor does at build time),
 * writes it and its properties beside {@link PrecompiledGpuOwner}, and checks that loading uses it.
 */
@Tag("gpu")
class PrecompiledGpuTest {
  @TempDir Path tmp;

  static String nvcc() {
    for (String candidate :
        List.of("/usr/local/cuda/bin/nvcc", "/usr/local/bin/nvcc", "/usr/bin/nvcc")) {
      if (new File(candidate).canExecute()) {
        return candidate;
      }
    }
    return null;
  }

  @Test
  void aMatchingFatbinBesideTheInterfaceIsLoadedWithoutNvrtc() throws Exception {
    try (CudaContext ctx = Gpu.context()) {
      String nvcc = nvcc();
      assumeTrue(nvcc != null, "nvcc not found; it builds the fatbin this test loads");
      URL classFile = PrecompiledGpuOwner.class.getResource("PrecompiledGpuOwner.class");
      assumeTrue(
          classFile != null && classFile.getProtocol().equals("file"),
          "test classes are not in a folder");
      Path dir = Path.of(classFile.toURI()).getParent();
      String base = PrecompiledKernel.baseName(PrecompiledGpuOwner.class);

      Path cu = Files.writeString(tmp.resolve("k.cu"), PrecompiledGpuOwner.SOURCE);
      ComputeCapability cc = ctx.device().computeCapability();
      Path fatbin = dir.resolve(base + PrecompiledKernel.FATBIN_SUFFIX);
      Process p =
          new ProcessBuilder(
                  nvcc,
                  "-fatbin",
                  "-gencode",
                  "arch=compute_" + cc.number() + ",code=sm_" + cc.number(),
                  "-o",
                  fatbin.toString(),
                  cu.toString())
              .redirectErrorStream(true)
              .start();
      assumeTrue(p.waitFor(300, TimeUnit.SECONDS), "nvcc timed out");
      String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, p.exitValue(), log);
      Files.writeString(
          dir.resolve(base + PrecompiledKernel.PROPERTIES_SUFFIX),
          "sha256="
              + PrecompiledKernel.sha256(PrecompiledGpuOwner.SOURCE)
              + "\narchs="
              + cc.smArch()
              + "\nlowered.fill_seven=fill_seven\n");
      try {
        KernelSource src =
            Gpu.source(
                PrecompiledGpuOwner.class,
                PrecompiledGpuOwner.SOURCE,
                Gpu.binding("fill", "fill_seven", 8, 4));
        LoadedKernelModule m = ctx.load(src);
        assertEquals(ModuleOrigin.PRECOMPILED, m.origin());
        assertNull(m.precompiledSkipReason());
        try (DeviceBuffer<I32> d = ctx.allocate(I32.class, 100)) {
          d.fill32(0, null);
          ParamBlock b = m.function(0).params();
          synchronized (b) {
            b.putPointer(0, d, "p");
            b.putInt(8, 100);
            m.function(0).launch(Launch.grid(1).block(128));
          }
          for (int v : d.toIntArray()) {
            assertEquals(7, v);
          }
        }
      } finally {
        Files.deleteIfExists(fatbin);
        Files.deleteIfExists(dir.resolve(base + PrecompiledKernel.PROPERTIES_SUFFIX));
      }
    }
  }
}
