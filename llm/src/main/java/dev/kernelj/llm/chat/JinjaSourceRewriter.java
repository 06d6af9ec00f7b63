package dev.kernelj.llm.chat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites the few Jinja2 constructs of Hugging Face chat templates that Jinjava parses
 * differently, into equivalents it handles, and counts macro calls:
 *
 * <ul>
 *   <li>{@code seq[::-1]} (Python's reversed slice, a parse error in Jinjava) becomes {@code
 *       seq|reverse};
 *   <li>{@code namespace(a=x|length - 1)}: Jinjava binds a named argument tighter than the
 *       arithmetic after it, so each named value is parenthesized: {@code namespace(a=(x|length -
 *       1))}.
 * </ul>
 */
final class JinjaSourceRewriter {

  private static final Pattern REVERSED_SLICE = Pattern.compile("\\[\\s*:\\s*:\\s*-1\\s*\\]");
  private static final Pattern NAMESPACE_CALL = Pattern.compile("\\bnamespace\\s*\\(");
  private static final Pattern NAMED_ARGUMENT =
      Pattern.compile("^(\\s*[A-Za-z_][A-Za-z0-9_]*\\s*=)(?!=)(.*)$", Pattern.DOTALL);

  /**
   * Macro tags, opening ({@code {% macro f(x) %}}, group 2 "macro") or closing ({@code {%- endmacro
   * %}}), with their whitespace control: group 1 the {@code -} after {@code {%}, group 3 the {@code
   * -} before {@code %}}.
   */
  private static final Pattern MACRO_TAG =
      Pattern.compile("\\{%(-?)\\s*(macro|endmacro)\\b[^%]*?(-?)%\\}", Pattern.DOTALL);

  /** The function each macro's body is guarded by; registered by {@link ChatTemplate}. */
  static final String MACRO_TICK = "__kernelj_macro_call";

  private JinjaSourceRewriter() {}

  static String rewrite(String template) {
    String s = REVERSED_SLICE.matcher(template).replaceAll("|reverse");
    return countMacroCalls(parenthesizeNamespaceArguments(s));
  }

  /**
   * Wraps each macro's body in {@code {% if __kernelj_macro_call() %}...{% endif %}}: every call
   * counts against the render's budget ({@link TemplateFunctions#macroCall}), and past it a call
   * renders nothing and calls nothing, so a macro that calls itself twice unwinds at once instead
   * of making 2^32 calls. The new tags take the whitespace control of the tags they stand beside,
   * so the text a macro renders is unchanged. Where the macro tags do not pair (a broken template),
   * every opening tag is guarded all the same and the missing ends are added at the end: what
   * Jinjava makes of such a template is an error or a render, but never an unbounded one.
   */
  static String countMacroCalls(String s) {
    Matcher m = MACRO_TAG.matcher(s);
    StringBuilder out = new StringBuilder(s.length() + 64);
    int depth = 0;
    int copied = 0;
    while (m.find()) {
      boolean opening = m.group(2).equals("macro");
      if (!opening && depth == 0) {
        continue; // an end without its macro: left to Jinjava to report
      }
      depth += opening ? 1 : -1;
      out.append(s, copied, m.start());
      if (opening) {
        out.append(m.group())
            .append("{%")
            .append(m.group(3).isEmpty() ? " " : "- ")
            .append("if " + MACRO_TICK + "() ")
            .append(m.group(3))
            .append("%}");
      } else {
        out.append("{%").append(m.group(1)).append(" endif %}").append(m.group());
      }
      copied = m.end();
    }
    out.append(s.substring(copied));
    return out.append("{% endif %}".repeat(depth)).toString();
  }

  private static String parenthesizeNamespaceArguments(String s) {
    StringBuilder out = new StringBuilder(s.length() + 16);
    Matcher m = NAMESPACE_CALL.matcher(s);
    int copied = 0;
    while (m.find(copied)) {
      int argsStart = m.end();
      int close = matchingParen(s, argsStart);
      if (close < 0) break;
      out.append(s, copied, argsStart);
      out.append(rewriteArguments(s.substring(argsStart, close)));
      out.append(')');
      copied = close + 1;
    }
    return out.append(s.substring(copied)).toString();
  }

  private static String rewriteArguments(String args) {
    StringBuilder out = new StringBuilder();
    int depth = 0;
    char quote = 0;
    int start = 0;
    for (int i = 0; i <= args.length(); i++) {
      char c = i < args.length() ? args.charAt(i) : ',';
      if (quote != 0) {
        if (c == '\\') i++;
        else if (c == quote) quote = 0;
        continue;
      }
      if (c == '\'' || c == '"') quote = c;
      else if (c == '(' || c == '[' || c == '{') depth++;
      else if (c == ')' || c == ']' || c == '}') depth--;
      else if (c == ',' && depth == 0) {
        String arg = args.substring(start, i);
        Matcher named = NAMED_ARGUMENT.matcher(arg);
        out.append(named.matches() ? named.group(1) + "(" + named.group(2) + ")" : arg);
        if (i < args.length()) out.append(',');
        start = i + 1;
      }
    }
    return out.toString();
  }

  /** Index of the ')' closing the call whose arguments start at {@code from}, or -1. */
  private static int matchingParen(String s, int from) {
    int depth = 0;
    char quote = 0;
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote != 0) {
        if (c == '\\') i++;
        else if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '(') {
        depth++;
      } else if (c == ')') {
        if (depth == 0) return i;
        depth--;
      }
    }
    return -1;
  }
}
