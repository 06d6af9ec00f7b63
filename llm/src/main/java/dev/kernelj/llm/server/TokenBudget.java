package dev.kernelj.llm.server;

/** How many tokens a request may generate, given its prompt and the model's context. */
final class TokenBudget {
  private TokenBudget() {}

  /**
   * The {@code max_tokens} to use: the request's when it fits the context with the prompt (else a
   * 400 giving both numbers, as vLLM words it), or when absent the endpoint's default ({@code
   * fallback}, -1 for everything the context has left) within the room left. A prompt that fills
   * the context is an error of {@code promptParam}, the field that carried it; a length that does
   * not fit, of {@code maxTokensParam}.
   */
  static int resolve(
      Integer requested,
      int promptTokens,
      int maxModelLength,
      int fallback,
      String promptParam,
      String maxTokensParam) {
    if (promptTokens >= maxModelLength) {
      throw ApiException.badRequest(
          promptParam,
          "This model's maximum context length is "
              + maxModelLength
              + " tokens. However, your prompt has "
              + promptTokens
              + " tokens, which leaves no room to generate. Please reduce the length of the prompt.");
    }
    int room = maxModelLength - promptTokens;
    if (requested == null) {
      return fallback < 0 ? room : Math.min(fallback, room);
    }
    if ((long) promptTokens + requested > maxModelLength) {
      throw ApiException.badRequest(
          maxTokensParam,
          "This model's maximum context length is "
              + maxModelLength
              + " tokens. However, you requested "
              + ((long) promptTokens + requested)
              + " tokens ("
              + promptTokens
              + " in the prompt, "
              + requested
              + " in the completion). Please reduce the length of the prompt or completion.");
    }
    return requested;
  }
}
