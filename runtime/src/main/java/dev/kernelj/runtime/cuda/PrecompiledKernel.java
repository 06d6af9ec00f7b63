package dev.kernelj.runtime.cuda;

import dev.kernelj.runtime.kernel.KernelBinding;
import dev.kernelj.runtime.kernel.KernelSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;

/**
 * The build-time binary the annotation processor may leave beside a {@code @Kernel} interface:
 * {@code <SimpleBinaryName>.kernelj.fatbin} and {@code <SimpleBinaryName>.kernelj.properties} (keys
 * {@code sha256}, {@code archs}, {@code lowered.<nameExpression>=<symbol>}). It is usable only when
 * it was built from exactly this source and names a symbol for every binding.
 */
public final class PrecompiledKernel {
  /** A fatbin that fits the source, with the symbol of each binding's name expression. */
  public record Usable(byte[] fatbin, Map<String, String> loweredNames, String archs)
      implements Lookup {}

  /** Why the precompiled binary cannot be used. */
  public record Skipped(String reason) implements Lookup {}

  /** The result of {@link #find}. */
  public sealed interface Lookup permits Usable, Skipped {}

  public static final String FATBIN_SUFFIX = ".kernelj.fatbin";
  public static final String PROPERTIES_SUFFIX = ".kernelj.properties";

  private PrecompiledKernel() {}

  /** The resource base name: the owner's binary name without its package ({@code Outer$Inner}). */
  public static String baseName(Class<?> owner) {
    String binary = owner.getName();
    return binary.substring(binary.lastIndexOf('.') + 1);
  }

  /** Looks for the owner's resources and checks them against {@code source}. */
  public static Lookup find(KernelSource source) {
    Class<?> owner = source.owner();
    String base = baseName(owner);
    byte[] fatbin = read(owner, base + FATBIN_SUFFIX);
    byte[] props = read(owner, base + PROPERTIES_SUFFIX);
    if (fatbin == null || props == null) {
      return new Skipped(
          "no "
              + base
              + FATBIN_SUFFIX
              + " / "
              + PROPERTIES_SUFFIX
              + " resource beside "
              + owner.getName());
    }
    Properties p = new Properties();
    try {
      p.load(new StringReader(new String(props, StandardCharsets.UTF_8)));
    } catch (IOException | IllegalArgumentException e) {
      return new Skipped(
          base + PROPERTIES_SUFFIX + " is not a valid properties file: " + e.getMessage());
    }
    String actual = sha256(source.cudaSource());
    String recorded = p.getProperty("sha256", "");
    if (!recorded.equalsIgnoreCase(actual)) {
      return new Skipped(
          "the precompiled binary was built from other source (sha256 "
              + abbreviate(recorded)
              + " vs "
              + abbreviate(actual)
              + ")");
    }
    Map<String, String> lowered = new HashMap<>();
    for (KernelBinding b : source.bindings()) {
      String symbol = loweredName(p, b.nameExpression());
      if (symbol == null) {
        return new Skipped(
            "the precompiled binary has no lowered name for '" + b.nameExpression() + "'");
      }
      lowered.put(b.nameExpression(), symbol);
    }
    return new Usable(fatbin, lowered, p.getProperty("archs", ""));
  }

  private static String loweredName(Properties p, String nameExpression) {
    String exact = p.getProperty("lowered." + nameExpression);
    if (exact != null) {
      return exact.trim();
    }
    String squeezed = nameExpression.replaceAll("\\s+", "");
    for (String key : p.stringPropertyNames()) {
      if (key.startsWith("lowered.") && key.substring(8).replaceAll("\\s+", "").equals(squeezed)) {
        return p.getProperty(key).trim();
      }
    }
    return null;
  }

  private static byte[] read(Class<?> owner, String resource) {
    try (InputStream in = owner.getResourceAsStream(resource)) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException e) {
      return null;
    }
  }

  /** Hex SHA-256 of the UTF-8 text. */
  public static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JRE has no SHA-256", e);
    }
  }

  private static String abbreviate(String hash) {
    return hash.length() > 12 ? hash.substring(0, 12) + "…" : (hash.isEmpty() ? "(none)" : hash);
  }
}
