package dev.kernelj.llm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kernelj.llm.chat.ChatMessage;
import dev.kernelj.llm.engine.Device;
import dev.kernelj.llm.engine.Engine;
import dev.kernelj.llm.engine.EngineOptions;
import dev.kernelj.llm.engine.GenerationRequest;
import dev.kernelj.llm.engine.LogitsTrace;
import dev.kernelj.llm.engine.SamplingSettings;
import dev.kernelj.llm.model.TinyLlama;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The engine subcommands end to end on a tiny model, on the CPU. */
class EngineCommandsTest {
  @TempDir static Path dir;
  static Path model;

  @BeforeAll
  static void writeModel() throws Exception {
    model = TinyLlama.write(dir.resolve("tiny"), TinyLlama.QWEN2.withDtype("BF16"), 11).dir();
  }

  record Run(int code, String out, String err) {}

  /**
   * Runs the CLI like {@link KernelJ#execute}, registering the engine subcommands where the root
   * does not list them yet.
   */
  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    KernelJ root = new KernelJ();
    CommandLine cl = new CommandLine(root);
    for (Object sub :
        List.of(
            new GenerateCommand(), new ChatCommand(), new BenchCommand(), new LogitsCommand())) {
      String name = sub.getClass().getAnnotation(CommandLine.Command.class).name();
      if (!cl.getSubcommands().containsKey(name)) {
        cl.addSubcommand(sub);
      }
    }
    ErrorReporter reporter = new ErrorReporter(root::debug);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    cl.setExecutionExceptionHandler(reporter);
    cl.setParameterExceptionHandler(reporter);
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void chatKeepsAConversationOnStdin() throws Exception {
    Path chatModel = TinyLlama.write(dir.resolve("tiny-chat"), TinyLlama.LLAMA, 13).dir();
    Files.writeString(
        chatModel.resolve("tokenizer_config.json"),
        """
                {"bos_token": "<s>", "eos_token": "</s>", "add_bos_token": true, "add_eos_token": false,
                 "chat_template": "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}{% if loop.last %}<|assistant|>{% endif %}{% endfor %}"}
                """);
    InputStream stdin = System.in;
    Run r;
    try {
      System.setIn(
          new ByteArrayInputStream("hello\nand again\n\n".getBytes(StandardCharsets.UTF_8)));
      r =
          run(
              "chat",
              "--model",
              chatModel.toString(),
              "--device",
              "cpu",
              "--max-tokens",
              "4",
              "--system",
              "be brief");
    } finally {
      System.setIn(stdin);
    }
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("chatting with tiny-chat"), r.err());
    String[] turns = r.out().split("> ", -1);
    assertEquals(
        4, turns.length, "three prompts (two turns, then the empty line that quits): " + r.out());
    String firstReply;
    try (Engine engine = Engine.open(chatModel, EngineOptions.defaults().withDevice(Device.CPU))) {
      ChatPrompt prompt = new ChatPrompt(engine.tokenizer());
      int[] ids = prompt.encode(List.of(ChatMessage.system("be brief"), ChatMessage.user("hello")));
      firstReply =
          engine
              .generate(
                  List.of(
                      new GenerationRequest(
                          ids, SamplingSettings.greedy(), engine.stopConditions(4, List.of()))),
                  (seq, piece) -> {})
              .get(0)
              .text();
    }
    assertEquals(
        firstReply + System.lineSeparator(),
        turns[1],
        "the first reply is greedy generation on the rendered template");
    assertTrue(
        turns[2].endsWith(System.lineSeparator()), "the second turn got a reply line: " + r.out());
    assertEquals("", turns[3], "the empty line ends the chat after the third prompt");
  }

  @Test
  void generateStreamsWhatTheEngineGenerates() {
    Run r =
        run(
            "generate",
            "--model",
            model.toString(),
            "--prompt",
            "hello there",
            "--max-tokens",
            "6",
            "--device",
            "cpu",
            "--temperature",
            "0.8",
            "--top-k",
            "20",
            "--seed",
            "5");
    assertEquals(0, r.code(), r.err());
    String expected;
    try (Engine engine = Engine.open(model, EngineOptions.defaults().withDevice(Device.CPU))) {
      expected =
          engine
              .generate(
                  List.of(
                      engine.request(
                          "hello there",
                          SamplingSettings.greedy().withTemperature(0.8).withTopK(20).withSeed(5),
                          6,
                          List.of())),
                  (s, t) -> {})
              .get(0)
              .text();
    }
    assertEquals(expected + System.lineSeparator(), r.out());
  }

  @Test
  void logitsWritesRowsAndPrintsGreedyIds() throws Exception {
    Path out = dir.resolve("logits.bin");
    Run r =
        run(
            "logits",
            "--model",
            model.toString(),
            "--ids",
            "256,72,105,33",
            "--steps",
            "5",
            "--out",
            out.toString(),
            "--device",
            "cpu");
    assertEquals(0, r.code(), r.err());
    int vocab = TinyLlama.VOCAB;
    byte[] bytes = Files.readAllBytes(out);
    assertEquals((4 + 5) * vocab * 4, bytes.length);
    float[] file = new float[bytes.length / 4];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(file);
    LogitsTrace trace;
    try (Engine engine = Engine.open(model, EngineOptions.defaults().withDevice(Device.CPU))) {
      trace = engine.logits(new int[] {256, 72, 105, 33}, 5);
    }
    assertArrayEquals(trace.rows(), file);
    assertEquals(
        Arrays.stream(trace.greedyIds())
            .mapToObj(Integer::toString)
            .collect(Collectors.joining(",")),
        r.out().strip());
    assertEquals(6, r.out().strip().split(",").length);
  }

  @Test
  void logitsRejectsIdsOutsideTheVocabulary() {
    Run r =
        run(
            "logits",
            "--model",
            model.toString(),
            "--ids",
            "1,99999",
            "--out",
            dir.resolve("x.bin").toString(),
            "--device",
            "cpu");
    assertEquals(ExitCodes.USAGE, r.code());
    assertTrue(r.err().contains("99999"), r.err());
  }

  @Test
  void benchOnTheCpuReportsSpeedsAndMemory() throws Exception {
    Run r =
        run(
            "bench",
            "--model",
            model.toString(),
            "--device",
            "cpu",
            "--batch-size",
            "3",
            "--prompt-len",
            "8",
            "--gen-len",
            "4",
            "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertEquals("reference", json.get("device").asText());
    assertEquals(3, json.get("batch_size").asInt());
    assertTrue(json.get("decode_tok_s_per_stream").asDouble() > 0, r.out());
    assertTrue(
        json.get("decode_tok_s_total").asDouble() > json.get("decode_tok_s_per_stream").asDouble(),
        r.out());
    assertTrue(json.get("prefill_tok_s").asDouble() > 0, r.out());
    assertTrue(
        json.get("weights_bytes").asLong() > 0 && json.get("kv_cache_bytes").asLong() > 0, r.out());
  }

  @Test
  void infoDescribesTheTinyModel() {
    Run r = run("info", "--model", model.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("Qwen2"), r.out());
  }

  @Test
  void cudaWithoutAGpuIsOneClearLine() {
    Run r = run("generate", "--model", model.toString(), "--prompt", "x", "--device", "cuda");
    assertTrue(r.code() != 0);
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("no usable GPU"), r.err());
  }

  @Test
  void autoFallsBackToTheCpuWithANote() {
    Run r =
        run(
            "generate",
            "--model",
            model.toString(),
            "--prompt",
            "x",
            "--max-tokens",
            "2",
            "--device",
            "auto");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("note: no usable GPU"), r.err());
  }
}
