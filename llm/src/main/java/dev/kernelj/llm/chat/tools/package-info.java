/**
 * Tool calls in a model's reply: which of the formats that open models are trained on a chat
 * template speaks ({@link dev.kernelj.llm.chat.tools.ToolCallFormat}), and reading the calls out of
 * the generated text, whole or as it streams ({@link dev.kernelj.llm.chat.tools.ToolCallParser}).
 */
package dev.kernelj.llm.chat.tools;
