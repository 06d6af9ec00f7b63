package dev.kernelj.llm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionChoice;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import dev.kernelj.llm.chat.ChatMessage;
import dev.kernelj.llm.serving.TokenLogprob;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official OpenAI Java SDK against {@code kernelj serve}: every endpoint it has, streaming and
 * not, checked against what the engine answers alone.
 */
class OpenAiJavaClientTest {
  @TempDir static Path dir;
  static TestServer server;
  static OpenAIClient client;
  static Oracle oracle;

  @BeforeAll
  static void start() throws Exception {
    open(TestServer.start(dir));
  }

  static void open(TestServer started) {
    server = started;
    oracle = new Oracle(server);
    client =
        OpenAIOkHttpClient.builder()
            .baseUrl(server.url() + "/v1")
            .apiKey("unused")
            .maxRetries(0)
            .timeout(Duration.ofSeconds(60))
            .build();
  }

  @AfterAll
  static void stop() {
    client.close();
    server.close();
  }

  static ChatCompletionCreateParams.Builder chat(String user, long maxTokens) {
    return ChatCompletionCreateParams.builder()
        .model(TestServer.MODEL_NAME)
        .addSystemMessage("be brief")
        .addUserMessage(user)
        .maxCompletionTokens(maxTokens)
        .temperature(0.0);
  }

  static int[] chatIds(String user) {
    return oracle.chatIds(List.of(ChatMessage.system("be brief"), ChatMessage.user(user)));
  }

  @Test
  void chatAnswersWhatTheEngineGenerates() throws Exception {
    ChatCompletion reply = client.chat().completions().create(chat("hello there", 12).build());
    dev.kernelj.llm.serving.Completion expected = oracle.greedy(chatIds("hello there"), 12);
    ChatCompletion.Choice choice = reply.choices().get(0);
    assertEquals(expected.text(), choice.message().content().orElseThrow());
    assertEquals(
        expected.tokenIds().length == 12 ? "length" : "stop", choice.finishReason().asString());
    assertEquals(TestServer.MODEL_NAME, reply.model());
    assertTrue(reply.id().startsWith("chatcmpl-"));
    var usage = reply.usage().orElseThrow();
    assertEquals(chatIds("hello there").length, usage.promptTokens());
    assertEquals(expected.tokenIds().length, usage.completionTokens());
    assertEquals(usage.promptTokens() + usage.completionTokens(), usage.totalTokens());
  }

  @Test
  void chatStreamsTheSameTextThenUsage() {
    String whole =
        client
            .chat()
            .completions()
            .create(chat("stream this", 14).build())
            .choices()
            .get(0)
            .message()
            .content()
            .orElseThrow();
    ChatCompletionCreateParams params =
        chat("stream this", 14)
            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
            .build();
    StringBuilder streamed = new StringBuilder();
    List<String> finishes = new ArrayList<>();
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(params)) {
      stream.stream().forEach(chunks::add);
    }
    for (ChatCompletionChunk c : chunks) {
      for (ChatCompletionChunk.Choice ch : c.choices()) {
        ch.delta().content().ifPresent(streamed::append);
        ch.finishReason().ifPresent(f -> finishes.add(f.asString()));
      }
    }
    assertEquals(whole, streamed.toString());
    assertEquals(1, finishes.size(), "one finish reason for the one choice");
    ChatCompletionChunk last = chunks.get(chunks.size() - 1);
    assertTrue(last.choices().isEmpty(), "the usage chunk has no choices");
    assertEquals(chatIds("stream this").length, last.usage().orElseThrow().promptTokens(), "usage");
    assertEquals(
        "assistant",
        chunks.get(0).choices().get(0).delta().role().orElseThrow().asString(),
        "the stream opens with the role");
  }

  @Test
  void nSeededChoicesAreReproducibleAndEachIsItsSeedsDraw() throws Exception {
    ChatCompletionCreateParams params =
        chat("pick something", 10).temperature(1.0).n(3).seed(7).build();
    List<String> first = texts(client.chat().completions().create(params));
    List<String> again = texts(client.chat().completions().create(params));
    List<String> other =
        texts(client.chat().completions().create(params.toBuilder().seed(8).build()));
    assertEquals(3, first.size());
    assertEquals(first, again, "the same seed gives the same choices");
    assertNotEquals(first, other, "another seed gives other choices");
    assertTrue(first.stream().distinct().count() > 1, "the choices are different draws");
    for (int i = 0; i < 3; i++) {
      assertEquals(oracle.sampled(chatIds("pick something"), 10, 1.0, 7 + i).text(), first.get(i));
    }
  }

  static List<String> texts(ChatCompletion c) {
    return c.choices().stream().map(ch -> ch.message().content().orElse("")).toList();
  }

  @Test
  void stopStringsCutTheTextBeforeThem() throws Exception {
    int[] ids = oracle.textIds("once upon a time");
    String greedy = oracle.greedy(ids, 40).text();
    String stop = printablePair(greedy);
    Completion c =
        client
            .completions()
            .create(
                CompletionCreateParams.builder()
                    .model(TestServer.MODEL_NAME)
                    .prompt("once upon a time")
                    .maxTokens(40)
                    .temperature(0.0)
                    .stopOfStrings(List.of(stop, "\u0000never"))
                    .build());
    assertEquals(greedy.substring(0, greedy.indexOf(stop)), c.choices().get(0).text());
    assertEquals("stop", c.choices().get(0).finishReason().asString());
  }

  /** Two printable ASCII characters from the middle of {@code text}, as a stop string. */
  static String printablePair(String text) {
    for (int i = 3; i + 1 < text.length(); i++) {
      if (text.charAt(i) > ' '
          && text.charAt(i) < 127
          && text.charAt(i + 1) > ' '
          && text.charAt(i + 1) < 127) {
        return text.substring(i, i + 2);
      }
    }
    throw new AssertionError("no printable pair in " + text);
  }

  @Test
  void chatLogprobsAreTheEnginesWithTheirAlternatives() throws Exception {
    ChatCompletion reply =
        client.chat().completions().create(chat("odds", 6).logprobs(true).topLogprobs(3).build());
    List<ChatCompletionTokenLogprob> content =
        reply.choices().get(0).logprobs().orElseThrow().content().orElseThrow();
    dev.kernelj.llm.serving.Completion expected = oracle.withLogprobs(chatIds("odds"), 6, 3, -1);
    assertEquals(expected.logprobs().size(), content.size());
    for (int i = 0; i < content.size(); i++) {
      TokenLogprob e = expected.logprobs().get(i);
      ChatCompletionTokenLogprob got = content.get(i);
      assertEquals(oracle.tokenizer().decode(new int[] {e.tokenId()}, false), got.token());
      assertEquals(e.logprob(), got.logprob(), 1e-6);
      assertEquals(3, got.topLogprobs().size());
      for (int j = 0; j < 3; j++) {
        assertEquals(e.topLogprobs()[j], got.topLogprobs().get(j).logprob(), 1e-6);
      }
      assertEquals(got.logprob(), got.topLogprobs().get(0).logprob(), 1e-6, "greedy is the best");
    }
  }

  @Test
  void vllmExtrasPassThroughTheSdk() throws Exception {
    // top_k 1 samples the argmax, whatever the temperature.
    ChatCompletion reply =
        client
            .chat()
            .completions()
            .create(
                chat("extras", 8)
                    .temperature(1.5)
                    .seed(3)
                    .putAdditionalBodyProperty("top_k", JsonValue.from(1))
                    .putAdditionalBodyProperty("ignore_eos", JsonValue.from(true))
                    .build());
    assertEquals(
        oracle.greedy(chatIds("extras"), 8).text(),
        reply.choices().get(0).message().content().orElseThrow());
    assertEquals(8, reply.usage().orElseThrow().completionTokens(), "ignore_eos: all 8 tokens");
  }

  @Test
  void completionsTakeTokenIdsAndListsOfPrompts() throws Exception {
    List<Long> a = List.of(256L, 72L, 105L);
    List<Long> b = List.of(256L, 50L, 51L, 52L, 53L);
    Completion one =
        client
            .completions()
            .create(
                CompletionCreateParams.builder()
                    .model(TestServer.MODEL_NAME)
                    .promptOfArrayOfTokens(a)
                    .maxTokens(8)
                    .temperature(0.0)
                    .build());
    assertEquals(oracle.greedy(ints(a), 8).text(), one.choices().get(0).text());
    Completion two =
        client
            .completions()
            .create(
                CompletionCreateParams.builder()
                    .model(TestServer.MODEL_NAME)
                    .promptOfArrayOfTokenArrays(List.of(a, b))
                    .n(2)
                    .maxTokens(5)
                    .temperature(0.0)
                    .build());
    List<CompletionChoice> choices = two.choices();
    assertEquals(4, choices.size());
    String expectA = oracle.greedy(ints(a), 5).text();
    String expectB = oracle.greedy(ints(b), 5).text();
    assertEquals(
        List.of(expectA, expectA, expectB, expectB),
        choices.stream().map(CompletionChoice::text).toList(),
        "choice p * n + i is the i-th of prompt p");
    assertEquals(
        LongStream.range(0, 4).boxed().toList(),
        choices.stream().map(CompletionChoice::index).toList());
    assertEquals(a.size() + b.size(), two.usage().orElseThrow().promptTokens());
    Completion strings =
        client
            .completions()
            .create(
                CompletionCreateParams.builder()
                    .model(TestServer.MODEL_NAME)
                    .promptOfArrayOfStrings(List.of("first", "second"))
                    .maxTokens(4)
                    .temperature(0.0)
                    .build());
    assertEquals(
        List.of(
            oracle.greedy(oracle.textIds("first"), 4).text(),
            oracle.greedy(oracle.textIds("second"), 4).text()),
        strings.choices().stream().map(CompletionChoice::text).toList());
  }

  static int[] ints(List<Long> ids) {
    return ids.stream().mapToInt(Long::intValue).toArray();
  }

  @Test
  void completionsEchoThePromptWithItsLogprobs() throws Exception {
    String prompt = "echo me";
    Completion c =
        client
            .completions()
            .create(
                CompletionCreateParams.builder()
                    .model(TestServer.MODEL_NAME)
                    .prompt(prompt)
                    .echo(true)
                    .logprobs(2)
                    .maxTokens(4)
                    .temperature(0.0)
                    .build());
    int[] ids = oracle.textIds(prompt);
    dev.kernelj.llm.serving.Completion expected = oracle.withLogprobs(ids, 4, 2, 2);
    CompletionChoice choice = c.choices().get(0);
    assertEquals(prompt + expected.text(), choice.text());
    CompletionChoice.Logprobs lp = choice.logprobs().orElseThrow();
    List<String> tokens = lp.tokens().orElseThrow();
    List<Double> values = lp.tokenLogprobs().orElseThrow();
    assertEquals(ids.length + expected.tokenIds().length, tokens.size());
    assertEquals(null, values.get(0), "the first prompt token has no logprob");
    for (int p = 1; p < ids.length; p++) {
      assertEquals(expected.promptLogprobs().get(p - 1).logprob(), values.get(p), 1e-6);
    }
    for (int i = 0; i < expected.tokenIds().length; i++) {
      assertEquals(expected.logprobs().get(i).logprob(), values.get(ids.length + i), 1e-6);
    }
    List<Long> offsets = lp.textOffset().orElseThrow();
    assertEquals(0L, offsets.get(0));
    assertTrue(isSorted(offsets), "text offsets grow: " + offsets);
  }

  static boolean isSorted(List<Long> values) {
    for (int i = 1; i < values.size(); i++) {
      if (values.get(i) < values.get(i - 1)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Prompts of token ids are decoded only when their text is needed: echo returns each prompt's
   * decoding (special tokens kept) before its continuation, whole and streamed.
   */
  @Test
  void completionsEchoTokenIdPromptsAsTheirText() throws Exception {
    int[] first = oracle.textIds("tokens in");
    int[] second = oracle.textIds("other tokens");
    List<List<Long>> prompts =
        List.of(
            java.util.Arrays.stream(first).asLongStream().boxed().toList(),
            java.util.Arrays.stream(second).asLongStream().boxed().toList());
    CompletionCreateParams params =
        CompletionCreateParams.builder()
            .model(TestServer.MODEL_NAME)
            .prompt(CompletionCreateParams.Prompt.ofArrayOfTokenArrays(prompts))
            .echo(true)
            .maxTokens(3)
            .temperature(0.0)
            .build();
    List<CompletionChoice> choices = client.completions().create(params).choices();
    String[] expected = new String[2];
    int i = 0;
    for (int[] ids : new int[][] {first, second}) {
      expected[i] = oracle.tokenizer().decode(ids, false) + oracle.greedy(ids, 3).text();
      assertEquals(expected[i], choices.get(i).text());
      i++;
    }
    StringBuilder[] streamed = {new StringBuilder(), new StringBuilder()};
    try (StreamResponse<Completion> stream = client.completions().createStreaming(params)) {
      stream.stream()
          .flatMap(c -> c.choices().stream())
          .forEach(c -> streamed[(int) c.index()].append(c.text()));
    }
    assertEquals(expected[0], streamed[0].toString());
    assertEquals(expected[1], streamed[1].toString());
  }

  @Test
  void completionsStreamTheSameText() {
    CompletionCreateParams params =
        CompletionCreateParams.builder()
            .model(TestServer.MODEL_NAME)
            .prompt("a stream of text")
            .maxTokens(12)
            .temperature(0.0)
            .build();
    String whole = client.completions().create(params).choices().get(0).text();
    String streamed;
    try (StreamResponse<Completion> stream = client.completions().createStreaming(params)) {
      streamed =
          stream.stream()
              .flatMap(c -> c.choices().stream())
              .map(CompletionChoice::text)
              .collect(Collectors.joining());
    }
    assertEquals(whole, streamed);
  }

  @Test
  void modelsListTheServedModel() {
    List<Model> models = client.models().list().data();
    assertEquals(1, models.size());
    assertEquals(TestServer.MODEL_NAME, models.get(0).id());
    assertEquals(TestServer.MODEL_NAME, client.models().retrieve(TestServer.MODEL_NAME).id());
  }

  @Test
  void errorsReachTheSdkAsItsExceptions() {
    BadRequestException bad =
        assertThrows(
            BadRequestException.class,
            () -> client.chat().completions().create(chat("x", 4).temperature(-1.0).build()));
    assertTrue(bad.getMessage().contains("temperature"), bad.getMessage());
    NotFoundException missing =
        assertThrows(
            NotFoundException.class,
            () -> client.chat().completions().create(chat("x", 4).model("no-such-model").build()));
    assertTrue(missing.getMessage().contains("no-such-model"), missing.getMessage());
    BadRequestException tooLong =
        assertThrows(
            BadRequestException.class,
            () -> client.chat().completions().create(chat("x", 100_000).build()));
    assertTrue(
        tooLong.getMessage().contains(Integer.toString(server.opened.engine().maxModelLength())),
        tooLong.getMessage());
    assertFalse(Arrays.asList(bad.getStackTrace()).isEmpty());
  }
}
