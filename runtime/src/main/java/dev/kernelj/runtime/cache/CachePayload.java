package dev.kernelj.runtime.cache;

import dev.kernelj.runtime.nvrtc.CompiledProgram;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The bytes of one cache file: a 32-byte SHA-256 of everything after it, then a small header
 * (magic, format version, key hash, binary kind, lowered names) and the binary. Any damage —
 * truncation, a flipped bit, a file written by another format — makes {@link #decode} return empty,
 * which the cache treats as a miss.
 */
final class CachePayload {
  private static final int MAGIC = 0x4B4A4B43; // "KJKC"
  private static final int FORMAT = 1;
  private static final int DIGEST_BYTES = 32;

  private CachePayload() {}

  static byte[] encode(String keyHash, CompiledProgram program) {
    try {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(body);
      out.writeInt(MAGIC);
      out.writeInt(FORMAT);
      out.writeUTF(keyHash);
      out.writeBoolean(program.cubin());
      out.writeInt(program.loweredNames().size());
      for (Map.Entry<String, String> e : program.loweredNames().entrySet()) {
        out.writeUTF(e.getKey());
        out.writeUTF(e.getValue());
      }
      byte[] binary = program.binary();
      out.writeInt(binary.length);
      out.write(binary);
      out.flush();
      byte[] rest = body.toByteArray();
      byte[] digest = CacheKey.sha256().digest(rest);
      byte[] all = Arrays.copyOf(digest, DIGEST_BYTES + rest.length);
      System.arraycopy(rest, 0, all, DIGEST_BYTES, rest.length);
      return all;
    } catch (IOException e) {
      throw new IllegalStateException("writing to memory cannot fail", e);
    }
  }

  /**
   * The program stored for {@code keyHash}, or empty when the bytes are damaged or belong to
   * another key.
   */
  static Optional<CompiledProgram> decode(String keyHash, byte[] file) {
    if (file.length < DIGEST_BYTES + 8) {
      return Optional.empty();
    }
    byte[] rest = Arrays.copyOfRange(file, DIGEST_BYTES, file.length);
    byte[] expected = Arrays.copyOf(file, DIGEST_BYTES);
    if (!MessageDigest.isEqual(expected, CacheKey.sha256().digest(rest))) {
      return Optional.empty();
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(rest))) {
      if (in.readInt() != MAGIC || in.readInt() != FORMAT || !in.readUTF().equals(keyHash)) {
        return Optional.empty();
      }
      boolean cubin = in.readBoolean();
      int names = in.readInt();
      if (names < 0 || names > 100_000) {
        return Optional.empty();
      }
      Map<String, String> lowered = new LinkedHashMap<>();
      for (int i = 0; i < names; i++) {
        lowered.put(in.readUTF(), in.readUTF());
      }
      int length = in.readInt();
      if (length < 0 || length != in.available()) {
        return Optional.empty();
      }
      byte[] binary = in.readNBytes(length);
      return Optional.of(new CompiledProgram(binary, cubin, lowered, ""));
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
