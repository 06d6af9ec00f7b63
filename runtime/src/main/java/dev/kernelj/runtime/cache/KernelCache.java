package dev.kernelj.runtime.cache;

import dev.kernelj.runtime.nvrtc.CompiledProgram;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Supplier;

/**
 * On-disk cache of compiled kernels, in CuPy's manner: one file per {@link CacheKey#hash()}, whose
 * payload is prefixed by its own SHA-256; written to a temporary file in the same folder and moved
 * into place atomically, so readers see a whole entry or none, and concurrent writers of one key
 * (threads or processes) each leave a valid entry. A damaged entry is a miss and is overwritten by
 * the next compile.
 *
 * <p>Location: the system property {@code kernelj.cache.dir}, else the environment variable {@code
 * KERNELJ_CACHE_DIR}, else {@code ~/.cache/kernelj/kernels}.
 */
public final class KernelCache {
  /** Environment variable naming the cache folder. */
  public static final String ENV = "KERNELJ_CACHE_DIR";

  /** System property naming the cache folder; wins over {@link #ENV}. */
  public static final String PROPERTY = "kernelj.cache.dir";

  private static final String SUFFIX = ".kjbin";

  private final Path directory;

  public KernelCache(Path directory) {
    this.directory = directory;
  }

  /** The cache at the location the environment and system properties choose. */
  public static KernelCache atDefaultLocation() {
    return new KernelCache(resolveDirectory(System.getenv(), System.getProperties()));
  }

  /** The cache folder for this environment and these properties (pure; see the class comment). */
  public static Path resolveDirectory(Map<String, String> env, Properties props) {
    String fromProperty = props.getProperty(PROPERTY);
    if (fromProperty != null && !fromProperty.isBlank()) {
      return Path.of(fromProperty);
    }
    String fromEnv = env.get(ENV);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Path.of(fromEnv);
    }
    return Path.of(props.getProperty("user.home", "."), ".cache", "kernelj", "kernels");
  }

  public Path directory() {
    return directory;
  }

  /** The file that holds (or would hold) {@code key}'s entry. */
  public Path pathOf(CacheKey key) {
    return directory.resolve(key.hash() + SUFFIX);
  }

  /** The entry for {@code key}, or empty when absent or damaged. */
  public Optional<CompiledProgram> get(CacheKey key) {
    String hash = key.hash();
    try {
      return CachePayload.decode(hash, Files.readAllBytes(directory.resolve(hash + SUFFIX)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Stores {@code program} under {@code key}, replacing any entry atomically. */
  public void put(CacheKey key, CompiledProgram program) {
    String hash = key.hash();
    byte[] bytes = CachePayload.encode(hash, program);
    try {
      Files.createDirectories(directory);
      Path tmp = Files.createTempFile(directory, hash + ".", ".tmp");
      try {
        Files.write(tmp, bytes);
        Path target = directory.resolve(hash + SUFFIX);
        try {
          Files.move(
              tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write kernel cache entry in "
              + directory
              + " (set "
              + ENV
              + " or -D"
              + PROPERTY
              + " to a writable folder)",
          e);
    }
  }

  /**
   * The cached entry, or {@code compiler}'s result, stored first. A failure to store is not fatal.
   */
  public Lookup getOrCompile(CacheKey key, Supplier<CompiledProgram> compiler) {
    Optional<CompiledProgram> hit = get(key);
    if (hit.isPresent()) {
      return new Lookup(hit.get(), true);
    }
    CompiledProgram fresh = compiler.get();
    try {
      put(key, fresh);
    } catch (UncheckedIOException e) {
      System.err.println("kernelj: " + e.getMessage() + ": " + e.getCause());
    }
    return new Lookup(fresh, false);
  }

  /** A program and whether it came from the cache. */
  public record Lookup(CompiledProgram program, boolean hit) {}
}
