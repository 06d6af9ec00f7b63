package dev.kernelj.llm.cli;

import static dev.kernelj.llm.cli.HostileCli.assertOneError;
import static dev.kernelj.llm.cli.HostileCli.edit;
import static dev.kernelj.llm.cli.HostileCli.fifo;
import static dev.kernelj.llm.cli.HostileCli.linkLoop;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kernelj.llm.model.TinyLlama;
import dev.kernelj.llm.safetensors.SafetensorsWriter;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11's table, the model-file rows and their neighbours: each broken file gives exit code 3
 * and one line naming the file and what is wrong, the same for {@code info} and the commands that
 * load the model, with nothing on disk changed and no hang.
 */
class HostileModelFilesTest {
  @TempDir Path dir;

  /** One row: a broken model directory and the words its error must hold. */
  private record Row(String name, HostileCli.Setup setup, String... expected) {}

  private static final String NESTED = "[".repeat(10_000) + "]".repeat(10_000);

  private static List<Row> rows() {
    return List.of(
        new Row(
            "tokenizer.json nested 10,000 deep",
            m ->
                edit(
                    m.resolve("tokenizer.json"),
                    "\"normalizer\": null",
                    "\"normalizer\": " + NESTED),
            "tokenizer.json",
            "field 'normalizer[0][0][0][0][0][0][0]... (65 levels)'",
            "nested deeper than 64"),
        new Row(
            "tokenizer.json vocab id 2^30+7",
            m -> edit(m.resolve("tokenizer.json"), "\": 255}", "\": 1073741831}"),
            "model.vocab",
            "beyond the limit"),
        new Row(
            "added token id 2^31-1",
            m -> edit(m.resolve("tokenizer.json"), "\"id\": 257", "\"id\": 2147483647"),
            "added_tokens[1].id",
            "far beyond"),
        new Row(
            "added token id beyond the embedding",
            m -> edit(m.resolve("tokenizer.json"), "\"id\": 257", "\"id\": 5000"),
            "added_tokens[1].id",
            "beyond the model's embedding of 258 rows"),
        new Row(
            "duplicate key in tokenizer.json",
            m ->
                edit(
                    m.resolve("tokenizer.json"),
                    "\"normalizer\": null,",
                    "\"normalizer\": null, \"normalizer\": null,"),
            "tokenizer.json",
            "duplicate key 'normalizer'"),
        new Row(
            "WordPiece tokenizer",
            m -> edit(m.resolve("tokenizer.json"), "\"type\": \"BPE\"", "\"type\": \"WordPiece\""),
            "unsupported model 'WordPiece'"),
        new Row(
            "Unigram tokenizer",
            m -> edit(m.resolve("tokenizer.json"), "\"type\": \"BPE\"", "\"type\": \"Unigram\""),
            "unsupported model 'Unigram'"),
        new Row(
            "chat_template 2,000 nested ifs",
            m -> template(m, "{% if true %}".repeat(2000) + "x" + "{% endif %}".repeat(2000)),
            "chat_template",
            "nest deeper than 64"),
        new Row(
            "chat template syntax error",
            m -> template(m, "{% for m in messages %}{{ m.content }}"),
            "chat_template",
            "Missing end tag"),
        new Row(
            "chat template raise_exception",
            m -> template(m, "{{ raise_exception('no system role here') }}"),
            "chat_template",
            "no system role here"),
        new Row(
            "chat template 'x' * 2000000000",
            m -> template(m, "{{ 'x' * 2000000000 }}{{ messages[0].content }}"),
            "chat_template"),
        new Row(
            "chat template unknown filter",
            m -> template(m, "{{ messages | frobnicate }}"),
            "chat_template",
            "unknown filter 'frobnicate'"),
        new Row(
            "chat template that loops forever",
            m ->
                template(
                    m,
                    "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000)"
                        + " %}{% endfor %}{% endfor %}{% endfor %}"),
            "chat_template",
            "range() items"),
        new Row(
            "config.json a symlink to /dev/zero",
            m -> relink(m.resolve("config.json"), Path.of("/dev/zero")),
            "config.json",
            "not a regular file"),
        new Row("config.json a FIFO", m -> refifo(m.resolve("config.json")), "config.json", "FIFO"),
        new Row(
            "config.json a directory",
            m -> redir(m.resolve("config.json")),
            "config.json",
            "is a directory"),
        new Row(
            "config.json bytes that are not UTF-8",
            m -> notUtf8(m.resolve("config.json")),
            "config.json",
            "not valid UTF-8"),
        new Row(
            "generation_config.json a FIFO",
            m -> refifo(m.resolve("generation_config.json")),
            "generation_config.json",
            "FIFO"),
        new Row(
            "tokenizer_config.json over the size limit",
            m -> sparse(m.resolve("tokenizer_config.json"), 65L << 20),
            "tokenizer_config.json",
            "over the limit"),
        new Row(
            "hidden_act gelu",
            m -> edit(m.resolve("config.json"), "\"silu\"", "\"gelu\""),
            "hidden_act",
            "gelu"),
        new Row(
            "hidden_act relu",
            m -> edit(m.resolve("config.json"), "\"silu\"", "\"relu\""),
            "hidden_act"),
        new Row(
            "hidden_act bogus_fn",
            m -> edit(m.resolve("config.json"), "\"silu\"", "\"bogus_fn\""),
            "hidden_act"),
        new Row(
            "quant_method foo",
            m ->
                edit(
                    m.resolve("config.json"),
                    "\"hidden_act\"",
                    "\"quantization_config\": {\"quant_method\": \"foo\", \"bits\": 4, \"group_size\": 128},"
                        + " \"hidden_act\""),
            "quant_method",
            "foo"),
        new Row(
            "I32 norm weight",
            m -> retype(m, "model.norm.weight", "I32"),
            "model.norm.weight",
            "dtype I32"),
        new Row(
            "F64 embedding",
            m -> retype(m, "model.embed_tokens.weight", "F64"),
            "model.embed_tokens.weight",
            "dtype F64"),
        new Row(
            "missing tensor",
            m -> drop(m, "model.layers.1.mlp.up_proj.weight"),
            "model.layers.1.mlp.up_proj.weight",
            "missing"),
        new Row(
            "layers beyond num_hidden_layers",
            m ->
                edit(
                    m.resolve("config.json"),
                    "\"num_hidden_layers\": 2",
                    "\"num_hidden_layers\": 1"),
            "model.layers.1",
            "beyond num_hidden_layers"),
        new Row(
            "a Qwen3-style head norm in a model that is not Qwen3",
            m -> add(m, "model.layers.0.self_attn.q_norm.weight", 16, 1f),
            "model.layers.0.self_attn.q_norm.weight",
            "does not apply",
            "Qwen3"),
        new Row(
            "a nonzero bias the engine does not apply",
            m -> add(m, "model.layers.0.self_attn.o_proj.bias", 64, 0.25f),
            "o_proj.bias",
            "does not apply"),
        new Row(
            "safetensors bytes after the last tensor",
            m -> appendBytes(m.resolve("model.safetensors"), 3),
            "model.safetensors",
            "after the last tensor"),
        new Row(
            "model.safetensors a symlink loop",
            m -> linkLoop(m.resolve("model.safetensors")),
            "model.safetensors",
            "symbolic link loop"),
        new Row(
            "model.safetensors a dangling link",
            m -> relink(m.resolve("model.safetensors"), m.resolve("gone.safetensors")),
            "model.safetensors",
            "broken symbolic link"),
        new Row(
            "model.safetensors a directory",
            m -> redir(m.resolve("model.safetensors")),
            "model.safetensors",
            "is a directory"),
        new Row(
            "model.safetensors a FIFO",
            m -> refifo(m.resolve("model.safetensors")),
            "model.safetensors",
            "FIFO"),
        new Row(
            "tokenizer.json a symlink loop",
            m -> linkLoop(m.resolve("tokenizer.json")),
            "tokenizer.json",
            "symbolic link loop"),
        new Row(
            "tokenizer.json a FIFO",
            m -> refifo(m.resolve("tokenizer.json")),
            "tokenizer.json",
            "FIFO"),
        new Row(
            "a Unigram tokenizer.json (its vocabulary an array)",
            m ->
                Files.writeString(
                    m.resolve("tokenizer.json"),
                    "{\"model\": {\"type\": \"Unigram\", \"unk_id\": 0,"
                        + " \"vocab\": [[\"<unk>\", 0.0], [\"a\", -1.0]]}}"),
            "tokenizer.json",
            "unsupported model 'Unigram'"),
        new Row(
            "corrupt tokenizer.json",
            m -> edit(m.resolve("tokenizer.json"), "\"merges\": []", "\"merges\": [,]"),
            "tokenizer.json",
            "malformed JSON"),
        new Row(
            "model directory is a file",
            m -> {
              Path config = m.resolveSibling("config-only");
              Files.move(m.resolve("config.json"), config);
              deleteTree(m);
              Files.move(config, m);
            },
            "is a file, not a model directory"),
        new Row("model directory missing", HostileModelFilesTest::deleteTree, "not found"));
  }

  /** Every row, through info and through logits (which loads the model). */
  @TestFactory
  Stream<DynamicTest> everyRowIsOneErrorWithExitCode3() {
    List<DynamicTest> tests = new ArrayList<>();
    int i = 0;
    for (Row row : rows()) {
      int index = i++;
      for (String command : List.of("info", "logits")) {
        tests.add(
            DynamicTest.dynamicTest(
                row.name() + " (" + command + ")",
                () -> {
                  Path model = HostileCli.model(dir.resolve(command + index));
                  row.setup().apply(model);
                  Map<String, String> before = HostileCli.snapshot(model);
                  Path out = dir.resolve("logits-" + index + ".bin");
                  HostileCli.Run r =
                      command.equals("info")
                          ? HostileCli.onCpu(model, null, "info")
                          : HostileCli.onCpu(
                              model, null, "logits", "--ids", "1,2", "--out", out.toString());
                  assertOneError(r, ExitCodes.BAD_INPUT, row.expected());
                  assertEquals(before, HostileCli.snapshot(model), "the model directory changed");
                  assertEquals(
                      List.of(),
                      HostileCli.filesNamedLike(dir, "logits-" + index),
                      "a logits file or temporary file was left behind");
                }));
      }
    }
    return tests.stream();
  }

  /**
   * Non-finite weights pass every check of the files (they are well-formed) and are caught at the
   * first step whose logits they reach, with the step named, by generate (greedy and sampling) and
   * logits alike; no logits file is written.
   */
  @TestFactory
  Stream<DynamicTest> nonFiniteWeightsStopAtTheFirstStep() {
    List<DynamicTest> tests = new ArrayList<>();
    for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
      for (List<String> args :
          List.of(
              List.of("logits", "--ids", "1,2", "--steps", "3", "--out", "OUT"),
              List.of("generate", "--prompt", "hi"),
              List.of("generate", "--prompt", "hi", "--temperature", "0.8", "--top-p", "0.9"))) {
        tests.add(
            DynamicTest.dynamicTest(
                bad + " in a weight: " + String.join(" ", args),
                () -> {
                  Path model = HostileCli.model(dir.resolve("bad" + tests.size()));
                  TinyLlama.poison(model, "model.layers.0.mlp.down_proj.weight", 5, bad);
                  Path out = dir.resolve("nonfinite-" + tests.size() + ".bin");
                  HostileCli.Run r =
                      HostileCli.onCpu(
                          model,
                          null,
                          args.get(0),
                          args.subList(1, args.size()).stream()
                              .map(a -> a.equals("OUT") ? out.toString() : a)
                              .toArray(String[]::new));
                  assertOneError(
                      r,
                      ExitCodes.BAD_INPUT,
                      "sequence 0, token 1 (after the prompt)",
                      "NaN or infinity",
                      "check its weights");
                  assertEquals(
                      List.of(), HostileCli.filesNamedLike(dir, out.getFileName().toString()));
                }));
      }
    }
    return tests.stream();
  }

  // ------------------------------------------------------------------ mutations

  private static void template(Path model, String template) throws Exception {
    String escaped = template.replace("\\", "\\\\").replace("\"", "\\\"");
    Files.writeString(
        model.resolve("tokenizer_config.json"),
        "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\", \"chat_template\": \""
            + escaped
            + "\"}");
  }

  private static void relink(Path file, Path target) throws Exception {
    Files.delete(file);
    Files.createSymbolicLink(file, target);
  }

  private static void refifo(Path file) throws Exception {
    Files.delete(file);
    fifo(file);
  }

  private static void redir(Path file) throws Exception {
    Files.delete(file);
    Files.createDirectory(file);
  }

  private static void notUtf8(Path file) throws Exception {
    byte[] bytes = Files.readAllBytes(file);
    int at = new String(bytes, StandardCharsets.UTF_8).indexOf("llama") + 1;
    bytes[at] = (byte) 0xC0;
    Files.write(file, bytes);
  }

  private static void sparse(Path file, long size) throws Exception {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(size);
    }
  }

  private static void appendBytes(Path file, int count) throws Exception {
    Files.write(file, new byte[count], java.nio.file.StandardOpenOption.APPEND);
  }

  /** Rewrites one tensor's dtype name in the header (same byte length, so data lines up). */
  private static void retype(Path model, String tensor, String dtype) throws Exception {
    Path file = model.resolve("model.safetensors");
    byte[] bytes = Files.readAllBytes(file);
    long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
    String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
    int at = header.indexOf("\"" + tensor + "\"");
    int dtypeAt = header.indexOf("\"dtype\":\"", at) + 9;
    int end = header.indexOf('"', dtypeAt);
    String changed = header.substring(0, dtypeAt) + dtype + header.substring(end);
    if (dtype.equals("F64")) {
      // Twice the bytes per element: the shape halves its first dimension to keep the span.
      changed =
          changed.replaceFirst("(\"" + tensor + "\":\\{[^}]*\"shape\":\\[)(\\d+)", "$1" + "129");
    }
    byte[] padded =
        (changed + " ".repeat(Math.max(0, (int) headerLength - changed.length())))
            .getBytes(StandardCharsets.UTF_8);
    System.arraycopy(padded, 0, bytes, 8, (int) headerLength);
    Files.write(file, bytes);
  }

  private static void drop(Path model, String tensor) throws Exception {
    rewrite(model, tensor, -1, 0);
  }

  private static void add(Path model, String tensor, int length, float value) throws Exception {
    rewrite(model, tensor, length, value);
  }

  /**
   * The checkpoint again without {@code tensor} (length -1) or with an extra F32 vector of {@code
   * value}.
   */
  private static void rewrite(Path model, String tensor, int length, float value) throws Exception {
    Path file = model.resolve("model.safetensors");
    SafetensorsWriter writer = new SafetensorsWriter();
    try (var st = dev.kernelj.llm.safetensors.SafetensorsFile.open(file)) {
      for (var info : st.tensors()) {
        if (!info.name().equals(tensor)) {
          writer.addF32(info.name(), info.shape(), st.tensor(info.name()).toFloatArray());
        }
      }
    }
    if (length >= 0) {
      float[] values = new float[length];
      Arrays.fill(values, value);
      writer.addF32(tensor, new long[] {length}, values);
    }
    writer.write(file);
  }

  private static void deleteTree(Path path) throws Exception {
    try (Stream<Path> files = Files.walk(path)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
