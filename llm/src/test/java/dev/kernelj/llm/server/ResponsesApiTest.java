package dev.kernelj.llm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.responses.EasyInputMessage;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenAI's Responses API through the official Java SDK: text, whole and streamed (every event the
 * SDK's accumulator reads, in sequence), function calls and their outputs sent back, and what a
 * server that keeps no state refuses. The engine is scripted.
 */
class ResponsesApiTest {
  private static final String TEMPLATE =
      "{% if tools %}<tools>{% for t in tools %}{{ t.function.name }};{% endfor %}</tools>{% endif %}"
          + "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}"
          + "{% for c in m.tool_calls or [] %}[{{ c.id }} {{ c.function.name }}"
          + " {{ c.function.arguments | tojson }}]{% endfor %}"
          + "{% if m.tool_call_id %}({{ m.tool_call_id }}){% endif %}{% endfor %}"
          + "{% if add_generation_prompt %}<|assistant|>{% endif %}";

  @TempDir Path dir;
  private ScriptedServer scripted;
  private OpenAiServer server;
  private OpenAIClient client;
  private ScriptedEngine engine;

  private void start(String... reply) throws Exception {
    scripted = ScriptedServer.start(dir, "m", TEMPLATE + "{# <tool_call> #}", reply);
    server = scripted.server;
    client = scripted.client;
    engine = scripted.engine;
  }

  @AfterEach
  void stop() {
    if (scripted != null) scripted.close();
  }

  private String lastPrompt() {
    return scripted.lastPrompt();
  }

  private static String text(Response r) {
    return r.output().get(0).message().orElseThrow().content().get(0).asOutputText().text();
  }

  @Test
  void aTextResponseWholeAndStreamed() throws Exception {
    start("Hello", " from", " KernelJ");
    ResponseCreateParams params =
        ResponseCreateParams.builder()
            .model("m")
            .instructions("Be brief.")
            .input("Hi there")
            .maxOutputTokens(20L)
            .build();
    Response whole = client.responses().create(params);
    assertEquals("Hello from KernelJ", text(whole));
    assertEquals(ResponseStatus.COMPLETED, whole.status().orElseThrow());
    assertEquals("<|system|>Be brief.<|user|>Hi there<|assistant|>", lastPrompt());
    assertEquals(
        engine.prompts.get(0).length, whole.usage().orElseThrow().inputTokens(), "input tokens");
    assertEquals(3, whole.usage().orElseThrow().outputTokens());
    assertEquals(20L, whole.maxOutputTokens().orElseThrow());

    ResponseAccumulator acc = ResponseAccumulator.create();
    List<String> types = new ArrayList<>();
    List<Long> sequence = new ArrayList<>();
    try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(params)) {
      stream.stream()
          .forEach(
              e -> {
                acc.accumulate(e);
                JsonNode json = RawHttp.JSON.valueToTree(e);
                types.add(json.get("type").asText());
                sequence.add(json.get("sequence_number").asLong());
              });
    }
    assertEquals("Hello from KernelJ", text(acc.response()));
    assertEquals(
        List.of(
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed"),
        types);
    for (int i = 0; i < sequence.size(); i++) assertEquals(i, sequence.get(i));
  }

  @Test
  void aFunctionCallAndItsOutputSentBack() throws Exception {
    start(
        "<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}</tool_call>");
    FunctionTool weather =
        FunctionTool.builder()
            .name("get_weather")
            .parameters(
                FunctionTool.Parameters.builder()
                    .putAdditionalProperty("type", JsonValue.from("object"))
                    .putAdditionalProperty(
                        "properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                    .build())
            .strict(false)
            .build();
    EasyInputMessage user =
        EasyInputMessage.builder()
            .role(EasyInputMessage.Role.USER)
            .content("Weather in Oslo?")
            .build();
    Response first =
        client
            .responses()
            .create(
                ResponseCreateParams.builder()
                    .model("m")
                    .input(
                        ResponseCreateParams.Input.ofResponse(
                            List.of(ResponseInputItem.ofEasyInputMessage(user))))
                    .addTool(weather)
                    .build());
    assertEquals(1, first.output().size(), first.output().toString());
    ResponseFunctionToolCall call = first.output().get(0).functionCall().orElseThrow();
    assertEquals("get_weather", call.name());
    assertEquals("{\"city\":\"Oslo\"}", call.arguments());
    assertTrue(lastPrompt().startsWith("<tools>get_weather;</tools>"), lastPrompt());

    ResponseAccumulator acc = ResponseAccumulator.create();
    try (StreamResponse<ResponseStreamEvent> stream =
        client
            .responses()
            .createStreaming(
                ResponseCreateParams.builder()
                    .model("m")
                    .input("Weather in Oslo?")
                    .addTool(weather)
                    .build())) {
      stream.stream().forEach(acc::accumulate);
    }
    Response streamed = acc.response();
    assertEquals(1, streamed.output().size(), streamed.output().toString());
    ResponseFunctionToolCall streamedCall = streamed.output().get(0).functionCall().orElseThrow();
    assertEquals("get_weather", streamedCall.name());
    assertEquals("{\"city\":\"Oslo\"}", streamedCall.arguments());

    client
        .responses()
        .create(
            ResponseCreateParams.builder()
                .model("m")
                .input(
                    ResponseCreateParams.Input.ofResponse(
                        List.of(
                            ResponseInputItem.ofEasyInputMessage(user),
                            ResponseInputItem.ofFunctionCall(call),
                            ResponseInputItem.ofFunctionCallOutput(
                                ResponseInputItem.FunctionCallOutput.builder()
                                    .callId(call.callId())
                                    .output("sunny")
                                    .build()))))
                .addTool(weather)
                .build());
    assertTrue(
        lastPrompt()
            .endsWith(
                "<|assistant|>["
                    + call.callId()
                    + " get_weather {\"city\": \"Oslo\"}]<|tool|>sunny("
                    + call.callId()
                    + ")<|assistant|>"),
        lastPrompt());
  }

  @Test
  void whatNeedsStoredStateOrOtherToolsIsRefusedNamingTheField() throws Exception {
    start("x");
    for (String body :
        List.of(
            "\"input\": \"hi\", \"previous_response_id\": \"resp_1\"|previous_response_id",
            "\"input\": \"hi\", \"text\": {\"format\": {\"type\": \"json_object\"}}|text.format",
            "\"input\": \"hi\", \"tools\": [{\"type\": \"web_search\"}]|tools[0].type",
            "\"input\": [{\"type\": \"message\", \"role\": \"user\", \"content\": [{\"type\":"
                + " \"input_image\", \"image_url\": \"x\"}]}]|input[0].content[0]",
            "\"input\": \"hi\", \"max_output_tokens\": 0|max_output_tokens",
            "\"instructions\": \"x\"|input")) {
      String[] parts = body.split("\\|");
      HttpResponse<String> r =
          RawHttp.post(server.url() + "/v1/responses", "{\"model\": \"m\", " + parts[0] + "}");
      assertEquals(400, r.statusCode(), body + ": " + r.body());
      assertEquals(parts[1], RawHttp.json(r).get("error").get("param").asText(), r.body());
    }
  }
}
