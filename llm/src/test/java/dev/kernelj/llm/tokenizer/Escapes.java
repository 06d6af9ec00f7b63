package dev.kernelj.llm.tokenizer;

/** Shows a string in test messages with invisible and non-ASCII characters escaped. */
final class Escapes {

  private Escapes() {}

  static String of(String s) {
    StringBuilder sb = new StringBuilder("\"");
    int shown = 0;
    for (int i = 0; i < s.length() && shown < 300; i++, shown++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') sb.append('\\').append(c);
      else if (c == '\n') sb.append("\\n");
      else if (c == '\t') sb.append("\\t");
      else if (c >= 0x20 && c < 0x7F) sb.append(c);
      else sb.append(String.format("\\u%04x", (int) c));
    }
    if (s.length() > 300) sb.append("...(").append(s.length()).append(" chars)");
    return sb.append('"').toString();
  }
}
