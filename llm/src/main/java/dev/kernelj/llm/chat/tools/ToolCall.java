package dev.kernelj.llm.chat.tools;

/**
 * One call of a tool that a model's reply asked for, as OpenAI's chat API returns it: {@code {"id",
 * "type": "function", "function": {"name", "arguments"}}}.
 *
 * @param id the call's id, made here (the model writes none)
 * @param name the function's name, as the model wrote it
 * @param arguments the arguments as a JSON text (an object, as OpenAI sends them)
 */
public record ToolCall(String id, String name, String arguments) {}
