package dev.kernelj.llm.cli;

import static dev.kernelj.llm.cli.HostileCli.assertOneError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11's table, the option rows and their neighbours: every value out of range, every bad
 * output target and every prompt that cannot fit is a usage error (exit code 2) naming an option
 * the command has, checked before anything is written, with nothing on disk changed.
 */
class HostileOptionsTest {
  @TempDir static Path dir;
  static Path model;
  static Path fifo;

  @BeforeAll
  static void writeModel() throws Exception {
    model = HostileCli.model(dir.resolve("model"));
    fifo = dir.resolve("fifo");
    HostileCli.fifo(fifo);
  }

  /** One row: the arguments after {@code --model MODEL --device cpu} and the error's words. */
  private record Row(String command, List<String> args, String... expected) {}

  private static Row row(String command, String args, String... expected) {
    return new Row(command, List.of(args.split(" ")), expected);
  }

  private static final String LONG_PROMPT = "lorem ipsum ".repeat(10);

  private static List<Row> rows() {
    return List.of(
        row("logits", "--ids 1,2 --steps -1 --out OUT", "--steps must be at least 0"),
        row("logits", "--ids -3 --out OUT", "--ids", "outside the vocabulary [0, 258)"),
        row("logits", "--ids 1,999 --out OUT", "--ids", "999"),
        row(
            "logits",
            "--ids 1,2,3,4,5 --steps 100 --max-context 32 --out OUT",
            "--steps",
            "lower --steps to 27"),
        row("bench", "--batch-size 0", "--batch-size must be 1 to 4096"),
        row("bench", "--batch-size 100000", "--batch-size must be 1 to 4096"),
        row("bench", "--prompt-len 0", "--prompt-len"),
        row("bench", "--gen-len 0", "--gen-len"),
        row(
            "bench",
            "--prompt-len 60 --gen-len 10 --max-context 64",
            "--prompt-len (60 tokens) + --gen-len 10",
            "lower --gen-len to 4"),
        row("generate", "--prompt hi --top-p 2", "--top-p must be in (0, 1] but is 2"),
        row("generate", "--prompt hi --top-p 0", "--top-p"),
        row("generate", "--prompt hi --max-tokens 0", "--max-tokens must be at least 1"),
        row(
            "generate",
            "--prompt hi --temperature -1",
            "--temperature must be 0 (greedy) or positive but is -1"),
        row("generate", "--prompt hi --temperature NaN", "--temperature"),
        row("generate", "--prompt hi --temperature Infinity", "--temperature"),
        row("generate", "--prompt hi --min-p 1", "--min-p must be in [0, 1)"),
        row("generate", "--prompt hi --top-k -1", "--top-k must be at least 0"),
        row("generate", "--prompt hi --repetition-penalty 0", "--repetition-penalty"),
        row("generate", "--prompt hi --gpu-memory-utilization 0", "--gpu-memory-utilization"),
        row("generate", "--prompt hi --gpu-memory-utilization 1.5", "--gpu-memory-utilization"),
        row("generate", "--prompt hi --dtype f8", "--dtype must be bf16, f16 or f32"),
        row("generate", "--prompt hi --max-context -5", "--max-context must be at least 0"),
        row(
            "generate",
            "--prompt hi --max-context 100000",
            "--max-context 100000 exceeds the model's 512 positions",
            "lower it to 512"),
        row("logits", "--ids 1 --max-context 100000 --out OUT", "--max-context 100000 exceeds"),
        row("bench", "--max-context 100000", "--max-context 100000 exceeds"),
        row("chat", "--max-context 100000", "--max-context 100000 exceeds"),
        row("generate", "--prompt hi --max-tokens notanumber", "--max-tokens"),
        row("generate", "--prompt hi --stop=", "--stop must not be an empty text"),
        row(
            "generate",
            "--prompt " + LONG_PROMPT.replace(' ', '_') + " --max-context 64",
            "--prompt is",
            "--max-context"),
        row(
            "generate",
            "--prompt hello --max-context 32 --max-tokens 100",
            "--prompt (6 tokens) + --max-tokens 100",
            "lower --max-tokens to 26"),
        row("chat", "--max-tokens 0", "--max-tokens must be at least 1"),
        row("serve", "--port 70000", "--port must be 0 to 65535 but is 70000"),
        row("serve", "--port -1", "--port must be 0 to 65535"),
        row("serve", "--host=", "--host must name an address"),
        row("serve", "--served-model-name=", "--served-model-name must not be empty"),
        row("serve", "--dtype f8", "--dtype must be bf16, f16 or f32"),
        row("serve", "--gpu-memory-utilization 0", "--gpu-memory-utilization must be in (0, 1]"),
        row("serve", "--max-model-len -1", "--max-model-len must be at least 0"),
        row("serve", "--max-waiting 0", "--max-waiting must be at least 1"),
        row("serve", "--max-num-seqs 0", "--max-num-seqs must be 1 to 4096 but is 0"),
        row(
            "serve",
            "--max-num-seqs 64 --max-num-batched-tokens 32",
            "--max-num-batched-tokens must be at least 64 but is 32"),
        row("serve", "--block-size 0", "--block-size must be 1 to 1024"),
        row("serve", "--num-kv-blocks -1", "--num-kv-blocks must be at least 0"),
        row("serve", "--max-context -1", "--max-context must be at least 0"),
        row("serve", "--shutdown-grace -1", "--shutdown-grace must be 0 to 86400 seconds"),
        row("serve", "--shutdown-grace NaN", "--shutdown-grace"),
        row("serve", "--shutdown-grace Infinity", "--shutdown-grace"),
        row("serve", "--port notanumber", "--port"),
        row("serve", "--reasoning-parser foo", "--reasoning-parser must be deepseek_r1 or qwen3"),
        row(
            "serve",
            "--tool-call-parser pythonic",
            "--tool-call-parser: unknown tool-call format 'pythonic'; one of hermes, llama3_json,"
                + " mistral or none"),
        row("info", "--context 0", "--context must be at least 1"),
        row("info", "--context 99999999999", "--context must be 1 to 2147483647"),
        row("info", "--device tpu", "--device must be cuda, cpu or auto"),
        row("logits", "--ids 1 --out=", "--out must name a file"),
        row("logits", "--ids 1 --out " + "DIR", "--out names a directory"),
        row(
            "logits",
            "--ids 1 --out /nonexistent-kernelj/x.bin",
            "the directory /nonexistent-kernelj does not exist"),
        row(
            "logits",
            "--ids 1 --out MODEL/model.safetensors",
            "would overwrite",
            "model.safetensors"),
        row("logits", "--ids 1 --out MODEL/config.json", "would overwrite"),
        row("logits", "--ids 1 --out FIFO", "FIFO"));
  }

  @TestFactory
  Stream<DynamicTest> everyRowIsOneUsageError() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Row row : rows()) {
      tests.add(
          DynamicTest.dynamicTest(
              row.command() + " " + String.join(" ", row.args()),
              () -> {
                Path out = dir.resolve("out.bin");
                Map<String, String> before = HostileCli.snapshot(dir);
                List<String> args = new ArrayList<>(List.of(row.command(), "--model", "MODEL"));
                if (!row.command().equals("info")) {
                  args.addAll(List.of("--device", "cpu"));
                }
                for (String a : row.args()) {
                  args.add(
                      a.replace("OUT", out.toString())
                          .replace("FIFO", fifo.toString())
                          .replace("DIR", dir.toString())
                          .replace('_', ' '));
                }
                HostileCli.Run r = HostileCli.run(model, null, null, args.toArray(new String[0]));
                assertOneError(r, ExitCodes.USAGE, row.expected());
                assertEquals(before, HostileCli.snapshot(dir), "something on disk changed");
              }));
    }
    return tests.stream();
  }

  @Test
  void exitCodesAreDocumentedInEveryHelp() {
    for (String command : List.of("info", "generate", "chat", "bench", "logits", "serve")) {
      HostileCli.Run r = HostileCli.run(model, null, null, command, "--help");
      assertEquals(0, r.code());
      assertTrue(r.out().contains("Exit codes:"), r.out());
      for (String code : List.of(" 2 ", " 3 ", " 4 ")) {
        assertTrue(r.out().contains(code), command + " --help lacks" + code + ": " + r.out());
      }
    }
  }

  @Test
  void aPromptWithNoTokensIsAUsageError() throws Exception {
    Path narrow = HostileCli.model(dir.resolve("narrow"));
    Files.writeString(
        narrow.resolve("tokenizer.json"),
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": []}}");
    Files.writeString(narrow.resolve("tokenizer_config.json"), "{\"add_bos_token\": false}");
    HostileCli.Run r = HostileCli.onCpu(narrow, null, "generate", "--prompt", "zz");
    assertOneError(r, ExitCodes.USAGE, "--prompt encodes to no tokens");
  }

  @Test
  void aTinyTemperatureSamplesLikeGreedy() {
    HostileCli.Run tiny =
        HostileCli.onCpu(
            model,
            null,
            "generate",
            "--prompt",
            "hi",
            "--max-tokens",
            "4",
            "--temperature",
            "1e-38");
    HostileCli.Run greedy =
        HostileCli.onCpu(model, null, "generate", "--prompt", "hi", "--max-tokens", "4");
    assertEquals(0, tiny.code(), tiny.err());
    assertEquals(greedy.out(), tiny.out());
    assertFalse(tiny.err().contains("error"), tiny.err());
  }
}
