package dev.kernelj.llm.chat.tools;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kernelj.llm.util.PartialMatch;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads the tool calls out of one reply as it is generated. Text that cannot be part of a call goes
 * out as content at once ({@link #accept}); from where a call may start it is held until the reply
 * ends ({@link #finish}), and if the held text is not well-formed calls after all it goes out as
 * content then, so nothing the model wrote is lost.
 */
public final class ToolCallParser {

  /**
   * What the end of a reply gives.
   *
   * @param content text still to go out as content (the held text when it was not calls)
   * @param calls the calls, in the order written; empty when there were none
   */
  public record Result(String content, List<ToolCall> calls) {}

  /** Reads one JSON value that must be all of its text. */
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** Reads JSON values one after another out of a longer text. */
  private static final ObjectMapper JSON_PREFIX = new ObjectMapper();

  private static final String HERMES_CLOSE = "</tool_call>";
  private static final String PYTHON_TAG = "<|python_tag|>";
  private static final String MISTRAL_TAG = "[TOOL_CALLS]";

  private final ToolCallFormat format;
  private final Set<String> tools;
  private final boolean parallel;
  private final StringBuilder reply = new StringBuilder();

  /** Characters of {@link #reply} given out as content. */
  private int given;

  /** Whether a call may have started at {@link #given}: everything from there is held. */
  private boolean holding;

  /** For the formats whose calls are the whole reply: whether the reply is plain content. */
  private boolean plain;

  /** Leading blanks of the reply seen so far (the whole-reply formats look past them once). */
  private int blanks;

  /**
   * @param tools the names of the tools the request offered: a call of any other name is not a call
   *     (so a reply that merely is JSON with a "name" stays content)
   * @param parallel whether the reply may hold several calls; when false only the first is kept, as
   *     OpenAI's {@code parallel_tool_calls: false} asks
   */
  public ToolCallParser(ToolCallFormat format, Set<String> tools, boolean parallel) {
    this.format = format;
    this.tools = Set.copyOf(tools);
    this.parallel = parallel;
  }

  /** Parses a whole reply. */
  public static Result parse(
      ToolCallFormat format, Set<String> tools, boolean parallel, String reply) {
    ToolCallParser parser = new ToolCallParser(format, tools, parallel);
    String first = parser.accept(reply);
    Result rest = parser.finish();
    return new Result(first + rest.content(), rest.calls());
  }

  /** Takes the next piece of the reply; returns the text that can go out as content now. */
  public String accept(String text) {
    reply.append(text);
    if (holding) return "";
    int start = format == ToolCallFormat.HERMES ? hermesStart() : wholeReplyStart();
    String out = reply.substring(given, start);
    given = start;
    return out;
  }

  /**
   * Where the held text starts in a Hermes reply: at the opening tag, or at a tail that could still
   * grow into it ("<tool").
   */
  private int hermesStart() {
    String tag = format.opening();
    int at = reply.indexOf(tag, given);
    if (at >= 0) {
      holding = true;
      return at;
    }
    return reply.length() - PartialMatch.atEnd(reply, given, tag);
  }

  /**
   * For the formats whose calls are the whole reply: held while only blanks (and the tags that may
   * open a call) have come; then either all of it is held, or all of it is content.
   */
  private int wholeReplyStart() {
    if (plain) return reply.length();
    while (blanks < reply.length() && Character.isWhitespace(reply.charAt(blanks))) blanks++;
    if (blanks == reply.length()) return given; // only blanks so far: looked at once each
    String text = reply.substring(blanks, Math.min(reply.length(), blanks + 64));
    String head = stripTags(text);
    if (head.isEmpty() || isTagPrefix(text)) return given;
    if (head.startsWith(format.opening())) {
      holding = true;
      return given;
    }
    plain = true;
    return reply.length();
  }

  private String stripTags(String text) {
    String tag = format == ToolCallFormat.MISTRAL ? MISTRAL_TAG : PYTHON_TAG;
    return text.startsWith(tag) ? text.substring(tag.length()).stripLeading() : text;
  }

  /** Whether {@code text} is a proper beginning of this format's opening tag. */
  private boolean isTagPrefix(String text) {
    String tag = format == ToolCallFormat.MISTRAL ? MISTRAL_TAG : PYTHON_TAG;
    return !text.isEmpty() && text.length() < tag.length() && tag.startsWith(text);
  }

  /** Ends the reply: the held text as calls, or as content when it is not well-formed calls. */
  public Result finish() {
    String held = reply.substring(given);
    given = reply.length();
    if (!holding) return new Result(held, List.of());
    try {
      Result result =
          switch (format) {
            case HERMES -> hermes(held);
            case LLAMA3_JSON -> llama3(stripTags(held.stripLeading()));
            case MISTRAL -> mistral(stripTags(held.stripLeading()));
          };
      if (result.calls().isEmpty()) return new Result(held, List.of());
      List<ToolCall> calls = parallel ? result.calls() : result.calls().subList(0, 1);
      return new Result(result.content(), List.copyOf(calls));
    } catch (NotACall e) {
      return new Result(held, List.of());
    }
  }

  /** Blocks of {@code <tool_call>...</tool_call>}; text around them stays content. */
  private Result hermes(String held) throws NotACall {
    List<ToolCall> calls = new ArrayList<>();
    StringBuilder content = new StringBuilder();
    String open = format.opening();
    int at = 0;
    while (true) {
      int start = held.indexOf(open, at);
      if (start < 0) break;
      content.append(held, at, start);
      int end = held.indexOf(HERMES_CLOSE, start);
      // A reply cut off inside its last block (max_tokens) still ends at the text's end.
      int bodyEnd = end < 0 ? held.length() : end;
      calls.add(call(object(held.substring(start + open.length(), bodyEnd)), "arguments"));
      at = end < 0 ? held.length() : end + HERMES_CLOSE.length();
    }
    content.append(held.substring(at));
    return new Result(content.toString().isBlank() ? "" : content.toString().strip(), calls);
  }

  /** One or more JSON objects, joined by ";" as Llama 3.2 writes parallel calls. */
  private Result llama3(String held) throws NotACall {
    List<ToolCall> calls = new ArrayList<>();
    String rest = held;
    while (!rest.isBlank()) {
      JsonNode value;
      int end;
      try (JsonParser p = JSON_PREFIX.createParser(rest)) {
        p.nextToken();
        value = p.readValueAsTree();
        end = (int) p.currentLocation().getCharOffset();
      } catch (IOException e) {
        throw new NotACall();
      }
      if (value == null || !value.isObject()) throw new NotACall();
      calls.add(call(value, value.has("parameters") ? "parameters" : "arguments"));
      rest = rest.substring(end).stripLeading();
      if (!rest.isEmpty() && !rest.startsWith(";")) throw new NotACall();
      rest = rest.isEmpty() ? rest : rest.substring(1);
    }
    return new Result("", calls);
  }

  /** A JSON list of calls. */
  private Result mistral(String held) throws NotACall {
    JsonNode list;
    try {
      list = JSON.readTree(held);
    } catch (JsonProcessingException e) {
      throw new NotACall();
    }
    if (list == null || !list.isArray()) throw new NotACall();
    List<ToolCall> calls = new ArrayList<>();
    for (JsonNode c : list) calls.add(call(c, "arguments"));
    return new Result("", calls);
  }

  private static JsonNode object(String text) throws NotACall {
    try {
      return JSON.readTree(text.strip());
    } catch (JsonProcessingException e) {
      throw new NotACall();
    }
  }

  /** A call from {@code {"name": ..., argumentsField: {...}}}; arguments may also be JSON text. */
  private ToolCall call(JsonNode node, String argumentsField) throws NotACall {
    if (node == null || !node.isObject()) throw new NotACall();
    JsonNode name = node.get("name");
    if (name == null || !name.isTextual() || !tools.contains(name.textValue())) {
      throw new NotACall();
    }
    JsonNode arguments = node.get(argumentsField);
    String text;
    if (arguments == null && format != ToolCallFormat.HERMES) {
      throw new NotACall(); // a reply that is JSON but no call
    } else if (arguments == null || arguments.isNull()) {
      text = "{}";
    } else if (arguments.isObject()) {
      text = arguments.toString();
    } else if (arguments.isTextual()) {
      JsonNode parsed = object(arguments.textValue());
      if (!parsed.isObject()) throw new NotACall();
      text = parsed.toString();
    } else {
      throw new NotACall();
    }
    return new ToolCall(format.newCallId(), name.textValue(), text);
  }

  /** The held text is not well-formed calls. */
  private static final class NotACall extends Exception {
    NotACall() {
      super(null, null, false, false);
    }
  }
}
