package dev.kernelj.llm.cli;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command-line arguments as UTF-8 whatever the locale. The JVM decodes {@code argv} with the
 * locale's charset: with {@code LANG} unset that is ASCII, and a non-ASCII {@code --prompt} arrives
 * as replacement characters (42 tokens instead of 18). On Linux the raw bytes are still in {@code
 * /proc/self/cmdline}; the last {@code args.length} entries there are the program's arguments,
 * decoded again as UTF-8 here. Elsewhere, or when anything does not line up, the JVM's decoding
 * stands.
 */
final class Utf8Arguments {
  private static final Path CMDLINE = Path.of("/proc/self/cmdline");

  private Utf8Arguments() {}

  static String[] of(String[] args) {
    if (args.length == 0 || isUtf8(System.getProperty("sun.jnu.encoding"))) {
      return args;
    }
    try {
      return redecode(args, Files.readAllBytes(CMDLINE));
    } catch (IOException | RuntimeException e) {
      return args;
    }
  }

  private static boolean isUtf8(String charset) {
    try {
      return charset != null && Charset.forName(charset).equals(StandardCharsets.UTF_8);
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * {@code args} re-decoded from the NUL-separated {@code cmdline}; each raw argument must decode
   * to its JVM version where that is pure ASCII, or the original array is returned.
   */
  static String[] redecode(String[] args, byte[] cmdline) {
    List<String> raw = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < cmdline.length; i++) {
      if (cmdline[i] == 0) {
        raw.add(new String(cmdline, start, i - start, StandardCharsets.UTF_8));
        start = i + 1;
      }
    }
    if (start < cmdline.length) {
      raw.add(new String(cmdline, start, cmdline.length - start, StandardCharsets.UTF_8));
    }
    if (raw.size() < args.length) {
      return args;
    }
    String[] fixed = raw.subList(raw.size() - args.length, raw.size()).toArray(new String[0]);
    for (int i = 0; i < args.length; i++) {
      boolean ascii = args[i].chars().allMatch(c -> c < 0x80);
      if (ascii ? !fixed[i].equals(args[i]) : fixed[i].length() > args[i].length()) {
        return args;
      }
    }
    return fixed;
  }
}
