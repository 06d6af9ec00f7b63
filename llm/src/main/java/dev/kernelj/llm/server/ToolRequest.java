package dev.kernelj.llm.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kernelj.llm.chat.tools.ToolCallFormat;
import dev.kernelj.llm.chat.tools.ToolCallParser;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A chat request's {@code tools}, checked: what the chat template is given as {@code tools}, and
 * how the replies' calls are read. {@code tool_choice} {@code "auto"} (the default) and {@code
 * "none"} are honoured; {@code "required"} and a named function would need the sampler held to the
 * call's grammar, which this server does not do, so they are an error rather than a reply that may
 * not call.
 *
 * @param tools the tools as the template gets them (maps and lists, in the request's order)
 * @param names the offered functions' names: a reply may call only these
 * @param format how the model writes calls
 * @param parallel {@code parallel_tool_calls}: whether a reply may keep several calls
 */
record ToolRequest(List<Object> tools, Set<String> names, ToolCallFormat format, boolean parallel) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A reader of one reply's calls. */
  ToolCallParser parser() {
    return new ToolCallParser(format, names, parallel);
  }

  /** The request's tools; null when it offers none or sets {@code tool_choice: "none"}. */
  static ToolRequest read(RequestFields f, ServedModel model) {
    rejectFunctions(f);
    JsonNode list = f.value("tools");
    boolean parallel = f.bool("parallel_tool_calls", true);
    if (list == null) {
      if (f.has("tool_choice") && !isNone(f.value("tool_choice"))) {
        throw ApiException.badRequest("tool_choice", "tool_choice needs tools");
      }
      return null;
    }
    if (!list.isArray()) {
      throw ApiException.badRequest(
          "tools", "tools must be a list of {\"type\": \"function\", ...}");
    }
    Set<String> names = new LinkedHashSet<>();
    for (int i = 0; i < list.size(); i++) {
      names.add(functionName(list.get(i), "tools[" + i + "]", names));
    }
    JsonNode choice = checkedChoice(f.value("tool_choice"));
    if (list.isEmpty() || isNone(choice)) {
      return null;
    }
    if (model.tools() == null) {
      throw ApiException.badRequest(
          "tools",
          "this model's chat template takes no tools in a format the server reads ("
              + ToolCallFormat.names()
              + "); if the model writes one of them, start kernelj serve with"
              + " --tool-call-parser NAME");
    }
    List<Object> tools = new ArrayList<>();
    for (JsonNode tool : list) tools.add(JSON.convertValue(tool, Object.class));
    return new ToolRequest(tools, names, model.tools().format(), parallel);
  }

  private static boolean isNone(JsonNode choice) {
    return choice != null && choice.isTextual() && choice.textValue().equals("none");
  }

  private static JsonNode checkedChoice(JsonNode choice) {
    if (choice == null
        || isNone(choice)
        || choice.isTextual() && choice.textValue().equals("auto")) {
      return choice;
    }
    if (choice.isObject() || choice.isTextual() && choice.textValue().equals("required")) {
      throw ApiException.badRequest(
          "tool_choice",
          "tool_choice \"required\" and named functions are not supported (they need decoding"
              + " constrained to the call); use \"auto\" or \"none\"");
    }
    throw ApiException.badRequest(
        "tool_choice", "tool_choice must be \"auto\" or \"none\" but is " + choice);
  }

  /** The name of {@code tools[i]}, checked: a function with a name not offered before. */
  private static String functionName(JsonNode tool, String at, Set<String> seen) {
    if (!tool.isObject()) {
      throw ApiException.badRequest(
          at, at + " must be {\"type\": \"function\", \"function\": ...}");
    }
    JsonNode type = tool.get("type");
    if (type != null && !(type.isTextual() && type.textValue().equals("function"))) {
      throw ApiException.badRequest(
          at + ".type", at + ".type must be \"function\" (the only kind of tool there is)");
    }
    JsonNode function = tool.get("function");
    if (function == null || !function.isObject()) {
      throw ApiException.badRequest(at + ".function", at + ".function must be an object");
    }
    JsonNode name = function.get("name");
    if (name == null || !name.isTextual() || name.textValue().isBlank()) {
      throw ApiException.badRequest(
          at + ".function.name", at + ".function.name must be a non-empty string");
    }
    if (seen.contains(name.textValue())) {
      throw ApiException.badRequest(
          at + ".function.name",
          at + ".function.name: \"" + name.textValue() + "\" is offered twice");
    }
    JsonNode parameters = function.get("parameters");
    if (parameters != null && !parameters.isNull() && !parameters.isObject()) {
      throw ApiException.badRequest(
          at + ".function.parameters", at + ".function.parameters must be a JSON Schema object");
    }
    JsonNode description = function.get("description");
    if (description != null && !description.isNull() && !description.isTextual()) {
      throw ApiException.badRequest(
          at + ".function.description", at + ".function.description must be a string");
    }
    return name.textValue();
  }

  /** The deprecated forms of tools: an error, not an answer that silently ignores them. */
  private static void rejectFunctions(RequestFields f) {
    JsonNode functions = f.value("functions");
    JsonNode functionCall = f.value("function_call");
    boolean noFunctions =
        functionCall != null && functionCall.isTextual() && functionCall.asText().equals("none");
    if (functions != null && !(functions.isArray() && functions.isEmpty()) && !noFunctions) {
      throw ApiException.badRequest(
          "functions", "functions are not supported; send them as tools instead");
    }
  }
}
