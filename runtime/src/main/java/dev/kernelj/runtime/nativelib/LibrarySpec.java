package dev.kernelj.runtime.nativelib;

import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Where one native library may live: an override (system property first, then environment variable)
 * or else a list of bare names for the dynamic linker's own search and a list of directories to
 * probe for each file name.
 *
 * @param displayName how messages name the library, e.g. {@code "CUDA driver (libcuda)"}
 * @param envVar environment variable holding an explicit path, e.g. {@code KERNELJ_LIBCUDA}
 * @param systemProperty system property holding an explicit path; wins over {@link #envVar}
 * @param bareNames names handed to the dynamic linker as they are ({@code "cuda"}, {@code
 *     "libcuda.so.1"})
 * @param fileNames file names looked for in each directory ({@code "libcuda.so.1"})
 * @param directories directories probed in order; entries may start with an environment variable
 *     reference such as {@code "$CUDA_HOME/lib64"}, skipped when the variable is unset
 */
public record LibrarySpec(
    String displayName,
    String envVar,
    String systemProperty,
    List<String> bareNames,
    List<String> fileNames,
    List<String> directories) {

  public LibrarySpec {
    bareNames = List.copyOf(bareNames);
    fileNames = List.copyOf(fileNames);
    directories = List.copyOf(directories);
  }

  /**
   * The explicit path the user configured, or null: the system property wins over the environment.
   */
  public String override(Map<String, String> env, Properties systemProperties) {
    String fromProperty = systemProperties.getProperty(systemProperty);
    if (fromProperty != null && !fromProperty.isBlank()) {
      return fromProperty.trim();
    }
    String fromEnv = env.get(envVar);
    return fromEnv != null && !fromEnv.isBlank() ? fromEnv.trim() : null;
  }

  /**
   * Every candidate to try, in order: only the override when one is set (a user who points at a
   * library wants that one or an error, not a silent substitute), else the bare names then each
   * file name in each existing-or-not directory. Duplicates are dropped.
   */
  public List<String> candidates(Map<String, String> env, Properties systemProperties) {
    String override = override(env, systemProperties);
    if (override != null) {
      return List.of(override);
    }
    Set<String> out = new LinkedHashSet<>(bareNames);
    for (String dir : expandDirectories(env)) {
      for (String file : fileNames) {
        out.add(dir + File.separator + file);
      }
    }
    return new ArrayList<>(out);
  }

  /**
   * The directories with {@code $VAR} prefixes resolved; entries whose variable is unset are
   * dropped.
   */
  List<String> expandDirectories(Map<String, String> env) {
    List<String> out = new ArrayList<>();
    for (String dir : directories) {
      if (dir.startsWith("$")) {
        int slash = dir.indexOf('/');
        String var = slash < 0 ? dir.substring(1) : dir.substring(1, slash);
        String value = env.get(var);
        if (value == null || value.isBlank()) {
          continue;
        }
        out.add(value + (slash < 0 ? "" : dir.substring(slash)));
      } else {
        out.add(dir);
      }
    }
    return out;
  }

  /** How to point KernelJ at the right file, for error messages. */
  public String howToOverride() {
    return "set the environment variable "
        + envVar
        + " or the system property -D"
        + systemProperty
        + " to the library's full path";
  }
}
