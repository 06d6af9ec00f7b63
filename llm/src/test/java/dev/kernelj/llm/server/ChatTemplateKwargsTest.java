package dev.kernelj.llm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** vLLM's chat_template_kwargs: the request's extra template variables, such as Qwen3's switch. */
class ChatTemplateKwargsTest {
  /** Qwen3's way: an empty think block when thinking is switched off. */
  private static final String TEMPLATE =
      "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}<|assistant|>"
          + "{% if enable_thinking is defined and enable_thinking is false %}<think></think>{% endif %}"
          + "{% if style %}[{{ style.tone }}]{% endif %}";

  @TempDir Path dir;
  private ScriptedServer server;

  @BeforeEach
  void start() throws Exception {
    server = ScriptedServer.start(dir, "m", TEMPLATE, "ok");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> chat(String extra) throws Exception {
    return RawHttp.post(
        server.url() + "/v1/chat/completions",
        "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]"
            + extra
            + "}");
  }

  private String lastPrompt() {
    return server.lastPrompt();
  }

  @Test
  void theKwargsReachTheTemplate() throws Exception {
    assertEquals(200, chat("").statusCode());
    assertEquals("<|user|>hi<|assistant|>", lastPrompt());
    HttpResponse<String> r =
        chat(
            ", \"chat_template_kwargs\": {\"enable_thinking\": false,"
                + " \"style\": {\"tone\": \"dry\"}}");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("<|user|>hi<|assistant|><think></think>[dry]", lastPrompt());
  }

  @Test
  void whatTheServerSetsCannotBeOverridden() throws Exception {
    for (String name : new String[] {"messages", "add_generation_prompt", "bos_token", "tools"}) {
      HttpResponse<String> r = chat(", \"chat_template_kwargs\": {\"" + name + "\": 1}");
      assertEquals(400, r.statusCode(), r.body());
      assertEquals(
          "chat_template_kwargs." + name, RawHttp.json(r).get("error").get("param").asText());
    }
    HttpResponse<String> r = chat(", \"chat_template_kwargs\": [1]");
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(r.body().contains("chat_template_kwargs"), r.body());
  }
}
