package dev.kernelj.ops.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.Global;
import dev.kernelj.dsl.Kernel;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CUDA compiler of this machine, for tests that check what it makes of an op's CUDA C: the
 * per-kernel registers and static shared memory that {@code ptxas -v} reports.
 */
public final class Nvcc {
  private Nvcc() {}

  /** What ptxas reports for one {@code __global__} function. */
  public record Usage(int registers, int staticSharedBytes) {}

  private static final Pattern ENTRY =
      Pattern.compile("Compiling entry function '([^']+)' for '(sm_\\d+)'");
  private static final Pattern USED = Pattern.compile("Used (\\d+) registers");
  private static final Pattern SMEM = Pattern.compile("(\\d+) bytes smem");

  /** ptxas reports by nvcc, kernel interface and arch. */
  private static final Map<String, Map<String, Usage>> COMPILED = new HashMap<>();

  /** The nvcc to use ({@code KERNELJ_NVCC}, then the usual places), or null when there is none. */
  public static Path find() {
    for (String candidate :
        List.of(
            System.getenv().getOrDefault("KERNELJ_NVCC", ""),
            "/usr/local/bin/nvcc",
            "/usr/local/cuda/bin/nvcc")) {
      if (!candidate.isEmpty() && Files.isExecutable(Path.of(candidate))) {
        return Path.of(candidate);
      }
    }
    return null;
  }

  /**
   * Compiles the {@code @Kernel} source of {@code kernelInterface} to a cubin for {@code arch}
   * (e.g. {@code sm_90}) and returns each entry function's usage by its CUDA name; fails the test
   * with nvcc's output when it does not compile. Each source is compiled once per arch and run: the
   * tests ask again for every launch they check.
   */
  public static synchronized Map<String, Usage> resourceUsage(
      Path nvcc, Class<?> kernelInterface, String arch) throws IOException, InterruptedException {
    String key = nvcc + " " + kernelInterface.getName() + " " + arch;
    Map<String, Usage> known = COMPILED.get(key);
    if (known == null) {
      known = compile(nvcc, kernelInterface, arch);
      COMPILED.put(key, known);
    }
    return known;
  }

  private static Map<String, Usage> compile(Path nvcc, Class<?> kernelInterface, String arch)
      throws IOException, InterruptedException {
    String source = source(kernelInterface);
    Path dir = Files.createTempDirectory("kj-ops-ptxas");
    Path file = dir.resolve(kernelInterface.getName().replace('$', '_') + ".cu");
    // Template kernels are compiled as the @Globals instantiate them; ptxas names those entries
    // by their mangled names.
    Files.writeString(file, source + instantiations(kernelInterface), StandardCharsets.UTF_8);
    Path log = dir.resolve("ptxas.log");
    Process p =
        new ProcessBuilder(
                nvcc.toString(),
                "-cubin",
                "-arch=" + arch,
                "-Xptxas",
                "-v",
                "-o",
                dir.resolve("out.cubin").toString(),
                file.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    assertTrue(
        p.waitFor(300, TimeUnit.SECONDS),
        "nvcc timed out on " + kernelInterface.getName() + " for " + arch);
    String output = Files.readString(log);
    assertEquals(
        0,
        p.exitValue(),
        "nvcc failed on " + kernelInterface.getName() + " for " + arch + ":\n" + output);
    return Map.copyOf(parse(output));
  }

  /**
   * The CUDA C of a {@code @Kernel} interface: its source parts joined, as the processor reads it.
   */
  public static String source(Class<?> kernelInterface) {
    return String.join("", kernelInterface.getAnnotation(Kernel.class).source());
  }

  /**
   * Host references to every template instance the interface's {@code @Global}s name, so that nvcc
   * compiles (and checks for spills) the kernels that run, not only the templates.
   */
  public static String instantiations(Class<?> kernelInterface) {
    StringBuilder out = new StringBuilder("\n");
    int n = 0;
    for (Method m : kernelInterface.getMethods()) {
      Global global = m.getAnnotation(Global.class);
      if (global != null && global.value().contains("<")) {
        out.append("static void* const kj_instance_")
            .append(n++)
            .append(" = (void*)&")
            .append(global.value())
            .append(";\n");
      }
    }
    return out.toString();
  }

  /**
   * Entry name to usage, from {@code ptxas -v} output (a function without "bytes smem" has none).
   */
  static Map<String, Usage> parse(String ptxasOutput) {
    Map<String, Usage> usage = new LinkedHashMap<>();
    String entry = null;
    for (String line : ptxasOutput.split("\\R")) {
      Matcher e = ENTRY.matcher(line);
      if (e.find()) {
        entry = e.group(1);
        continue;
      }
      Matcher used = USED.matcher(line);
      if (entry != null && used.find()) {
        Matcher smem = SMEM.matcher(line);
        usage.put(
            entry,
            new Usage(
                Integer.parseInt(used.group(1)),
                smem.find() ? Integer.parseInt(smem.group(1)) : 0));
        entry = null;
      }
    }
    return usage;
  }
}
