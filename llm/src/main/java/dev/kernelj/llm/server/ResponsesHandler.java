package dev.kernelj.llm.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * {@code POST /v1/responses}: OpenAI's Responses API, run as the chat request it amounts to ({@link
 * ResponsesRequest}) and answered as a response object or its event stream ({@link
 * ResponsesFormat}). Nothing is stored: each request carries its whole conversation.
 */
final class ResponsesHandler implements ApiHandler {
  private final ServerState state;
  private final boolean logPrompts;

  ResponsesHandler(ServerState state, boolean logPrompts) {
    this.state = state;
    this.logPrompts = logPrompts;
  }

  @Override
  public void handle(Exchange exchange) throws Exception {
    ServedModel model = state.model();
    JsonNode body = exchange.json();
    GenerationBody request = GenerationBody.of(model, ResponsesRequest.toChat(body));
    RequestFields f = request.fields();
    GenerationParams params = request.params().withUsageInStream();
    ToolRequest tools = ToolRequest.read(f, model);
    ChatPrompts.Rendered prompt = ChatPrompts.render(f, model, tools);
    int promptTokens = prompt.ids().length;
    int maxTokens =
        TokenBudget.resolve(
            params.maxTokens(),
            promptTokens,
            model.engine().maxModelLength(),
            -1,
            "input",
            "max_output_tokens");
    exchange.record().promptTokens = promptTokens;
    exchange.record().prompt = logPrompts ? prompt.text() : null;
    ChoiceResponder.respond(
        exchange,
        state,
        List.of(params.request(prompt.ids(), maxTokens, 0, -1, -1)),
        params,
        new ResponsesFormat(model.name(), body, tools));
  }
}
