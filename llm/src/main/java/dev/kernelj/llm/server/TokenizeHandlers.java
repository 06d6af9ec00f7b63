package dev.kernelj.llm.server;

import dev.kernelj.llm.tokenizer.Tokenizer;
import java.io.IOException;
import java.util.List;

/**
 * vLLM's {@code POST /tokenize} (a {@code prompt}, or chat {@code messages} through the template)
 * and {@code POST /detokenize} ({@code tokens} to text).
 */
final class TokenizeHandlers {
  private final ServerState state;

  TokenizeHandlers(ServerState state) {
    this.state = state;
  }

  void tokenize(Exchange exchange) throws IOException {
    ServedModel model = state.model();
    RequestFields f = RequestFields.of(exchange.json());
    ServerState.checkModel(f.string("model"), model);
    int[] ids;
    if (f.has("messages")) {
      ids = ChatPrompts.render(f, model, ToolRequest.read(f, model)).ids();
    } else {
      String prompt = f.string("prompt");
      if (prompt == null) {
        throw ApiException.badRequest("prompt", "give a prompt (a string) or messages");
      }
      ids = tokenizer(model).encode(prompt, f.bool("add_special_tokens", true));
    }
    boolean strings = f.bool("return_token_strs", false);
    LogprobsJson texts = new LogprobsJson(model.tokenizer());
    exchange.sendJson(
        200,
        Json.bytes(
            g -> {
              g.writeStartObject();
              g.writeNumberField("count", ids.length);
              g.writeNumberField("max_model_len", model.engine().maxModelLength());
              g.writeArrayFieldStart("tokens");
              for (int id : ids) {
                g.writeNumber(id);
              }
              g.writeEndArray();
              if (strings) {
                g.writeArrayFieldStart("token_strs");
                for (int id : ids) {
                  g.writeString(texts.text(id));
                }
                g.writeEndArray();
              }
              g.writeEndObject();
            }));
  }

  void detokenize(Exchange exchange) throws IOException {
    ServedModel model = state.model();
    RequestFields f = RequestFields.of(exchange.json());
    ServerState.checkModel(f.string("model"), model);
    if (!f.has("tokens")) {
      throw ApiException.badRequest("tokens", "tokens (a list of token ids) is required");
    }
    List<Integer> tokens = f.integers("tokens");
    int[] ids = new int[tokens.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = tokens.get(i);
      if (ids[i] < 0 || ids[i] >= model.vocabSize()) {
        throw ApiException.badRequest(
            "tokens",
            "tokens["
                + i
                + "] is "
                + ids[i]
                + ", outside the vocabulary [0, "
                + model.vocabSize()
                + ")");
      }
    }
    String text = tokenizer(model).decode(ids, false);
    exchange.sendJson(
        200,
        Json.bytes(
            g -> {
              g.writeStartObject();
              g.writeStringField("prompt", text);
              g.writeEndObject();
            }));
  }

  private static Tokenizer tokenizer(ServedModel model) {
    if (model.tokenizer() == null) {
      throw ApiException.badRequest(null, "the model directory has no tokenizer.json");
    }
    return model.tokenizer();
  }
}
