package dev.kernelj.llm.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * The process's standard output and error as UTF-8 writers, whatever the locale (with {@code LANG}
 * unset Java would encode as ASCII and print {@code ?} for every other character). Standard output
 * reports write failures ({@link CheckedOutputStream}); standard error is best effort.
 */
final class StandardStreams {
  private StandardStreams() {}

  static PrintWriter stdout() {
    return new PrintWriter(
        new OutputStreamWriter(
            new CheckedOutputStream(new FileOutputStream(FileDescriptor.out), "standard output"),
            StandardCharsets.UTF_8),
        true);
  }

  static PrintWriter stderr() {
    return new PrintWriter(
        new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8),
        true);
  }
}
