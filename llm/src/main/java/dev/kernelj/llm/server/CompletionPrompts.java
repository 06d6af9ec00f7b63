package dev.kernelj.llm.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kernelj.llm.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The completions API's {@code prompt}: a string, a list of strings, a list of token ids or a list
 * of token-id lists, each one prompt. Text is encoded with the tokenizer's special tokens (BOS
 * where the model wants one) unless vLLM's {@code add_special_tokens} is false; token ids are
 * checked against the vocabulary.
 */
final class CompletionPrompts {
  /** Most prompts in one request. */
  static final int MAX_PROMPTS = 1024;

  /**
   * One prompt: its tokens, and its text as {@code echo} and {@code --log-prompts} show it. A
   * prompt of token ids is decoded only when its text is asked for: most requests (a benchmark's,
   * an agent's) never ask, and decoding every prompt cost each of them a pass over its tokens on
   * the request thread.
   */
  static final class Prompt {
    private final int[] ids;
    private final Tokenizer decoder; // decodes the ids when the text is asked for
    private String text;

    /** A prompt given as text. */
    Prompt(String text, int[] ids) {
      this.text = text;
      this.ids = ids;
      this.decoder = null;
    }

    /** A prompt given as token ids, decoded by {@code tokenizer} when asked (none: no text). */
    private Prompt(int[] ids, Tokenizer tokenizer) {
      this.ids = ids;
      this.decoder = tokenizer;
      this.text = tokenizer == null ? "" : null;
    }

    int[] ids() {
      return ids;
    }

    /** The prompt's text (special tokens kept when it was given as ids). */
    synchronized String text() {
      if (text == null) {
        text = decoder.decode(ids, false);
      }
      return text;
    }
  }

  private CompletionPrompts() {}

  static List<Prompt> parse(RequestFields f, ServedModel model) {
    JsonNode prompt = f.value("prompt");
    if (prompt == null) {
      throw ApiException.badRequest("prompt", "prompt is required");
    }
    boolean special = f.bool("add_special_tokens", true);
    if (prompt.isTextual()) {
      return List.of(encode(prompt.textValue(), model, special));
    }
    if (!prompt.isArray() || prompt.isEmpty()) {
      throw shape();
    }
    JsonNode first = prompt.get(0);
    List<Prompt> out = new ArrayList<>();
    if (first.isNumber()) {
      out.add(tokens(prompt, "prompt", model)); // one prompt of token ids, however long
    } else {
      if (prompt.size() > MAX_PROMPTS) {
        throw ApiException.badRequest(
            "prompt", "at most " + MAX_PROMPTS + " prompts per request, got " + prompt.size());
      }
      for (int i = 0; i < prompt.size(); i++) {
        JsonNode item = prompt.get(i);
        if (item.isTextual() && first.isTextual()) {
          out.add(encode(item.textValue(), model, special));
        } else if (item.isArray() && first.isArray()) {
          out.add(tokens(item, "prompt[" + i + "]", model));
        } else {
          throw shape();
        }
      }
    }
    return out;
  }

  private static ApiException shape() {
    return ApiException.badRequest(
        "prompt",
        "prompt must be a string, a list of strings, a list of token ids or a list of token-id"
            + " lists, none of them empty");
  }

  private static Prompt encode(String text, ServedModel model, boolean special) {
    if (model.tokenizer() == null) {
      throw ApiException.badRequest(
          "prompt", "text prompts need a tokenizer; the model has none: send token ids");
    }
    int[] ids = model.tokenizer().encode(text, special);
    if (ids.length == 0) {
      throw ApiException.badRequest("prompt", "the prompt encodes to no tokens");
    }
    return new Prompt(text, ids);
  }

  private static Prompt tokens(JsonNode list, String param, ServedModel model) {
    if (list.isEmpty()) {
      throw shape();
    }
    int[] ids = new int[list.size()];
    for (int i = 0; i < ids.length; i++) {
      JsonNode item = list.get(i);
      // the parameter's name is made only for an error: a string per id costs a long prompt
      long id = item.isInt() ? item.intValue() : RequestFields.asLong(item, param + "[" + i + "]");
      if (id < 0 || id >= model.vocabSize()) {
        throw ApiException.badRequest(
            param,
            param
                + "["
                + i
                + "] is "
                + id
                + ", outside the vocabulary [0, "
                + model.vocabSize()
                + ")");
      }
      ids[i] = (int) id;
    }
    return new Prompt(ids, model.tokenizer());
  }
}
