package dev.kernelj.llm.tokenizer;

import java.nio.file.Path;

/**
 * A tokenizer file ({@code tokenizer.json}, {@code tokenizer_config.json}, ...) that cannot be
 * used: malformed JSON, a missing or ill-typed field, or a component this tokenizer does not
 * implement. The message always names the file and the JSON field at fault.
 */
public final class TokenizerFormatException extends RuntimeException {

  private final transient Path file;
  private final String field;

  /**
   * @param file the file being read (may be {@code null} when reading from memory)
   * @param field the JSON path of the offending field, e.g. {@code model.merges[12]}
   * @param problem what is wrong with it
   */
  public TokenizerFormatException(Path file, String field, String problem) {
    this(file, field, problem, null);
  }

  /** Same as {@link #TokenizerFormatException(Path, String, String)} with a cause. */
  public TokenizerFormatException(Path file, String field, String problem, Throwable cause) {
    super(describe(file) + ": field '" + field + "': " + problem, cause);
    this.file = file;
    this.field = field;
  }

  private static String describe(Path file) {
    return file == null ? "<in-memory tokenizer>" : file.toString();
  }

  /** The file at fault, or {@code null} when the tokenizer was read from memory. */
  public Path file() {
    return file;
  }

  /** The JSON path of the field at fault. */
  public String field() {
    return field;
  }
}
