package dev.kernelj.llm.util;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The one error type for a model directory that cannot be used as given: a malformed safetensors
 * file, a missing or mistyped configuration key, a missing shard, an unsupported architecture or
 * quantization scheme, or a file that cannot be read.
 *
 * <p>Every instance names the file and the field (a JSON key, a tensor name, a header part) so that
 * the message alone tells the user what to fix. The CLI prints {@link #getMessage()} as a single
 * line.
 */
public final class ModelFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final String field;
  private final String detail;

  /**
   * @param file the file at fault (may be a directory when a file is missing from it)
   * @param field the part of the file at fault, e.g. {@code "header length"}, {@code "hidden_size"}
   *     or {@code "tensor 'model.embed_tokens.weight'"}
   * @param detail what is wrong, in words
   */
  public ModelFormatException(Path file, String field, String detail) {
    this(file, field, detail, null);
  }

  /**
   * As {@link #ModelFormatException(Path, String, String)}, keeping the low-level cause for {@code
   * --debug}.
   */
  public ModelFormatException(Path file, String field, String detail, Throwable cause) {
    super(format(file, field, detail), cause);
    this.file = Objects.requireNonNull(file, "file");
    this.field = Objects.requireNonNull(field, "field");
    this.detail = Objects.requireNonNull(detail, "detail");
  }

  /**
   * Tensor {@code name}, which {@code neededBy} needs, is not in the checkpoint at {@code
   * location}.
   */
  public static ModelFormatException missingTensor(Path location, String name, String neededBy) {
    return new ModelFormatException(
        location, name, "is missing from the checkpoint (" + neededBy + " needs it)");
  }

  /** Tensor {@code name} has {@code shape} where config.json implies {@code expected}. */
  public static ModelFormatException wrongShape(
      Path file, String name, long[] shape, long[] expected) {
    return new ModelFormatException(
        file,
        name,
        "has shape "
            + java.util.Arrays.toString(shape)
            + " but config.json implies "
            + java.util.Arrays.toString(expected));
  }

  private static String format(Path file, String field, String detail) {
    return file + ": " + field + ": " + detail;
  }

  /** The file at fault. */
  public Path file() {
    return file;
  }

  /** The part of the file at fault (JSON key, tensor name, header part). */
  public String field() {
    return field;
  }

  /** What is wrong, without the file and field prefix. */
  public String detail() {
    return detail;
  }
}
