package dev.kernelj.llm.server;

import static dev.kernelj.llm.engine.BatchStepRunner.MAX_LOGPROBS;

import dev.kernelj.llm.chat.ReasoningSplitter;
import dev.kernelj.llm.serving.ServeRequest;
import java.util.ArrayList;
import java.util.List;

/** {@code POST /v1/chat/completions}: a conversation in, n replies out, whole or streamed. */
final class ChatCompletionsHandler implements ApiHandler {
  private final ServerState state;
  private final boolean logPrompts;

  ChatCompletionsHandler(ServerState state, boolean logPrompts) {
    this.state = state;
    this.logPrompts = logPrompts;
  }

  @Override
  public void handle(Exchange exchange) throws Exception {
    GenerationBody request = GenerationBody.read(exchange, state);
    ServedModel model = request.model();
    RequestFields f = request.fields();
    GenerationParams params = request.params();
    boolean logprobs = f.bool("logprobs", false);
    Integer top = f.integer("top_logprobs");
    if (top != null) {
      GenerationParams.require(
          top >= 0 && top <= MAX_LOGPROBS,
          f,
          "top_logprobs",
          "must be in [0, " + MAX_LOGPROBS + "]",
          top);
      if (!logprobs) {
        throw ApiException.badRequest("top_logprobs", "top_logprobs needs logprobs: true");
      }
    }
    ToolRequest tools = ToolRequest.read(f, model);
    ChatPrompts.Rendered prompt = ChatPrompts.render(f, model, tools);
    int promptTokens = prompt.ids().length;
    int maxTokens =
        TokenBudget.resolve(
            params.maxTokens(),
            promptTokens,
            model.engine().maxModelLength(),
            -1,
            "messages",
            GenerationParams.maxTokensField(f));
    exchange.record().promptTokens = promptTokens;
    exchange.record().prompt = logPrompts ? prompt.text() : null;

    List<ServeRequest> requests = new ArrayList<>();
    for (int i = 0; i < params.n(); i++) {
      requests.add(
          params.request(prompt.ids(), maxTokens, i, logprobs ? (top == null ? 0 : top) : -1, -1));
    }
    ChatResponses format =
        new ChatResponses(
            model.name(),
            params.n(),
            new LogprobsJson(model.tokenizer()),
            logprobs,
            params.includeUsage(),
            tools);
    if (model.splitsReasoning()) {
      format.splittingReasoning(ReasoningSplitter.opensThinking(prompt.text()));
    }
    ChoiceResponder.respond(exchange, state, requests, params, format);
  }
}
