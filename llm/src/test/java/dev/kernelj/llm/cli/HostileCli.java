package dev.kernelj.llm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.model.TinyLlama;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs the CLI as a careless or hostile user would, for the table-driven tests of issue 11: a fresh
 * copy of a tiny model per case, the command in-process (or in a child JVM where the process itself
 * matters), and the checks every case shares: the exit code, one error line on stderr with the
 * expected words and no stack trace or Java class name, no hang, and nothing on disk changed.
 */
final class HostileCli {
  /** What a run printed and returned. */
  record Run(int code, String out, String err) {}

  /** Prepares a model directory (or its surroundings) for one case. */
  @FunctionalInterface
  interface Setup {
    void apply(Path model) throws Exception;
  }

  private static final Duration LIMIT = Duration.ofSeconds(60);

  private HostileCli() {}

  /** A copy of a freshly written tiny Llama (byte-level tokenizer, 258 ids) at {@code dir}. */
  static Path model(Path dir) throws IOException {
    return TinyLlama.write(dir, TinyLlama.LLAMA, 7).dir();
  }

  /** Runs {@code args} in this JVM; {@code MODEL} in an argument is replaced by {@code model}. */
  static Run run(Path model, String stdin, OutputStream stdout, String... args) {
    String[] resolved = resolve(model, args);
    return assertTimeoutPreemptively(
        LIMIT,
        () -> {
          StringWriter outText = new StringWriter();
          StringWriter err = new StringWriter();
          PrintWriter out =
              stdout == null
                  ? new PrintWriter(outText, true)
                  : new PrintWriter(
                      new OutputStreamWriter(
                          new CheckedOutputStream(stdout, "standard output"),
                          StandardCharsets.UTF_8),
                      true);
          InputStream saved = System.in;
          System.setIn(
              new ByteArrayInputStream(
                  (stdin == null ? "" : stdin).getBytes(StandardCharsets.UTF_8)));
          try {
            int code = KernelJ.execute(resolved, out, new PrintWriter(err, true));
            return new Run(code, outText.toString(), err.toString());
          } finally {
            System.setIn(saved);
          }
        },
        "kernelj " + String.join(" ", resolved) + " did not finish: a hang");
  }

  /**
   * Runs {@code kernelj COMMAND --model MODEL --device cpu ARGS...} in this JVM with {@code stdin}
   * (may be null).
   */
  static Run onCpu(Path model, String stdin, String command, String... args) {
    String[] all = new String[args.length + 5];
    System.arraycopy(new String[] {command, "--model", "MODEL", "--device", "cpu"}, 0, all, 0, 5);
    System.arraycopy(args, 0, all, 5, args.length);
    return run(model, stdin, null, all);
  }

  /** Files in {@code dir} whose name contains {@code part} (left-behind outputs or temporaries). */
  static List<Path> filesNamedLike(Path dir, String part) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().contains(part)).toList();
    }
  }

  /**
   * Runs {@code kernelj args} in a child JVM through {@code bash -c "PREFIX; exec java ...
   * SUFFIX"}: {@code ulimit} in the prefix, redirections in the suffix; {@code env} entries with a
   * null value are removed from the environment.
   */
  static Run runProcess(
      Path model, Map<String, String> env, String shellPrefix, String shellSuffix, String... args)
      throws Exception {
    StringBuilder command = new StringBuilder(shellPrefix);
    command
        .append(" exec '")
        .append(Path.of(System.getProperty("java.home"), "bin", "java"))
        .append("' -XX:-UsePerfData -XX:TieredStopAtLevel=1 -cp '")
        .append(System.getProperty("java.class.path"))
        .append("' ")
        .append(KernelJ.class.getName());
    for (String arg : resolve(model, args)) {
      command.append(" '").append(arg.replace("'", "'\\''")).append('\'');
    }
    command.append(' ').append(shellSuffix);
    ProcessBuilder builder = new ProcessBuilder("bash", "-c", command.toString());
    env.forEach(
        (key, value) -> {
          if (value == null) {
            builder.environment().remove(key);
          } else {
            builder.environment().put(key, value);
          }
        });
    Path errFile = Files.createTempFile("kernelj-err", ".txt");
    builder.redirectError(errFile.toFile());
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS), "a hang: " + command);
    String err = Files.readString(errFile);
    Files.delete(errFile);
    return new Run(process.exitValue(), out, err);
  }

  private static String[] resolve(Path model, String[] args) {
    String[] resolved = args.clone();
    for (int i = 0; i < resolved.length; i++) {
      resolved[i] = resolved[i].replace("MODEL", model.toString());
    }
    return resolved;
  }

  /**
   * The checks of every failing case: {@code code}, exactly one line on stderr that is a kernelj
   * error holding every {@code expected} text, and no stack trace or Java class name.
   */
  static void assertOneError(Run r, int code, String... expected) {
    assertEquals(code, r.code(), "exit code; stderr: " + r.err());
    List<String> lines =
        r.err().strip().lines().filter(l -> !l.startsWith("kernelj: note:")).toList();
    assertEquals(1, lines.size(), "one error line: " + r.err());
    String line = lines.get(0);
    assertTrue(line.startsWith("kernelj: error: "), line);
    for (String text : expected) {
      assertTrue(line.contains(text), "'" + text + "' in: " + line);
    }
    assertNoInternals(line);
  }

  /** No stack trace, Java class name or library jargon in what a user reads. */
  static void assertNoInternals(String text) {
    assertFalse(
        text.matches(
            "(?s).*(\\tat |Exception|java\\.|javax\\.|com\\.|gson|jackson|jinjava|Feature|internal"
                + " error).*"),
        text);
  }

  /**
   * Every file under {@code dir} (links not followed) with its kind and, for regular files, the
   * hash of its content: equal snapshots before and after a run mean nothing on disk changed.
   */
  static Map<String, String> snapshot(Path dir) throws IOException {
    Map<String, String> state = new TreeMap<>();
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return state;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String kind;
        if (Files.isSymbolicLink(p)) {
          kind = "link -> " + Files.readSymbolicLink(p);
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          kind = "file " + hash(p);
        } else {
          kind = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "dir" : "special";
        }
        state.put(dir.relativize(p).toString(), kind);
      }
    }
    return state;
  }

  private static String hash(Path file) throws IOException {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(Files.readAllBytes(file)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Makes a FIFO at {@code path} (a reader of it would block forever). */
  static void fifo(Path path) throws Exception {
    Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
    assertEquals(0, p.waitFor(), "mkfifo " + path);
  }

  /** Replaces {@code file} by a symbolic link to itself through a second link (a loop). */
  static void linkLoop(Path file) throws IOException {
    Files.deleteIfExists(file);
    Path other = file.resolveSibling(file.getFileName() + ".loop");
    Files.createSymbolicLink(file, other.getFileName());
    Files.createSymbolicLink(other, file.getFileName());
  }

  /** Rewrites {@code file} with {@code from} replaced by {@code to} (which must occur). */
  static void edit(Path file, String from, String to) throws IOException {
    String text = Files.readString(file);
    assertTrue(text.contains(from), "'" + from + "' in " + file);
    Files.writeString(file, text.replace(from, to));
  }
}
