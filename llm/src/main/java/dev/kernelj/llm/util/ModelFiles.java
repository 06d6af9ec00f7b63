package dev.kernelj.llm.util;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The checks every file of a model directory passes before a byte of it is read: it is a regular
 * file (not a directory, FIFO, device or socket: a FIFO would block the read forever and {@code
 * /dev/zero} would never end), it is not a broken or looping symbolic link, and it is within the
 * size limit of its kind. Small files are then read with a bound, so a file that grows meanwhile
 * (or a {@code /proc} file whose size reads 0) still cannot exhaust the heap.
 *
 * <p>Every problem is a {@link ModelFormatException} naming the file.
 */
public final class ModelFiles {
  /** Largest config-like JSON file read (config.json, tokenizer_config.json, indexes...). */
  public static final long MAX_SMALL_FILE = 64L << 20;

  /** Largest tokenizer.json read (the largest real ones are about 35 MB). */
  public static final long MAX_TOKENIZER_FILE = 512L << 20;

  private ModelFiles() {}

  /**
   * Whether something is at {@code file}, a broken symbolic link included: an optional file that is
   * present must then be usable, not silently skipped.
   */
  public static boolean isPresent(Path file) {
    return Files.exists(file, LinkOption.NOFOLLOW_LINKS);
  }

  /** Checks that {@code dir} is a readable directory (the model directory itself). */
  public static void requireDirectory(Path dir) {
    BasicFileAttributes attributes = attributes(dir, "(model directory)");
    if (!attributes.isDirectory()) {
      throw new ModelFormatException(
          dir,
          "(model directory)",
          attributes.isRegularFile()
              ? "is a file, not a model directory (pass the directory that holds config.json)"
              : "is not a directory");
    }
  }

  /**
   * Checks that {@code file} is a regular file of at most {@code maxBytes} bytes (after following
   * symbolic links); returns its size.
   */
  public static long requireRegularFile(Path file, long maxBytes) {
    BasicFileAttributes attributes = attributes(file, "(file)");
    if (attributes.isDirectory()) {
      throw new ModelFormatException(file, "(file)", "is a directory, not a file");
    }
    if (!attributes.isRegularFile()) {
      throw new ModelFormatException(
          file, "(file)", "is not a regular file (a FIFO, device or socket cannot be read)");
    }
    if (attributes.size() > maxBytes) {
      throw tooLarge(file, attributes.size(), maxBytes);
    }
    return attributes.size();
  }

  /** The whole of a small file, read with {@code maxBytes} as a hard bound. */
  public static byte[] readSmall(Path file, long maxBytes) {
    requireRegularFile(file, maxBytes);
    try (InputStream in = Files.newInputStream(file)) {
      // Read in chunks up to one byte past the bound: a file that grew since it was measured
      // cannot push the heap past it.
      byte[] bytes = in.readNBytes((int) (maxBytes + 1));
      if (bytes.length > maxBytes) {
        throw tooLarge(file, bytes.length, maxBytes);
      }
      return bytes;
    } catch (IOException e) {
      throw unreadable(file, e);
    }
  }

  private static ModelFormatException tooLarge(Path file, long size, long maxBytes) {
    return new ModelFormatException(
        file,
        "(file)",
        "is "
            + ByteSizes.format(size)
            + ", over the limit of "
            + ByteSizes.format(maxBytes)
            + " for a file of this kind (not the right file?)");
  }

  private static BasicFileAttributes attributes(Path file, String field) {
    try {
      return Files.readAttributes(file, BasicFileAttributes.class);
    } catch (IOException e) {
      throw unreadable(file, e, field);
    }
  }

  /** A read failure of {@code file} in words: not found, a broken link, a link loop, denied... */
  public static ModelFormatException unreadable(Path file, IOException e) {
    return unreadable(file, e, "(file)");
  }

  private static ModelFormatException unreadable(Path file, IOException e, String field) {
    return new ModelFormatException(file, field, why(file, e), e);
  }

  private static String why(Path file, IOException e) {
    if (e instanceof NoSuchFileException) {
      return Files.isSymbolicLink(file) ? "is a broken symbolic link" : "not found";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    String reason = e instanceof FileSystemException fs ? fs.getReason() : e.getMessage();
    if (reason != null && reason.contains("Too many levels of symbolic links")) {
      return "is a symbolic link loop";
    }
    if (reason != null && reason.contains("Is a directory")) {
      return "is a directory, not a file";
    }
    return "cannot be read" + (reason == null || reason.isBlank() ? "" : ": " + reason.strip());
  }
}
