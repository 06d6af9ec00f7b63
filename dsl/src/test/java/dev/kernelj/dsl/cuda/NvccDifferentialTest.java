package dev.kernelj.dsl.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The preprocessor against nvcc's own: random sources of nested conditional groups, macros defined,
 * undefined and passed with {@code -D}, conditions on them and on nvcc's predefined macros, and
 * kernels written out or produced by macros. {@code nvcc -E} preprocesses each for sm_80 (its
 * device pass) and the {@code __global__} functions that survive there must be exactly those this
 * front end finds. Skipped where nvcc is not installed; {@code -Dkernelj.differential.seed=N}
 * explores other sources.
 */
class NvccDifferentialTest {
  private static final int SOURCES = 12;

  /** What stands for "the preprocessor rejects this source" in a comparison. */
  private static final String REJECTED = "(rejected)";

  private static final Pattern GLOBAL =
      Pattern.compile("__attribute__\\(\\(global\\)\\)\\s*void\\s+(k_\\d+)\\s*\\(");
  private static final Pattern LINE_MARKER = Pattern.compile("^# \\d+ \"([^\"]*)\"");

  private static Path nvcc;
  private static CudaVersion version;

  @BeforeAll
  static void findNvcc() throws IOException, InterruptedException {
    List<Path> candidates = new ArrayList<>();
    String env = System.getenv("KERNELJ_NVCC");
    if (env != null && !env.isBlank()) {
      candidates.add(Path.of(env));
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!dir.isBlank()) {
        candidates.add(Path.of(dir, "nvcc"));
      }
    }
    candidates.add(Path.of("/usr/local/cuda/bin/nvcc"));
    nvcc = candidates.stream().filter(Files::isExecutable).findFirst().orElse(null);
    assumeTrue(nvcc != null, "nvcc not found: the differential test needs the CUDA compiler");
    Process p = new ProcessBuilder(nvcc.toString(), "--version").redirectErrorStream(true).start();
    version = CudaVersion.fromNvccOutput(new String(p.getInputStream().readAllBytes()));
    p.waitFor();
  }

  /** One generated source and the {@code -D} options it is compiled with. */
  private record Case(String source, List<String> options) {}

  @Test
  void survivingKernelsMatchNvcc(@TempDir Path dir) throws Exception {
    long seed = Long.getLong("kernelj.differential.seed", 20261127L);
    Random random = new Random(seed);
    List<Case> cases = new ArrayList<>();
    for (int i = 0; i < SOURCES; i++) {
      cases.add(new SourceGenerator(random).generate());
    }
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Set<String>>> nvccResults = new ArrayList<>();
      for (int i = 0; i < cases.size(); i++) {
        int index = i;
        nvccResults.add(pool.submit(() -> nvccKernels(dir, index, cases.get(index))));
      }
      for (int i = 0; i < cases.size(); i++) {
        Case c = cases.get(i);
        Set<String> found = new TreeSet<>();
        try {
          CudaSource ours =
              CudaSource.parse(
                  c.source(), CompileTarget.nvcc(80, List.of(80), version, c.options()));
          ours.kernels().forEach(k -> found.add(k.name()));
        } catch (CudaParseException e) {
          found.add(REJECTED); // nvcc must reject it too
        }
        assertEquals(
            nvccResults.get(i).get(),
            found,
            "seed " + seed + ", source " + i + " with " + c.options() + ":\n" + c.source());
      }
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private static Set<String> nvccKernels(Path dir, int index, Case c)
      throws IOException, InterruptedException {
    Path cu = dir.resolve("case" + index + ".cu");
    Path out = dir.resolve("case" + index + ".ii");
    Files.writeString(cu, c.source(), StandardCharsets.UTF_8);
    List<String> command = new ArrayList<>(List.of(nvcc.toString(), "-E", "-arch=sm_80"));
    command.addAll(c.options());
    command.addAll(List.of(cu.toString(), "-o", out.toString()));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    if (p.waitFor() != 0) {
      return Set.of(REJECTED);
    }
    Set<String> kernels = new TreeSet<>();
    boolean inMainFile = false;
    for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
      Matcher marker = LINE_MARKER.matcher(line);
      if (marker.find()) {
        inMainFile = marker.group(1).endsWith(cu.getFileName().toString());
      } else if (inMainFile) {
        Matcher m = GLOBAL.matcher(line);
        while (m.find()) {
          kernels.add(m.group(1));
        }
      }
    }
    return kernels;
  }

  /** Random sources in which each kernel's survival depends on the preprocessor alone. */
  private static final class SourceGenerator {
    private final Random random;
    private final StringBuilder out = new StringBuilder();
    private int kernels;

    SourceGenerator(Random random) {
      this.random = random;
    }

    Case generate() {
      List<String> options = new ArrayList<>();
      for (int m = 0; m < 4; m++) {
        if (random.nextInt(3) == 0) {
          options.add(random.nextBoolean() ? "-DM" + m : "-DM" + m + "=" + random.nextInt(5));
        }
      }
      out.append("#define TWICE(x) ((x) * 2)\n");
      out.append("#define KERNEL(name) __global__ void name(float* x) { x[0] = 1; }\n");
      out.append("#define CAT(a, b) a##b\n");
      block(3);
      return new Case(out.toString(), options);
    }

    private void block(int depth) {
      int statements = 1 + random.nextInt(4);
      for (int s = 0; s < statements; s++) {
        int kind = random.nextInt(depth > 0 ? 6 : 4);
        switch (kind) {
          case 0 -> out.append("__global__ void k_").append(kernels++).append("(float* x) {}\n");
          case 1 ->
              out.append(
                  random.nextBoolean()
                      ? "KERNEL(k_" + kernels++ + ")\n"
                      : "KERNEL(CAT(k_, " + kernels++ + "))\n");
          case 2 ->
              out.append("#define M")
                  .append(random.nextInt(4))
                  .append(random.nextBoolean() ? "" : " " + random.nextInt(5))
                  .append('\n');
          case 3 -> out.append("#undef M").append(random.nextInt(4)).append('\n');
          default -> group(depth - 1);
        }
      }
    }

    private void group(int depth) {
      int opener = random.nextInt(3);
      String m = "M" + random.nextInt(4);
      out.append(
          switch (opener) {
            case 0 -> "#if " + condition() + "\n";
            case 1 -> "#ifdef " + m + "\n";
            default -> "#ifndef " + m + "\n";
          });
      block(depth);
      int elifs = random.nextInt(3);
      for (int e = 0; e < elifs; e++) {
        out.append("#elif ").append(condition()).append('\n');
        block(depth);
      }
      if (random.nextBoolean()) {
        out.append("#else\n");
        block(depth);
      }
      out.append("#endif\n");
    }

    private String condition() {
      String a = "M" + random.nextInt(4);
      String b = "M" + random.nextInt(4);
      int n = random.nextInt(5);
      return switch (random.nextInt(12)) {
        case 0 -> "defined(" + a + ")";
        case 1 -> "!defined " + a + " && defined(" + b + ")";
        case 2 -> a + " > " + n;
        case 3 -> a + " + 1 == " + n;
        case 4 -> "(" + a + " & 1) || defined(" + b + ")";
        case 5 -> "__CUDA_ARCH__ >= " + (random.nextBoolean() ? 800 : 900);
        case 6 -> "__CUDACC_VER_MAJOR__ >= " + (11 + random.nextInt(4));
        case 7 -> "TWICE(" + a + ") >= " + n;
        case 8 -> a + " ? " + n + " : " + b;
        case 9 -> "defined(__CUDACC_RTC__) || !defined(__NVCC__)";
        case 10 -> n + " - " + a + " * 2 < 0";
        default -> "(" + a + " << 2) == " + (n * 4);
      };
    }
  }
}
