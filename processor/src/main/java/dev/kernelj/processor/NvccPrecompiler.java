package dev.kernelj.processor;

import dev.kernelj.dsl.check.Diagnostic;
import dev.kernelj.dsl.cuda.CudaVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Compiles the CUDA C of one {@code @Kernel} interface with nvcc into a fat binary (a cubin per
 * architecture plus PTX for the newest), so that a machine with only the NVIDIA driver runs the
 * kernels, and so that the build fails when a kernel does not compile.
 *
 * <p>C++ kernels and template instantiations have mangled symbols that only the compiler knows. For
 * each such binding the compiled source gets one extra line, {@code __device__ void*
 * __kernelj_sym_N = (void*)&scale<float>;}: taking the address instantiates the template in the
 * binary, and the PTX initializer of that variable names the mangled symbol ({@code .u64
 * __kernelj_sym_0 = _Z5scaleIfEvPT_i;}). Those variables go into a PTX-only compile of their own
 * (no ptxas), kept per architecture ({@code --keep}): {@link BoundSymbols} reads the names there.
 *
 * <p>The fat binary itself is compiled without those variables: a kernel whose address device code
 * takes is compiled for indirect use, and ptxas then spends more registers on it (measured on
 * sm_90: 26 to 36 for a RoPE kernel, 32 to 46 for an f32 activation). Host code instantiates the
 * templates there instead ({@code void* __kernelj_inst_N = (void*)&scale<float>;}), as a launch
 * {@code scale<float><<<...>>>} would, which leaves the kernels' code as an {@code extern "C"}
 * wrapper's. Its PTX, also kept, shows which kernels nvcc really produced: {@link BoundSymbols}
 * checks that every bound kernel is there.
 */
final class NvccPrecompiler {
  static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final String SYMBOL_VARIABLE = "__kernelj_sym_";
  private static final int QUOTED_ERROR_LINES = 6;

  private final Path nvcc;
  private final List<Integer> archs;
  private String versionLine;

  NvccPrecompiler(Path nvcc, List<Integer> archs) {
    if (archs.isEmpty()) {
      throw new IllegalArgumentException("no architectures to compile for");
    }
    this.nvcc = nvcc;
    this.archs = List.copyOf(archs);
  }

  /** What compiling one interface came to. */
  sealed interface Outcome {}

  /**
   * nvcc built the binary.
   *
   * @param lowered the symbol of each binding whose symbol is known, keyed by name expression
   */
  record Compiled(byte[] fatbin, Map<String, String> lowered, String nvccVersion)
      implements Outcome {}

  /** nvcc rejected the source (or took too long); {@code message} quotes its first errors. */
  record Rejected(String message) implements Outcome {}

  /**
   * nvcc compiled the source, but its output cannot serve a binding: a bound kernel is missing, or
   * its symbol differs between architectures.
   */
  record Unbound(Diagnostic diagnostic, String message) implements Outcome {}

  /** nvcc could not be run at all; the kernels will be compiled at run time instead. */
  record Unavailable(String reason) implements Outcome {}

  List<Integer> archs() {
    return archs;
  }

  Outcome compile(KernelInterfaceModel model) throws InterruptedException {
    Path dir = null;
    try {
      dir = Files.createTempDirectory("kernelj-nvcc");
      Path keep = Files.createDirectory(dir.resolve("keep"));
      String baseName = String.join("_", model.simpleNames());
      List<KernelMethodModel> unnamed =
          model.methods().stream().filter(m -> m.cSymbol().isEmpty()).toList();
      Path cu = dir.resolve(baseName + ".cu");
      Files.writeString(
          cu, withInstantiations(model.cudaSource(), unnamed), StandardCharsets.UTF_8);
      Path symbolsCu = dir.resolve(baseName + ".symbols.cu");
      Files.writeString(
          symbolsCu, withSymbolVariables(model.cudaSource(), unnamed), StandardCharsets.UTF_8);

      // --keep leaves the PTX of every architecture beside the fat binary: it says which kernels
      // nvcc really produced.
      Run fatbin =
          run(
              dir,
              fatbinCommand(model, cu.getFileName().toString(), baseName + ".fatbin", keep, false));
      if (!fatbin.succeeded()) {
        return new Rejected(rejection(model, fatbin, unnamed));
      }
      Map<Integer, String> entryPtx = keptPtx(keep, baseName);
      // The symbol variables' PTX, per architecture (embedded as PTX only: ptxas never runs).
      Map<Integer, String> markerPtx = Map.of();
      if (!unnamed.isEmpty()) {
        Path symbolsKeep = Files.createDirectory(dir.resolve("keep-symbols"));
        Run symbols =
            run(
                dir,
                fatbinCommand(
                    model,
                    symbolsCu.getFileName().toString(),
                    baseName + ".symbols.fatbin",
                    symbolsKeep,
                    true));
        if (symbols.succeeded()) {
          markerPtx = keptPtx(symbolsKeep, baseName + ".symbols");
        }
        // Without that PTX the templates simply have no lowered name: the runtime compiles them
        // with NVRTC.
      }
      BoundSymbols.Result bound =
          BoundSymbols.check(model, unnamed, markerPtx, entryPtx, SYMBOL_VARIABLE);
      if (bound.problem().isPresent()) {
        return bound.problem().get();
      }
      return new Compiled(
          Files.readAllBytes(dir.resolve(baseName + ".fatbin")), bound.lowered(), version());
    } catch (IOException e) {
      return new Unavailable("could not run " + nvcc + ": " + e.getMessage());
    } finally {
      deleteQuietly(dir);
    }
  }

  /** The toolkit version of this nvcc, or the default when it cannot be asked. */
  CudaVersion cudaVersion() {
    try {
      return CudaVersion.fromNvccOutput(version());
    } catch (IOException e) {
      return CudaVersion.DEFAULT;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return CudaVersion.DEFAULT;
    }
  }

  /**
   * The source the fat binary is compiled from: the interface's CUDA C plus one host-side reference
   * per unnamed binding, which instantiates a template without taking its address in device code.
   */
  static String withInstantiations(String source, List<KernelMethodModel> unnamed) {
    if (unnamed.isEmpty()) {
      return source;
    }
    StringBuilder text = new StringBuilder(source);
    if (!source.endsWith("\n")) {
      text.append('\n');
    }
    for (int i = 0; i < unnamed.size(); i++) {
      text.append("void* __kernelj_inst_")
          .append(i)
          .append(" = (void*)&")
          .append(unnamed.get(i).nameExpression())
          .append(";\n");
    }
    return text.toString();
  }

  /**
   * The source the symbol names are read from: the interface's CUDA C plus one device-side symbol
   * variable per unnamed binding.
   */
  static String withSymbolVariables(String source, List<KernelMethodModel> unnamed) {
    if (unnamed.isEmpty()) {
      return source;
    }
    StringBuilder text = new StringBuilder(source);
    if (!source.endsWith("\n")) {
      text.append('\n');
    }
    for (int i = 0; i < unnamed.size(); i++) {
      text.append("__device__ void* ")
          .append(SYMBOL_VARIABLE)
          .append(i)
          .append(" = (void*)&")
          .append(unnamed.get(i).nameExpression())
          .append(";\n");
    }
    return text.toString();
  }

  /** The PTX nvcc kept in {@code keep} for each architecture, by architecture. */
  private Map<Integer, String> keptPtx(Path keep, String baseName) throws IOException {
    Map<Integer, String> ptx = new LinkedHashMap<>();
    for (int arch : archs) {
      Path file = keep.resolve(baseName + ".compute_" + arch + ".ptx");
      if (Files.isRegularFile(file)) {
        ptx.put(arch, Files.readString(file));
      }
    }
    return ptx;
  }

  /**
   * A fat binary of {@code input} for every architecture, its PTX kept in {@code keep}; {@code
   * ptxOnly} embeds PTX alone, so ptxas never runs.
   */
  private List<String> fatbinCommand(
      KernelInterfaceModel model, String input, String output, Path keep, boolean ptxOnly) {
    List<String> command =
        new ArrayList<>(
            List.of(nvcc.toString(), "-fatbin", "--keep", "--keep-dir", keep.toString()));
    for (int arch : archs) {
      String code = ptxOnly ? "compute_" + arch : "sm_" + arch;
      command.addAll(List.of("-gencode", "arch=compute_" + arch + ",code=" + code));
    }
    if (!ptxOnly) {
      int newest = archs.get(archs.size() - 1);
      command.addAll(List.of("-gencode", "arch=compute_" + newest + ",code=compute_" + newest));
    }
    command.addAll(model.options());
    command.addAll(List.of("-o", output, input));
    return command;
  }

  private String rejection(KernelInterfaceModel model, Run run, List<KernelMethodModel> unnamed) {
    String archList = archs.stream().map(a -> "sm_" + a).reduce((a, b) -> a + ", " + b).orElse("");
    if (run.timedOut()) {
      return "nvcc did not finish compiling the CUDA C of "
          + model.qualifiedName()
          + " for "
          + archList
          + " within "
          + TIMEOUT.toSeconds()
          + " s";
    }
    int sourceLines = (int) model.cudaSource().lines().count();
    List<String> quoted =
        NvccErrors.firstErrors(
            run.output(),
            QUOTED_ERROR_LINES,
            sourceLines,
            unnamed.stream().map(KernelMethodModel::nameExpression).toList());
    return "nvcc rejected the CUDA C of "
        + model.qualifiedName()
        + " for "
        + archList
        + " (exit code "
        + run.exitCode()
        + "):\n"
        + String.join("\n", quoted);
  }

  /** The line of {@code nvcc --version} that names the release, computed once. */
  private String version() throws IOException, InterruptedException {
    if (versionLine == null) {
      Path dir = Files.createTempDirectory("kernelj-nvcc");
      try {
        Run run = run(dir, List.of(nvcc.toString(), "--version"));
        List<String> lines =
            run.output().lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        versionLine =
            lines.stream()
                .filter(l -> l.contains("release"))
                .findFirst()
                .orElse(lines.isEmpty() ? "unknown" : lines.get(lines.size() - 1));
      } finally {
        deleteQuietly(dir);
      }
    }
    return versionLine;
  }

  private record Run(int exitCode, boolean timedOut, String output) {
    boolean succeeded() {
      return !timedOut && exitCode == 0;
    }
  }

  private static Run run(Path dir, List<String> command) throws IOException, InterruptedException {
    Path log = dir.resolve("nvcc.log");
    Process process =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly().waitFor();
      return new Run(-1, true, "");
    }
    return new Run(
        process.exitValue(), false, new String(Files.readAllBytes(log), StandardCharsets.UTF_8));
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // A leftover temp directory is harmless; failing the build over it would not be.
    }
  }
}
