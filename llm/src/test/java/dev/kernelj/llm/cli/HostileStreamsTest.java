package dev.kernelj.llm.cli;

import static dev.kernelj.llm.cli.HostileCli.assertNoInternals;
import static dev.kernelj.llm.cli.HostileCli.assertOneError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.tokenizer.Tokenizer;
import java.io.FileOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11's table, the rows about the process around the CLI: standard output that cannot be
 * written, an {@code --out} write that fails partway, a closed or endless standard input, lines
 * longer than the context, and arguments decoded without a UTF-8 locale. Rows that need a real
 * process (a closed file descriptor, a file-size limit, the locale) run a child JVM.
 */
class HostileStreamsTest {
  @TempDir static Path dir;
  static Path model;

  @BeforeAll
  static void writeModel() throws Exception {
    model = HostileCli.model(dir.resolve("model"));
  }

  @Test
  void standardOutputThatCannotBeWrittenIsExitCode4() throws Exception {
    for (List<String> args :
        List.of(
            List.of("generate", "--model", "MODEL", "--device", "cpu", "--prompt", "hi"),
            List.of("info", "--model", "MODEL"),
            List.of(
                "logits", "--model", "MODEL", "--device", "cpu", "--ids", "1,2", "--out", "X"))) {
      Path out = dir.resolve("full.bin");
      String[] resolved =
          args.stream().map(a -> a.equals("X") ? out.toString() : a).toArray(String[]::new);
      try (FileOutputStream full = new FileOutputStream("/dev/full")) {
        HostileCli.Run r = HostileCli.run(model, null, full, resolved);
        assertOneError(r, ExitCodes.IO_ERROR, "cannot write to standard output", "No space left");
      }
    }
  }

  @Test
  void aFailedOutWriteKeepsTheOldFileAndLeavesNoTemporaryFile() throws Exception {
    Path out = dir.resolve("logits.bin");
    byte[] old = "the previous logits".getBytes(StandardCharsets.UTF_8);
    Files.write(out, old);
    // 50 ids x 258 floats x 4 bytes = 51,600 bytes, over a file-size limit of 16 KiB. The JVM
    // ignores SIGXFSZ, so the write fails with "File too large" instead of killing the process.
    String ids = String.join(",", Collections.nCopies(50, "5"));
    HostileCli.Run r =
        HostileCli.runProcess(
            model,
            Map.of(),
            "ulimit -f 16;",
            "",
            "logits",
            "--model",
            "MODEL",
            "--device",
            "cpu",
            "--ids",
            ids,
            "--out",
            out.toString());
    assertOneError(r, ExitCodes.IO_ERROR, "cannot write to " + out, "File too large");
    assertArrayEquals(old, Files.readAllBytes(out), "the old file was replaced");
    assertEquals(
        List.of(), HostileCli.filesNamedLike(dir, ".partial"), "a temporary file was left behind");
  }

  @Test
  void chatWithStandardInputClosedIsAUsageError() throws Exception {
    HostileCli.Run r =
        HostileCli.runProcess(
            model, Map.of(), "", "<&-", "chat", "--model", "MODEL", "--device", "cpu");
    assertOneError(r, ExitCodes.USAGE, "standard input is closed");
  }

  @Test
  void nonAsciiArgumentsAreUtf8WithoutALocale() throws Exception {
    String prompt = "h\u00e9llo w\u00f6rld \u2713 \u4f60\u597d";
    int expected = Tokenizer.fromDirectory(model).encode(prompt, true).length;
    Map<String, String> noLocale = new HashMap<>();
    for (String key : List.of("LANG", "LC_ALL", "LC_CTYPE", "LANGUAGE")) {
      noLocale.put(key, null);
    }
    HostileCli.Run r =
        HostileCli.runProcess(
            model,
            noLocale,
            "",
            "",
            "generate",
            "--model",
            "MODEL",
            "--device",
            "cpu",
            "--max-tokens",
            "1",
            "--stats",
            "--prompt",
            prompt);
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains(expected + " prompt tokens"), expected + " tokens: " + r.err());
  }

  @Test
  void chatStopsAtTheEndOfInput() {
    HostileCli.Run r = HostileCli.onCpu(model, "hello", "chat", "--max-tokens", "2");
    assertEquals(0, r.code(), r.err());
    assertEquals(2, r.out().split("> ", -1).length - 1, "two prompts, one turn: " + r.out());
  }

  @Test
  void aLineLongerThanTheContextIsAnErrorForThatTurnOnly() {
    String tooLong = "x".repeat(200);
    HostileCli.Run r =
        HostileCli.onCpu(
            model,
            "hi\n" + tooLong + "\nhi again\n",
            "chat",
            "--max-tokens",
            "2",
            "--max-context",
            "64");
    assertEquals(0, r.code(), r.err());
    List<String> errors = r.err().lines().filter(l -> l.startsWith("kernelj: error:")).toList();
    assertEquals(1, errors.size(), r.err());
    assertTrue(errors.get(0).contains("does not fit the context of 64 tokens"), errors.get(0));
    assertTrue(errors.get(0).contains("the conversation is kept"), errors.get(0));
    assertNoInternals(r.err());
    assertEquals(4, r.out().split("> ", -1).length - 1, "four prompts, two replies: " + r.out());
  }

  @Test
  void aLineOverTheCharacterLimitIsDroppedAndTheChatGoesOn() {
    String huge = "y".repeat(ConsoleInput.MAX_LINE_CHARS + 10);
    HostileCli.Run r = HostileCli.onCpu(model, huge + "\nhi\n", "chat", "--max-tokens", "2");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("over the limit of " + ConsoleInput.MAX_LINE_CHARS), r.err());
    assertNoInternals(r.err());
  }

  @Test
  void infoEstimatesForTheDeviceAsked() {
    HostileCli.Run cpu = HostileCli.onCpu(model, null, "info");
    assertEquals(0, cpu.code(), cpu.err());
    assertTrue(cpu.out().contains("CPU memory") && cpu.out().contains("(f32,"), cpu.out());
    HostileCli.Run gpu = HostileCli.run(model, null, null, "info", "--model", "MODEL");
    assertTrue(gpu.out().contains("GPU memory") && gpu.out().contains("(bf16,"), gpu.out());
  }
}
