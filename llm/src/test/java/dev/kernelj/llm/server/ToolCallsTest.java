package dev.kernelj.llm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessage;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tool calling through the official OpenAI Java SDK and LangChain4j: the tools reach the chat
 * template, a reply in the model's format comes back as tool_calls (whole and streamed), and the
 * conversation with the call and its result renders for the next turn. The engine is scripted,
 * since a tiny random model writes no calls.
 */
class ToolCallsTest {
  /** A Hermes-style template: tools listed, calls and results written back, as Qwen's does. */
  private static final String TEMPLATE =
      "{% if tools %}<tools>{% for t in tools %}{{ t.function.name }}:"
          + "{{ t.function.parameters | tojson }};{% endfor %}</tools>"
          + " Reply with <tool_call>{...}</tool_call>.\n{% endif %}"
          + "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}"
          + "{% for c in m.tool_calls or [] %}[{{ c.id }} {{ c.function.name }}"
          + " {{ c.function.arguments | tojson }}]{% endfor %}"
          + "{% if m.tool_call_id %}({{ m.tool_call_id }}){% endif %}\n{% endfor %}"
          + "{% if add_generation_prompt %}<|assistant|>{% endif %}";

  private static final String[] REPLY = {
    "Let me check.",
    "<tool_",
    "call>\n{\"name\": \"get_weather\", ",
    "\"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>"
  };

  @TempDir Path dir;
  private ScriptedServer scripted;
  private OpenAiServer server;
  private OpenAIClient client;

  private void start(String template, String... reply) throws Exception {
    scripted = ScriptedServer.start(dir, "tools", template, reply);
    server = scripted.server;
    client = scripted.client;
  }

  @AfterEach
  void stop() {
    if (scripted != null) scripted.close();
  }

  private static ChatCompletionCreateParams.Builder weather() {
    return ChatCompletionCreateParams.builder()
        .model("tools")
        .addUserMessage("Weather in Oslo?")
        .addFunctionTool(
            FunctionDefinition.builder()
                .name("get_weather")
                .description("Current weather")
                .parameters(
                    FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty(
                            "properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                        .build())
                .build());
  }

  private String lastPrompt() {
    return scripted.lastPrompt();
  }

  private static ChatCompletionMessageFunctionToolCall onlyCall(ChatCompletionMessage m) {
    assertEquals(1, m.toolCalls().orElseThrow().size(), m.toString());
    return m.toolCalls().orElseThrow().get(0).asFunction();
  }

  @Test
  void aReplysCallComesBackAsToolCallsAndTheToolsReachTheTemplate() throws Exception {
    start(TEMPLATE, REPLY);
    ChatCompletion done = client.chat().completions().create(weather().build());
    ChatCompletion.Choice choice = done.choices().get(0);
    assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
    assertEquals("Let me check.", choice.message().content().orElseThrow());
    ChatCompletionMessageFunctionToolCall call = onlyCall(choice.message());
    assertEquals("get_weather", call.function().name());
    assertEquals("{\"city\":\"Oslo\"}", call.function().arguments());
    assertTrue(call.id().matches("call_[A-Za-z0-9]{24}"), call.id());
    assertTrue(
        lastPrompt()
            .startsWith(
                "<tools>get_weather:{\"type\": \"object\", \"properties\": {\"city\": {\"type\":"
                    + " \"string\"}}};</tools>"),
        lastPrompt());
  }

  @Test
  void aStreamedCallAccumulatesToTheSameMessage() throws Exception {
    start(TEMPLATE, REPLY);
    ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(weather().build())) {
      stream.stream().forEach(acc::accumulate);
    }
    ChatCompletion.Choice choice = acc.chatCompletion().choices().get(0);
    assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
    assertEquals("Let me check.", choice.message().content().orElseThrow());
    assertEquals("{\"city\":\"Oslo\"}", onlyCall(choice.message()).function().arguments());
  }

  /** The SDK sends the call back with its result; the template gets the arguments as an object. */
  @Test
  void theCallAndItsResultRenderInTheNextTurn() throws Exception {
    start(TEMPLATE, REPLY);
    ChatCompletion first = client.chat().completions().create(weather().build());
    ChatCompletionMessage reply = first.choices().get(0).message();
    String id = onlyCall(reply).id();
    client
        .chat()
        .completions()
        .create(
            weather()
                .addMessage(reply)
                .addMessage(
                    ChatCompletionToolMessageParam.builder()
                        .toolCallId(id)
                        .content("sunny, 21 C")
                        .build())
                .build());
    assertTrue(
        lastPrompt()
            .endsWith(
                "<|assistant|>Let me check.["
                    + id
                    + " get_weather {\"city\": \"Oslo\"}]<|tool|>sunny, 21 C("
                    + id
                    + ")<|assistant|>"),
        lastPrompt());
  }

  @Test
  void aReplyWithoutACallIsPlainContent() throws Exception {
    start(TEMPLATE, "It is ", "<tool_call>not JSON</tool_call>");
    ChatCompletion done = client.chat().completions().create(weather().build());
    ChatCompletion.Choice choice = done.choices().get(0);
    assertEquals(ChatCompletion.Choice.FinishReason.STOP, choice.finishReason());
    assertEquals("It is <tool_call>not JSON</tool_call>", choice.message().content().orElseThrow());
    assertFalse(choice.message().toolCalls().isPresent());
  }

  @Test
  void toolChoiceNoneLeavesTheToolsOut() throws Exception {
    start(TEMPLATE, REPLY);
    ChatCompletion done =
        client
            .chat()
            .completions()
            .create(
                weather()
                    .toolChoice(
                        ChatCompletionToolChoiceOption.ofAuto(
                            ChatCompletionToolChoiceOption.Auto.NONE))
                    .build());
    assertEquals(String.join("", REPLY), done.choices().get(0).message().content().orElseThrow());
    assertFalse(lastPrompt().contains("<tools>"), lastPrompt());
  }

  @Test
  void whatCannotBeHonouredIsRefusedNamingTheField() throws Exception {
    start(TestServer.CHAT_TEMPLATE.replace("\\n", "\n"), REPLY);
    BadRequestException noFormat =
        assertThrows(
            BadRequestException.class, () -> client.chat().completions().create(weather().build()));
    assertTrue(noFormat.getMessage().contains("--tool-call-parser"), noFormat.getMessage());

    for (String body :
        List.of(
            "\"tool_choice\": \"required\", \"tools\": [" + TOOL + "]|tool_choice",
            "\"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"f\"}},"
                + " \"tools\": ["
                + TOOL
                + "]|tool_choice",
            "\"tools\": [{\"type\": \"function\", \"function\": {}}]|tools[0].function.name",
            "\"tools\": [" + TOOL + ", " + TOOL + "]|tools[1].function.name",
            "\"tools\": [{\"type\": \"retrieval\"}]|tools[0].type",
            "\"tool_choice\": \"auto\"|tool_choice",
            "\"tools\": [" + TOOL + "]|tools")) {
      String[] parts = body.split("\\|");
      HttpResponse<String> r =
          RawHttp.post(
              server.url() + "/v1/chat/completions",
              "{\"model\": \"tools\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], "
                  + parts[0]
                  + "}");
      assertEquals(400, r.statusCode(), body + ": " + r.body());
      assertEquals(parts[1], RawHttp.json(r).get("error").get("param").asText(), r.body());
    }
  }

  @Test
  void malformedCallsInTheConversationNameTheField() throws Exception {
    start(TEMPLATE, REPLY);
    String assistant =
        "{\"role\": \"assistant\", \"tool_calls\": [{\"id\": \"c1\", \"type\": \"function\","
            + " \"function\": {\"name\": \"get_weather\", \"arguments\": \"{city: Oslo\"}}]}";
    HttpResponse<String> r =
        RawHttp.post(
            server.url() + "/v1/chat/completions",
            "{\"model\": \"tools\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, "
                + assistant
                + "]}");
    assertEquals(400, r.statusCode(), r.body());
    assertEquals(
        "messages[1].tool_calls[0].function.arguments",
        RawHttp.json(r).get("error").get("param").asText());
  }

  private ChatRequest langChainWeather(ChatMessage... more) {
    List<ChatMessage> messages = new ArrayList<>();
    messages.add(UserMessage.from("Weather in Oslo?"));
    messages.addAll(List.of(more));
    return ChatRequest.builder()
        .messages(messages)
        .toolSpecifications(
            ToolSpecification.builder()
                .name("get_weather")
                .description("Current weather")
                .parameters(
                    JsonObjectSchema.builder()
                        .addStringProperty("city")
                        .required(List.of("city"))
                        .build())
                .build())
        .build();
  }

  /** LangChain4j's OpenAI models: the call, then the conversation with its result. */
  @Test
  void langChain4jCallsTheToolAndSendsItsResultBack() throws Exception {
    start(TEMPLATE, REPLY);
    OpenAiChatModel model =
        OpenAiChatModel.builder()
            .baseUrl(server.url() + "/v1")
            .apiKey("unused")
            .modelName("tools")
            .timeout(Duration.ofSeconds(30))
            .build();
    AiMessage ai = model.chat(langChainWeather()).aiMessage();
    assertTrue(ai.hasToolExecutionRequests(), ai.toString());
    ToolExecutionRequest call = ai.toolExecutionRequests().get(0);
    assertEquals("get_weather", call.name());
    assertEquals("{\"city\":\"Oslo\"}", call.arguments());

    model.chat(langChainWeather(ai, ToolExecutionResultMessage.from(call, "sunny")));
    assertTrue(
        lastPrompt()
            .endsWith(
                "get_weather {\"city\": \"Oslo\"}]<|tool|>sunny(" + call.id() + ")<|assistant|>"),
        lastPrompt());

    OpenAiStreamingChatModel streaming =
        OpenAiStreamingChatModel.builder()
            .baseUrl(server.url() + "/v1")
            .apiKey("unused")
            .modelName("tools")
            .timeout(Duration.ofSeconds(30))
            .build();
    CompletableFuture<ChatResponse> done = new CompletableFuture<>();
    streaming.chat(
        langChainWeather(),
        new StreamingChatResponseHandler() {
          @Override
          public void onPartialResponse(String partial) {}

          @Override
          public void onCompleteResponse(ChatResponse r) {
            done.complete(r);
          }

          @Override
          public void onError(Throwable error) {
            done.completeExceptionally(error);
          }
        });
    AiMessage streamed = done.get(30, TimeUnit.SECONDS).aiMessage();
    assertEquals("get_weather", streamed.toolExecutionRequests().get(0).name());
    assertEquals("{\"city\":\"Oslo\"}", streamed.toolExecutionRequests().get(0).arguments());
  }

  private static final String TOOL =
      "{\"type\": \"function\", \"function\": {\"name\": \"f\", \"parameters\": {}}}";
}
