package dev.kernelj.llm.cli;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * Turns the text of a path option ({@code --model}, {@code --out}) into a {@link Path}, with a
 * message a user can act on when the JVM cannot: Java names files in the charset of the locale it
 * started in, so with {@code LANG} unset a non-ASCII path (which {@link Utf8Arguments} decoded
 * correctly) cannot be opened at all.
 */
final class PathConverter implements CommandLine.ITypeConverter<Path> {
  @Override
  public Path convert(String value) {
    try {
      return Path.of(value);
    } catch (InvalidPathException e) {
      String charset = System.getProperty("sun.jnu.encoding", "");
      boolean ascii = value.chars().allMatch(c -> c < 0x80);
      String why =
          !ascii && !Utf8Arguments.isUtf8(charset)
              ? "Java names files in the locale's charset ("
                  + charset
                  + "), which cannot spell its characters; run kernelj in a UTF-8 locale, e.g."
                  + " LANG=C.UTF-8"
              : e.getReason();
      throw new CommandLine.TypeConversionException("'" + value + "' is not a usable path: " + why);
    }
  }
}
