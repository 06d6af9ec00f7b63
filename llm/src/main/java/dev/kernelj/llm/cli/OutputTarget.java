package dev.kernelj.llm.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import picocli.CommandLine.Model.CommandSpec;

/**
 * An output file named by an option ({@code --out}), written so that nothing is lost: the target is
 * checked before the model loads (a name, not a directory, in an existing directory, and not any
 * file of the model directory being read), the data goes to a temporary file beside it, and only a
 * complete file is moved over the target. A write that fails partway (a full disk, {@code ulimit
 * -f}) leaves the old file as it was and no temporary file behind.
 */
final class OutputTarget implements AutoCloseable {
  /** Writes the whole output. */
  @FunctionalInterface
  interface Writer {
    void writeTo(OutputStream out) throws IOException;
  }

  private final Path target;
  private final Path temp;

  private OutputTarget(Path target, Path temp) {
    this.target = target;
    this.temp = temp;
  }

  /**
   * Checks {@code target} (usage errors name {@code option}) and creates its temporary file.
   *
   * @param modelDir the model directory the command reads; none of its files may be the target
   */
  static OutputTarget prepare(CommandSpec spec, String option, Path target, Path modelDir) {
    OptionChecks.require(spec, !target.toString().isEmpty(), option + " must name a file");
    OptionChecks.require(
        spec, !Files.isDirectory(target), option + " names a directory, not a file: " + target);
    OptionChecks.require(
        spec,
        !Files.exists(target) || Files.isRegularFile(target),
        option + " names a device, FIFO or socket, not a file: " + target);
    Path parent = target.toAbsolutePath().getParent();
    OptionChecks.require(
        spec,
        parent != null && Files.isDirectory(parent),
        option + ": the directory " + parent + " does not exist");
    Path modelFile = modelFileAt(target, modelDir);
    OptionChecks.require(
        spec,
        modelFile == null,
        option
            + " would overwrite "
            + modelFile
            + ", a file of the model directory being read; write somewhere else");
    String name = target.getFileName().toString();
    Path temp =
        parent.resolve(
            "."
                + name
                + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + ".partial");
    try {
      Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
    } catch (IOException e) {
      throw new OutputFailure(target.toString(), e);
    }
    return new OutputTarget(target, temp);
  }

  /** The file of {@code modelDir} that {@code target} is (through links too), or null. */
  private static Path modelFileAt(Path target, Path modelDir) {
    if (!Files.exists(target) || !Files.isDirectory(modelDir)) {
      return null;
    }
    try (Stream<Path> files = Files.list(modelDir)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        if (Files.isRegularFile(file) && Files.isSameFile(file, target)) {
          return file;
        }
      }
    } catch (IOException e) {
      return null;
    }
    return null;
  }

  /** Writes the whole output to the temporary file, then moves it over the target. */
  void write(Writer writer) {
    try {
      try (OutputStream out =
          new BufferedOutputStream(
              Files.newOutputStream(temp, StandardOpenOption.TRUNCATE_EXISTING), 1 << 16)) {
        writer.writeTo(out);
      }
      try {
        Files.move(
            temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new OutputFailure(target.toString(), e);
    }
  }

  /** Removes the temporary file when the output was not written. */
  @Override
  public void close() {
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      // Nothing more to do: the target is untouched either way.
    }
  }
}
