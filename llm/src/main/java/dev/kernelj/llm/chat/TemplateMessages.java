package dev.kernelj.llm.chat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jinjava's error messages in a user's words: Java class names become the Python type a template
 * author knows ({@code java.lang.Long} is "int"), exception class prefixes go, and everything fits
 * on one line.
 */
final class TemplateMessages {
  private static final Pattern CLASS_NAME =
      Pattern.compile("(?:class )?(?:[a-z][a-z0-9_]*\\.)+([A-Z][A-Za-z0-9_$]*)");
  private static final Pattern EXCEPTION_PREFIX =
      Pattern.compile("\\b[A-Z][A-Za-z]*(?:Exception|Error): ");

  private TemplateMessages() {}

  static String clean(String message) {
    if (message == null) {
      return "error";
    }
    String text = EXCEPTION_PREFIX.matcher(message).replaceAll("");
    Matcher m = CLASS_NAME.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(pythonType(m.group(1))));
    }
    m.appendTail(out);
    return out.toString().replaceAll("\\s+", " ").strip();
  }

  private static String pythonType(String javaName) {
    return switch (javaName) {
      case "String" -> "str";
      case "Long", "Integer", "Short", "Byte", "BigInteger" -> "int";
      case "Double", "Float", "BigDecimal" -> "float";
      case "Boolean" -> "bool";
      default ->
          javaName.contains("List") || javaName.contains("Collection")
              ? "list"
              : javaName.contains("Map") ? "dict" : "value";
    };
  }

  /** At most 60 characters of {@code text} on one line. */
  static String abbreviate(String text) {
    String single = text == null ? "" : text.replaceAll("\\s+", " ").strip();
    return single.length() <= 60 ? single : single.substring(0, 57) + "...";
  }
}
