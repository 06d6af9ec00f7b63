package dev.kernelj.runtime.cache;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * What a compiled kernel depends on: the source, the compiler arguments, the target architecture,
 * the NVRTC and driver versions, and the name expressions whose lowered names the entry records.
 * Two keys with the same fields name the same cache entry on any machine.
 */
public record CacheKey(
    String source,
    List<String> options,
    String arch,
    String nvrtcVersion,
    int driverVersion,
    List<String> nameExpressions) {

  public CacheKey {
    options = List.copyOf(options);
    nameExpressions = List.copyOf(nameExpressions);
  }

  /**
   * Hex SHA-256 over every field, each length-prefixed so that no two different keys can produce
   * the same byte stream (e.g. options {@code ["a b"]} vs {@code ["a", "b"]}).
   */
  public String hash() {
    MessageDigest md = sha256();
    update(md, "kernelj-kernel-cache-v1");
    update(md, source);
    md.update(intBytes(options.size()));
    options.forEach(o -> update(md, o));
    update(md, arch);
    update(md, nvrtcVersion);
    md.update(intBytes(driverVersion));
    md.update(intBytes(nameExpressions.size()));
    nameExpressions.forEach(n -> update(md, n));
    return HexFormat.of().formatHex(md.digest());
  }

  private static void update(MessageDigest md, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    md.update(intBytes(b.length));
    md.update(b);
  }

  private static byte[] intBytes(int v) {
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JRE has no SHA-256", e);
    }
  }
}
