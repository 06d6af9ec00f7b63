package dev.kernelj.runtime.nativelib;

import com.sun.jna.NativeLibrary;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Finds and opens the native libraries KernelJ binds: the CUDA driver, NVRTC, cuBLAS and cuBLASLt.
 * Nothing is opened until first asked for; a library that cannot be found produces one {@link
 * CudaLibraryNotFoundException} listing every try.
 */
public final class NativeLibraries {
  private static final String ARCH_LIB = "targets/x86_64-linux/lib";

  /** The CUDA driver API. Only the NVIDIA driver installs it; it is never in the toolkit. */
  public static final LibrarySpec CUDA =
      new LibrarySpec(
          "CUDA driver (libcuda)",
          "KERNELJ_LIBCUDA",
          "kernelj.libcuda",
          List.of("cuda", "libcuda.so.1"),
          List.of("libcuda.so.1", "libcuda.so"),
          List.of(
              "/usr/lib/x86_64-linux-gnu",
              "/usr/lib64",
              "/usr/lib",
              "/usr/local/nvidia/lib64",
              "/usr/local/nvidia/lib",
              "/usr/lib/wsl/lib"));

  /** NVRTC, the runtime compiler; part of the CUDA toolkit, not of the driver. */
  public static final LibrarySpec NVRTC =
      toolkitLibrary("NVRTC (libnvrtc)", "NVRTC", "nvrtc", "nvrtc");

  /** cuBLAS. */
  public static final LibrarySpec CUBLAS =
      toolkitLibrary("cuBLAS (libcublas)", "CUBLAS", "cublas", "cublas");

  /** cuBLASLt. */
  public static final LibrarySpec CUBLASLT =
      toolkitLibrary("cuBLASLt (libcublasLt)", "CUBLASLT", "cublaslt", "cublasLt");

  private static final Map<LibrarySpec, NativeLibrary> LOADED = new ConcurrentHashMap<>();

  private NativeLibraries() {}

  private static LibrarySpec toolkitLibrary(
      String display, String envSuffix, String propSuffix, String stem) {
    List<String> files =
        List.of("lib" + stem + ".so.13", "lib" + stem + ".so.12", "lib" + stem + ".so");
    List<String> dirs =
        new ArrayList<>(
            List.of(
                "$CUDA_HOME/lib64",
                "$CUDA_HOME/" + ARCH_LIB,
                "$CUDA_PATH/lib64",
                "$CUDA_PATH/" + ARCH_LIB,
                "/usr/local/cuda/lib64",
                "/usr/local/cuda/" + ARCH_LIB));
    for (String versioned : installedToolkits()) {
      dirs.add(versioned + "/lib64");
      dirs.add(versioned + "/" + ARCH_LIB);
    }
    dirs.addAll(List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib64"));
    List<String> bare = new ArrayList<>(List.of(stem));
    bare.addAll(files);
    return new LibrarySpec(
        display, "KERNELJ_LIB" + envSuffix, "kernelj.lib" + propSuffix, bare, files, dirs);
  }

  /**
   * {@code /usr/local/cuda-X.Y} folders, newest first, so a versioned install is found without
   * CUDA_HOME.
   */
  static List<String> installedToolkits() {
    File[] found = new File("/usr/local").listFiles((dir, name) -> name.startsWith("cuda-"));
    if (found == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (File f : found) {
      out.add(f.getPath());
    }
    out.sort(Collections.reverseOrder(NativeLibraries::compareVersionedPaths));
    return out;
  }

  private static int compareVersionedPaths(String a, String b) {
    String[] va = a.substring(a.lastIndexOf('-') + 1).split("\\.");
    String[] vb = b.substring(b.lastIndexOf('-') + 1).split("\\.");
    for (int i = 0; i < Math.max(va.length, vb.length); i++) {
      int x = i < va.length ? parseOrZero(va[i]) : 0;
      int y = i < vb.length ? parseOrZero(vb[i]) : 0;
      if (x != y) {
        return Integer.compare(x, y);
      }
    }
    return a.compareTo(b);
  }

  private static int parseOrZero(String s) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Opens the library once per process (from the real environment and system properties). */
  public static NativeLibrary load(LibrarySpec spec) {
    NativeLibrary cached = LOADED.get(spec);
    if (cached != null) {
      return cached;
    }
    synchronized (NativeLibraries.class) {
      return LOADED.computeIfAbsent(
          spec, s -> open(s, System.getenv(), System.getProperties(), NativeLibraries::dlopen));
    }
  }

  /** Whether {@link #load} would succeed; loads the library when it can. */
  public static boolean isAvailable(LibrarySpec spec) {
    try {
      load(spec);
      return true;
    } catch (CudaLibraryNotFoundException e) {
      return false;
    }
  }

  /**
   * Tries every candidate of {@code spec} with {@code opener} and returns the first that opens.
   * Exposed for tests, which pass a fake environment and opener.
   *
   * @throws CudaLibraryNotFoundException listing every candidate and its failure
   */
  public static <T> T open(
      LibrarySpec spec, Map<String, String> env, Properties props, Function<String, T> opener) {
    List<CudaLibraryNotFoundException.Attempt> attempts = new ArrayList<>();
    for (String candidate : spec.candidates(env, props)) {
      boolean isPath = candidate.contains(File.separator);
      if (isPath && !Files.exists(Path.of(candidate))) {
        attempts.add(new CudaLibraryNotFoundException.Attempt(candidate, "no such file"));
        continue;
      }
      try {
        return opener.apply(candidate);
      } catch (UnsatisfiedLinkError | RuntimeException e) {
        attempts.add(
            new CudaLibraryNotFoundException.Attempt(candidate, firstLine(e.getMessage())));
      }
    }
    throw new CudaLibraryNotFoundException(spec, attempts);
  }

  private static NativeLibrary dlopen(String candidate) {
    return NativeLibrary.getInstance(candidate);
  }

  /** JNA's messages list its own search in many lines; the first says what went wrong. */
  static String firstLine(String message) {
    if (message == null || message.isBlank()) {
      return "failed without a message";
    }
    String line = message.strip().lines().findFirst().orElse(message);
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }
}
