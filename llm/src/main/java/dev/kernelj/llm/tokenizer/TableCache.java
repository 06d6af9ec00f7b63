package dev.kernelj.llm.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.Adler32;
import java.util.zip.CRC32;

/**
 * On-disk cache of resolved {@link BpeTables}, keyed by the content of {@code tokenizer.json}.
 * Resolving Llama 3's 9 MB of JSON costs a fresh JVM several hundred milliseconds of
 * not-yet-compiled code; reading the resolved arrays back is a few bulk copies. Same rules as the
 * kernel cache: the key is a hash of the input (CRC32 and Adler-32 of the bytes, plus their
 * length), the payload carries its own checksum, files are written to a temporary name and moved
 * into place atomically, and anything unreadable is a miss, never an error.
 *
 * <p>Location: the system property {@value #PROPERTY}, else the environment variable {@code
 * KERNELJ_TOKENIZER_CACHE}, else {@code ~/.cache/kernelj/tokenizer-tables}; the value {@code off}
 * disables it.
 *
 * <p>Bump {@link #FORMAT} whenever the layout or the way the model section is resolved changes.
 */
final class TableCache {

  /** System property naming the cache directory, or {@code off}. */
  static final String PROPERTY = "kernelj.tokenizer.cache";

  private static final int MAGIC = 0x4B4A5442; // "KJTB"
  private static final int FORMAT = 2;
  private static final int HEADER_BYTES = 16;

  /**
   * Files below this size parse in a few milliseconds: caching them would only leave entries behind
   * (an entry holds the presized tables, about 4 MB even for a tiny vocabulary).
   */
  static final int DEFAULT_MIN_BYTES = 512 * 1024;

  private final Path dir;
  private final int minBytes;

  /** A cache in {@code dir} for files of at least {@link #DEFAULT_MIN_BYTES}; null disables it. */
  TableCache(Path dir) {
    this(dir, DEFAULT_MIN_BYTES);
  }

  /** A cache in {@code dir} for files of at least {@code minBytes}; null disables it. */
  TableCache(Path dir, int minBytes) {
    this.dir = dir;
    this.minBytes = minBytes;
  }

  /** The cache the system property, the environment or the default name. */
  static TableCache fromEnvironment() {
    String configured = System.getProperty(PROPERTY, System.getenv("KERNELJ_TOKENIZER_CACHE"));
    if ("off".equalsIgnoreCase(configured)) return new TableCache(null);
    if (configured != null && !configured.isBlank()) return new TableCache(Path.of(configured));
    return new TableCache(
        Path.of(System.getProperty("user.home", "."), ".cache", "kernelj", "tokenizer-tables"));
  }

  /** Whether a file of {@code length} bytes goes through this cache. */
  boolean covers(int length) {
    return dir != null && length >= minBytes;
  }

  /** A cached model section: where it sits in the file, and what it resolves to. */
  record Hit(int modelStart, int modelEnd, BpeTables tables) {}

  /**
   * The key of a file's content. Both checksums are native code, fast even before the JIT has
   * compiled anything (CRC32C, a Java loop until compiled, took a fresh JVM 40 ms on 9 MB).
   */
  static String key(byte[] content) {
    CRC32 c = new CRC32();
    c.update(content, 0, content.length);
    Adler32 d = new Adler32();
    d.update(content, 0, content.length);
    return Long.toHexString(c.getValue() << 32 | d.getValue()) + "-" + content.length;
  }

  /** The entry for {@code key}, or null when absent, damaged or written by another format. */
  Hit load(String key) {
    if (dir == null) return null;
    Path file = dir.resolve(key + ".bin");
    try {
      if (!Files.isRegularFile(file)) return null;
      ByteBuffer b;
      // Mapped, not read: the arrays are copied once, from the page cache straight into the heap.
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
        b =
            channel
                .map(FileChannel.MapMode.READ_ONLY, 0, channel.size())
                .order(ByteOrder.LITTLE_ENDIAN);
      }
      if (b.remaining() < HEADER_BYTES || b.getInt() != MAGIC || b.getInt() != FORMAT) return null;
      int checksum = b.getInt();
      int length = b.getInt();
      if (length != b.remaining() || checksum != checksum(b.slice())) return null;
      int modelStart = b.getInt();
      int modelEnd = b.getInt();
      int flags = b.getInt();
      BpeModel.Options options =
          new BpeModel.Options(
              string(b),
              string(b),
              string(b),
              (flags & 1) != 0,
              (flags & 2) != 0,
              (flags & 4) != 0);
      int size = b.getInt();
      TokenIndex vocab = new TokenIndex(ints(b), chars(b), size);
      TokenTexts tokens = TokenTexts.lazy(vocab, ints(b));
      MergeTable merges = new MergeTable(longs(b));
      if (b.hasRemaining()) return null;
      return new Hit(modelStart, modelEnd, new BpeTables(vocab, tokens, merges, options));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Stores an entry; failures (read-only home, full disk) only cost the next load its speed. */
  void store(String key, int modelStart, int modelEnd, BpeTables t) {
    if (dir == null) return;
    int[] slotById = t.vocab().slotsById(t.tokens().size());
    for (int id = 0; id < slotById.length; id++) {
      String text = slotById[id] < 0 ? null : t.vocab().textAt(slotById[id]);
      // Where several tokens share an id the file decides which text wins; the index cannot tell.
      if (!java.util.Objects.equals(text, t.tokens().get(id))) return;
    }
    int[] slots = t.vocab().slots();
    char[] pool = t.vocab().pool();
    long[] merges = t.merges().slots();
    BpeModel.Options o = t.options();
    int length =
        4 * (3 + 1 + 1 + 1 + 1 + 1 + slots.length + slotById.length)
            + 8 * merges.length
            + 2 * pool.length
            + stringBytes(o.unkToken())
            + stringBytes(o.continuingSubwordPrefix())
            + stringBytes(o.endOfWordSuffix());
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC).putInt(FORMAT).putInt(0).putInt(length);
    b.putInt(modelStart).putInt(modelEnd);
    b.putInt((o.fuseUnk() ? 1 : 0) | (o.byteFallback() ? 2 : 0) | (o.ignoreMerges() ? 4 : 0));
    putString(b, o.unkToken());
    putString(b, o.continuingSubwordPrefix());
    putString(b, o.endOfWordSuffix());
    b.putInt(t.vocab().size());
    putInts(b, slots);
    b.putInt(pool.length);
    b.asCharBuffer().put(pool);
    b.position(b.position() + 2 * pool.length);
    putInts(b, slotById);
    b.putInt(merges.length);
    b.asLongBuffer().put(merges);
    b.position(b.position() + 8 * merges.length);
    b.putInt(8, checksum(ByteBuffer.wrap(b.array(), HEADER_BYTES, length)));
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, key, ".tmp");
      Files.write(tmp, b.array());
      Files.move(
          tmp,
          dir.resolve(key + ".bin"),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // Nothing more to do: the entry was only an optimisation.
        }
      }
    }
  }

  /** Adler-32 of the payload: native like CRC32 but faster, and only guards against damage. */
  private static int checksum(ByteBuffer payload) {
    Adler32 c = new Adler32();
    c.update(payload);
    return (int) c.getValue();
  }

  private static int stringBytes(String s) {
    return 4 + (s == null ? 0 : 2 * s.length());
  }

  private static void putString(ByteBuffer b, String s) {
    b.putInt(s == null ? -1 : s.length());
    if (s != null) {
      for (int i = 0; i < s.length(); i++) b.putChar(s.charAt(i));
    }
  }

  private static String string(ByteBuffer b) {
    int length = b.getInt();
    if (length < 0) return null;
    char[] c = new char[length];
    for (int i = 0; i < length; i++) c[i] = b.getChar();
    return new String(c);
  }

  private static void putInts(ByteBuffer b, int[] values) {
    b.putInt(values.length);
    b.asIntBuffer().put(values);
    b.position(b.position() + 4 * values.length);
  }

  private static int[] ints(ByteBuffer b) {
    int[] values = new int[b.getInt()];
    b.asIntBuffer().get(values);
    b.position(b.position() + 4 * values.length);
    return values;
  }

  private static long[] longs(ByteBuffer b) {
    long[] values = new long[b.getInt()];
    b.asLongBuffer().get(values);
    b.position(b.position() + 8 * values.length);
    return values;
  }

  private static char[] chars(ByteBuffer b) {
    char[] values = new char[b.getInt()];
    b.asCharBuffer().get(values);
    b.position(b.position() + 2 * values.length);
    return values;
  }
}
