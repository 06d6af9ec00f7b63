package dev.kernelj.llm.server;

import dev.kernelj.llm.chat.ChatMessage;
import dev.kernelj.llm.chat.ChatTemplate;
import dev.kernelj.llm.engine.SamplingSettings;
import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.ServeRequest;
import dev.kernelj.llm.tokenizer.Tokenizer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What the server should answer, computed without HTTP: the prompt tokens a request renders to and
 * the completion the engine gives for them alone.
 */
final class Oracle {
  private final TestServer server;

  Oracle(TestServer server) {
    this.server = server;
  }

  Tokenizer tokenizer() {
    return server.opened.tokenizer();
  }

  /** The tokens of a conversation: the chat template, no added special tokens (as vLLM). */
  int[] chatIds(List<ChatMessage> messages) {
    String text = ChatTemplate.fromTokenizer(tokenizer()).render(messages, true);
    return tokenizer().encode(text, false);
  }

  /** The tokens of a completions prompt: encoded with special tokens. */
  int[] textIds(String prompt) {
    return tokenizer().encode(prompt, true);
  }

  /** The completion of {@code request} on the engine alone. */
  Completion run(ServeRequest request) throws Exception {
    return server.opened.engine().submit(request).completion().get(60, TimeUnit.SECONDS);
  }

  Completion greedy(int[] ids, int maxTokens) throws Exception {
    return run(ServeRequest.greedy(ids, maxTokens));
  }

  Completion sampled(int[] ids, int maxTokens, double temperature, long seed) throws Exception {
    return run(
        new ServeRequest(
            null,
            ids,
            SamplingSettings.greedy().withTemperature(temperature).withSeed(seed),
            maxTokens,
            List.of(),
            Set.of(),
            false,
            -1));
  }

  Completion withLogprobs(int[] ids, int maxTokens, int top, int promptTop) throws Exception {
    return run(
        new ServeRequest(
            null,
            ids,
            SamplingSettings.greedy(),
            maxTokens,
            List.of(),
            Set.of(),
            false,
            top,
            promptTop));
  }
}
