package dev.kernelj.runtime.nvrtc;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import dev.kernelj.runtime.nativelib.NativeLibraries;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The checked NVRTC layer: opens libnvrtc on first use and compiles CUDA C to a CUBIN or PTX,
 * resolving C++ name expressions to their lowered symbols.
 */
public final class Nvrtc {
  private static final int NVRTC_SUCCESS = 0;

  private static volatile NvrtcLibrary api;
  private static volatile NativeLibrary library;

  private Nvrtc() {}

  /** The raw API, libnvrtc opened. */
  public static NvrtcLibrary api() {
    NvrtcLibrary a = api;
    if (a != null) {
      return a;
    }
    synchronized (Nvrtc.class) {
      if (api == null) {
        NativeLibrary lib = NativeLibraries.load(NativeLibraries.NVRTC);
        preloadBuiltins(lib);
        library = lib;
        api =
            Native.load(
                lib.getFile() != null ? lib.getFile().getPath() : lib.getName(),
                NvrtcLibrary.class,
                Map.of());
      }
      return api;
    }
  }

  /**
   * NVRTC opens {@code libnvrtc-builtins.so.X.Y} by name at compile time; when libnvrtc was found
   * by path rather than through the linker's search, that name would not resolve. Opening the
   * sibling file first makes the later lookup find it already loaded. Best effort.
   */
  private static void preloadBuiltins(NativeLibrary nvrtc) {
    File file = nvrtc.getFile();
    File dir = file == null ? null : file.getParentFile();
    File[] builtins =
        dir == null ? null : dir.listFiles((d, name) -> name.startsWith("libnvrtc-builtins.so"));
    if (builtins == null || builtins.length == 0) {
      return;
    }
    Arrays.sort(builtins, Comparator.comparingInt((File f) -> f.getName().length()).reversed());
    try {
      NativeLibrary.getInstance(builtins[0].getPath());
    } catch (UnsatisfiedLinkError ignored) {
      // NVRTC will report its own error if it really cannot find the builtins.
    }
  }

  private static volatile List<String> toolkitIncludes;

  /**
   * Options for {@code arch} plus the CUDA toolkit's include folder when one is found: NVRTC 13
   * does not find {@code cuda_fp16.h} / {@code cuda_bf16.h} on its own (seen: "could not open
   * source file cuda_bf16.h (no directories in search list)"). Searched: the folder beside the
   * loaded libnvrtc ({@code lib/../include}), {@code $CUDA_HOME/include}, {@code
   * $CUDA_PATH/include}, {@code /usr/local/cuda/include}.
   */
  public static CompileOptions defaultOptions(String arch) {
    CompileOptions options = CompileOptions.forArch(arch);
    for (String dir : toolkitIncludeDirs()) {
      options = options.withIncludePath(dir);
    }
    return options;
  }

  /** The first toolkit include folder holding {@code cuda_fp16.h}, as a list of zero or one. */
  public static List<String> toolkitIncludeDirs() {
    List<String> found = toolkitIncludes;
    if (found == null) {
      api();
      List<File> candidates = new java.util.ArrayList<>();
      File lib = library == null ? null : library.getFile();
      if (lib != null
          && lib.getParentFile() != null
          && lib.getParentFile().getParentFile() != null) {
        candidates.add(new File(lib.getParentFile().getParentFile(), "include"));
      }
      for (String env : List.of("CUDA_HOME", "CUDA_PATH")) {
        String v = System.getenv(env);
        if (v != null && !v.isBlank()) {
          candidates.add(new File(v, "include"));
        }
      }
      candidates.add(new File("/usr/local/cuda/include"));
      found =
          candidates.stream()
              .filter(d -> new File(d, "cuda_fp16.h").isFile())
              .limit(1)
              .map(File::getPath)
              .toList();
      toolkitIncludes = found;
    }
    return found;
  }

  /** Throws an {@link NvrtcException} for a non-zero {@code result} of {@code call}. */
  public static void check(int result, String call) {
    if (result != NVRTC_SUCCESS) {
      throw NvrtcException.forCall(result, api().nvrtcGetErrorString(result), call);
    }
  }

  /** NVRTC's version as {@code {major, minor}}. */
  public static int[] version() {
    IntByReference major = new IntByReference();
    IntByReference minor = new IntByReference();
    check(api().nvrtcVersion(major, minor), "nvrtcVersion");
    return new int[] {major.getValue(), minor.getValue()};
  }

  /** e.g. {@code "13.0"}. */
  public static String versionString() {
    int[] v = version();
    return v[0] + "." + v[1];
  }

  /**
   * The real architectures this NVRTC can compile for, as numbers (75, 80, 86, 89, 90, ...),
   * ascending.
   */
  public static int[] supportedArchs() {
    IntByReference n = new IntByReference();
    check(api().nvrtcGetNumSupportedArchs(n), "nvrtcGetNumSupportedArchs");
    int[] archs = new int[n.getValue()];
    check(api().nvrtcGetSupportedArchs(archs), "nvrtcGetSupportedArchs");
    Arrays.sort(archs);
    return archs;
  }

  /**
   * The best target for a device of compute capability {@code ccNumber} (e.g. 90): a CUBIN when
   * NVRTC knows the architecture, else PTX for the newest architecture it knows below it (the
   * driver JIT-compiles PTX forward), else PTX for the device itself.
   */
  public static String targetFor(int ccNumber, int[] supported) {
    int best = -1;
    for (int a : supported) {
      if (a == ccNumber) {
        return "sm_" + ccNumber;
      }
      if (a < ccNumber) {
        best = Math.max(best, a);
      }
    }
    return best > 0 ? "compute_" + best : "compute_" + ccNumber;
  }

  /**
   * Compiles {@code source}.
   *
   * @param programName the name NVRTC uses in its log, e.g. the interface's name + {@code .cu}
   * @param nameExpressions kernel names or template instantiations whose lowered symbols to return
   * @throws NvrtcCompileException when the source does not compile
   */
  public static CompiledProgram compile(
      String source, String programName, CompileOptions options, List<String> nameExpressions) {
    NvrtcLibrary nvrtc = api();
    PointerByReference programRef = new PointerByReference();
    check(
        nvrtc.nvrtcCreateProgram(programRef, source, programName, 0, null, null),
        "nvrtcCreateProgram(" + programName + ")");
    Pointer program = programRef.getValue();
    try {
      for (String expr : nameExpressions) {
        check(nvrtc.nvrtcAddNameExpression(program, expr), "nvrtcAddNameExpression(" + expr + ")");
      }
      List<String> args = options.toArgs();
      int result = nvrtc.nvrtcCompileProgram(program, args.size(), args.toArray(new String[0]));
      String log = log(nvrtc, program);
      if (result != NVRTC_SUCCESS) {
        throw new NvrtcCompileException(
            result,
            nvrtc.nvrtcGetErrorString(result),
            programName,
            log.isBlank() ? "(no log)" : log,
            args,
            source);
      }
      Map<String, String> lowered = new LinkedHashMap<>();
      for (String expr : nameExpressions) {
        PointerByReference symbol = new PointerByReference();
        check(
            nvrtc.nvrtcGetLoweredName(program, expr, symbol), "nvrtcGetLoweredName(" + expr + ")");
        lowered.put(expr, symbol.getValue().getString(0, StandardCharsets.UTF_8.name()));
      }
      byte[] binary = options.producesCubin() ? cubin(nvrtc, program) : ptx(nvrtc, program);
      return new CompiledProgram(binary, options.producesCubin(), lowered, log);
    } finally {
      nvrtc.nvrtcDestroyProgram(programRef);
    }
  }

  private static byte[] cubin(NvrtcLibrary nvrtc, Pointer program) {
    LongByReference size = new LongByReference();
    check(nvrtc.nvrtcGetCUBINSize(program, size), "nvrtcGetCUBINSize");
    byte[] out = new byte[Math.toIntExact(size.getValue())];
    check(nvrtc.nvrtcGetCUBIN(program, out), "nvrtcGetCUBIN");
    return out;
  }

  /** PTX including its terminating NUL, which {@code cuModuleLoadData} needs. */
  private static byte[] ptx(NvrtcLibrary nvrtc, Pointer program) {
    LongByReference size = new LongByReference();
    check(nvrtc.nvrtcGetPTXSize(program, size), "nvrtcGetPTXSize");
    byte[] out = new byte[Math.toIntExact(size.getValue())];
    check(nvrtc.nvrtcGetPTX(program, out), "nvrtcGetPTX");
    return out;
  }

  private static String log(NvrtcLibrary nvrtc, Pointer program) {
    LongByReference size = new LongByReference();
    if (nvrtc.nvrtcGetProgramLogSize(program, size) != NVRTC_SUCCESS || size.getValue() <= 1) {
      return "";
    }
    byte[] buf = new byte[Math.toIntExact(size.getValue())];
    if (nvrtc.nvrtcGetProgramLog(program, buf) != NVRTC_SUCCESS) {
      return "";
    }
    int len = buf.length;
    while (len > 0 && buf[len - 1] == 0) {
      len--;
    }
    return new String(buf, 0, len, StandardCharsets.UTF_8);
  }
}
