package dev.kernelj.llm.server;

import static dev.kernelj.llm.engine.BatchStepRunner.MAX_LOGPROBS;

import dev.kernelj.llm.serving.ServeRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** {@code POST /v1/completions}: prompts in, n continuations each, whole or streamed. */
final class CompletionsHandler implements ApiHandler {
  /** OpenAI's default {@code max_tokens} for completions. */
  private static final int DEFAULT_MAX_TOKENS = 16;

  private final ServerState state;
  private final boolean logPrompts;

  CompletionsHandler(ServerState state, boolean logPrompts) {
    this.state = state;
    this.logPrompts = logPrompts;
  }

  @Override
  public void handle(Exchange exchange) throws Exception {
    GenerationBody request = GenerationBody.read(exchange, state);
    ServedModel model = request.model();
    RequestFields f = request.fields();
    GenerationParams params = request.params();
    if (f.has("tools") || f.has("functions")) {
      String field = f.has("tools") ? "tools" : "functions";
      throw ApiException.badRequest(
          field, field + " are for /v1/chat/completions; a text completion calls no tools");
    }
    Integer logprobs = f.integer("logprobs");
    if (logprobs != null) {
      GenerationParams.require(
          logprobs >= 0 && logprobs <= MAX_LOGPROBS,
          f,
          "logprobs",
          "must be in [0, " + MAX_LOGPROBS + "]",
          logprobs);
    }
    boolean echo = f.bool("echo", false);
    if (echo && logprobs != null && params.stream()) {
      throw ApiException.badRequest(
          "echo", "echo with logprobs is not supported when streaming; set stream to false");
    }
    List<CompletionPrompts.Prompt> prompts = CompletionPrompts.parse(f, model);
    if ((long) prompts.size() * params.n() > CompletionPrompts.MAX_PROMPTS) {
      throw ApiException.badRequest(
          "n", "prompts x n must be at most " + CompletionPrompts.MAX_PROMPTS);
    }
    int lp = logprobs == null ? -1 : logprobs;
    List<ServeRequest> requests = new ArrayList<>();
    int promptTokens = 0;
    for (CompletionPrompts.Prompt p : prompts) {
      int maxTokens =
          TokenBudget.resolve(
              params.maxTokens(),
              p.ids().length,
              model.engine().maxModelLength(),
              DEFAULT_MAX_TOKENS,
              "prompt",
              GenerationParams.maxTokensField(f));
      promptTokens += p.ids().length;
      for (int i = 0; i < params.n(); i++) {
        requests.add(params.request(p.ids(), maxTokens, i, lp, echo ? lp : -1));
      }
    }
    exchange.record().promptTokens = promptTokens;
    exchange.record().prompt =
        logPrompts
            ? prompts.stream().map(CompletionPrompts.Prompt::text).collect(Collectors.joining("\n"))
            : null;

    CompletionResponses format =
        new CompletionResponses(
            model.name(),
            prompts,
            params.n(),
            echo,
            new LogprobsJson(model.tokenizer()),
            logprobs != null,
            params.includeUsage());
    ChoiceResponder.respond(exchange, state, requests, params, format);
  }
}
