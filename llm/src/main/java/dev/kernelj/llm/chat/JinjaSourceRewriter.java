package dev.kernelj.llm.chat;

import dev.kernelj.llm.chat.JinjaLexer.Gap;
import dev.kernelj.llm.chat.JinjaLexer.Raw;
import dev.kernelj.llm.chat.JinjaLexer.Segment;
import dev.kernelj.llm.chat.JinjaLexer.Tag;
import dev.kernelj.llm.chat.JinjaLexer.Text;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites a chat template into a source that Jinjava renders as Jinja2 renders the original, and
 * bounds its macro calls:
 *
 * <ul>
 *   <li>whitespace: the text comes with jinja2's whitespace rules already applied ({@link
 *       JinjaLexer}) and no whitespace control left, for Jinjava to render with its own trimming
 *       off; comments and removed newlines become empty comments, so every tag stays on its line;
 *   <li>expressions: {@link JinjaExpressions} (escapes, {@code not}, slices, {@code ({...})});
 *       {@code namespace(a=x|length - 1)} gets each named value parenthesised, since Jinjava binds
 *       a named argument tighter than the arithmetic after it;
 *   <li>{@code for}: a loop's {@code if} filter becomes a first pass that picks the items (so
 *       {@code loop.index}, {@code loop.last} and {@code loop.length} count the picked items, as in
 *       Jinja2), its {@code else} runs only when no item did, and {@code loop.previtem} and {@code
 *       loop.nextitem} are read from the loop's items;
 *   <li>{@code {% generation %}} and {@code {% endgeneration %}} (transformers' marks of the
 *       assistant's text) are dropped;
 *   <li>macros: each macro's body is guarded by {@code __kernelj_macro_call()}, which counts calls
 *       against the render's budget ({@link TemplateFunctions#macroCall}); past it a call renders
 *       nothing and calls nothing, so a macro that calls itself twice unwinds at once instead of
 *       making 2^32 calls.
 * </ul>
 */
final class JinjaSourceRewriter {

  private static final Pattern NAMESPACE_CALL = Pattern.compile("\\bnamespace\\s*\\(");
  private static final Pattern NAMED_ARGUMENT =
      Pattern.compile("^(\\s*[A-Za-z_][A-Za-z0-9_]*\\s*=)(?!=)(.*)$", Pattern.DOTALL);
  private static final Pattern LOOP_NEIGHBOUR = Pattern.compile("\\bloop\\.(previtem|nextitem)\\b");
  private static final Pattern LOOP_WORD = Pattern.compile("(?<![.\\w])loop\\b");

  /** The function each macro's body is guarded by; registered by {@link ChatTemplate}. */
  static final String MACRO_TICK = "__kernelj_macro_call";

  /** Functions the rewritten {@code for} loops call; registered by {@link ChatTemplate}. */
  static final String ITEMS = "__kernelj_items";

  static final String PICK = "__kernelj_pick";
  static final String PREVIOUS = "__kernelj_previous";
  static final String FOLLOWING = "__kernelj_following";

  private final List<Segment> segments;
  private final StringBuilder out = new StringBuilder();

  /** What is known of each {@code for} tag, by its index in {@link #segments}. */
  private final Map<Integer, Loop> loops = new HashMap<>();

  /** The {@code else} and {@code endfor} tags of loops that have an else, to their loop. */
  private final Map<Integer, Loop> loopTags = new HashMap<>();

  /** The loop that owns each tag's {@code loop} variable, by tag index. */
  private final Map<Integer, Loop> owners = new HashMap<>();

  /** One {@code for} loop. */
  private static final class Loop {
    final int id;
    int elseAt = -1;
    int endAt = -1;
    boolean neighbours;

    Loop(int id) {
      this.id = id;
    }
  }

  private final java.util.function.Predicate<String> knownFilter;

  private JinjaSourceRewriter(
      List<Segment> segments, java.util.function.Predicate<String> knownFilter) {
    this.segments = segments;
    this.knownFilter = knownFilter;
  }

  /**
   * @param knownFilter whether the renderer has a filter of that name (others fail where used)
   */
  static String rewrite(String template, java.util.function.Predicate<String> knownFilter) {
    JinjaSourceRewriter r = new JinjaSourceRewriter(JinjaLexer.lex(template), knownFilter);
    r.findLoops();
    return r.emit();
  }

  /** Pairs each {@code for} with its {@code else} and {@code endfor}, and who reads its items. */
  private void findLoops() {
    Deque<Object> open = new ArrayDeque<>(); // Loop for a for, the tag name for any other block
    Deque<Loop> fors = new ArrayDeque<>();
    for (int i = 0; i < segments.size(); i++) {
      if (!(segments.get(i) instanceof Tag tag) || isGenerationMark(tag)) continue;
      if (!fors.isEmpty()) owners.put(i, fors.peek());
      if (!fors.isEmpty() && LOOP_NEIGHBOUR.matcher(tag.body()).find())
        fors.peek().neighbours = true;
      String name = tag.name();
      if (name.equals("for")) {
        Loop loop = new Loop(loops.size());
        loops.put(i, loop);
        open.push(loop);
        fors.push(loop);
        owners.remove(i); // a for's own tag reads the enclosing loop
      } else if (name.equals("else") && !open.isEmpty() && open.peek() instanceof Loop loop) {
        loop.elseAt = i;
      } else if (name.equals("endfor") && !open.isEmpty() && open.peek() instanceof Loop loop) {
        loop.endAt = i;
        open.pop();
        fors.pop();
        if (loop.elseAt >= 0) {
          loopTags.put(loop.elseAt, loop);
          loopTags.put(i, loop);
        }
      } else if (tag.opensBlock()) {
        open.push(name);
      } else if (name.startsWith("end") && !open.isEmpty() && !(open.peek() instanceof Loop)) {
        open.pop();
      }
    }
  }

  private String emit() {
    int macros = 0;
    for (int i = 0; i < segments.size(); i++) {
      Segment s = segments.get(i);
      if (s instanceof Text t) {
        text(t.text());
      } else if (s instanceof Gap g) {
        gap(g.newlines());
      } else if (s instanceof Raw r) {
        gap(r.newlinesBefore());
        if (!r.content().isEmpty())
          out.append("{% raw %}").append(r.content()).append("{% endraw %}");
        gap(r.newlinesAfter());
      } else if (s instanceof Tag tag && isGenerationMark(tag)) {
        // transformers' {% generation %} marks the assistant's text for training masks and
        // renders nothing of its own.
        gap(tag.newlinesBefore() + newlines(tag.body()) + tag.newlinesAfter());
      } else if (s instanceof Tag tag) {
        gap(tag.newlinesBefore());
        String name = tag.name();
        if (name.equals("endmacro") && macros > 0) {
          out.append("{% endif %}");
          macros--;
        }
        tag(i, tag);
        if (name.equals("macro")) {
          out.append("{% if ").append(MACRO_TICK).append("() %}");
          macros++;
        }
        gap(tag.newlinesAfter());
      }
    }
    // Where macro tags do not pair (a broken template) the missing ends are added: what Jinjava
    // makes of it is an error or a render, but never an unbounded one.
    return out.append("{% endif %}".repeat(macros)).toString();
  }

  private static boolean isGenerationMark(Tag tag) {
    return tag.name().equals("generation") || tag.name().equals("endgeneration");
  }

  private static int newlines(String s) {
    return (int) s.chars().filter(c -> c == '\n').count();
  }

  /** Text as it is; a last "{" is printed by a tag, lest it and the next tag read as "{{". */
  private void text(String text) {
    if (text.endsWith("{")) {
      out.append(text, 0, text.length() - 1).append("{{ '{' }}");
    } else {
      out.append(text);
    }
  }

  /** An empty comment spanning {@code newlines} lines: nothing printed, lines kept. */
  private void gap(int newlines) {
    if (newlines > 0) out.append("{#").append("\n".repeat(newlines)).append("#}");
  }

  private void tag(int index, Tag tag) {
    Loop owner = owners.get(index);
    String body =
        JinjaExpressions.outsideStrings(
            JinjaExpressions.rewrite(tag.body(), knownFilter, tag.block()),
            text -> neighbours(parenthesizeNamespaceArguments(text), owner));
    if (!tag.block()) {
      out.append("{{").append(body).append("}}");
      return;
    }
    Loop loop = loops.get(index);
    Loop paired = loopTags.get(index);
    if (loop != null) {
      forTag(body, loop);
    } else if (paired != null && index == paired.elseAt) {
      out.append("{% endfor %}{% if not __kernelj_ran").append(paired.id).append(".v %}");
    } else if (paired != null && index == paired.endAt) {
      out.append("{% endif %}");
    } else {
      out.append("{%").append(body).append("%}");
    }
  }

  /**
   * A {@code for} tag, split into target, items, {@code if} filter and {@code recursive}, written
   * out with what its loop needs.
   */
  private void forTag(String body, Loop loop) {
    String s = body.strip().substring(3); // after "for"
    int in = topLevelWord(s, "in", 0);
    if (in < 0) {
      out.append("{%").append(body).append("%}");
      return;
    }
    String target = s.substring(0, in);
    int filterAt = topLevelWord(s, "if", in + 2);
    int recursiveAt = topLevelWord(s, "recursive", in + 2);
    int iterEnd = filterAt >= 0 ? filterAt : recursiveAt >= 0 ? recursiveAt : s.length();
    String iter = s.substring(in + 2, iterEnd);
    String filter =
        filterAt < 0
            ? null
            : s.substring(filterAt + 2, recursiveAt > filterAt ? recursiveAt : s.length());
    String recursive = recursiveAt >= 0 ? " recursive" : "";
    String items = "__kernelj_seq" + loop.id;
    boolean bind = filter != null || loop.neighbours;
    if (bind) {
      out.append("{% set ")
          .append(items)
          .append(" = ")
          .append(ITEMS)
          .append('(')
          .append(iter)
          .append(") %}");
    }
    if (filter != null && LOOP_WORD.matcher(filter).find()) {
      // The filter runs before the loop starts, so its "loop" is the enclosing loop (or none).
      String outer = "__kernelj_outer" + loop.id;
      out.append("{% set ").append(outer).append(" = loop %}");
      filter = JinjaExpressions.outsideStrings(filter, t -> LOOP_WORD.matcher(t).replaceAll(outer));
    }
    if (filter != null) {
      String keep = "__kernelj_keep" + loop.id;
      out.append("{% set ")
          .append(keep)
          .append(" = [] %}")
          .append("{% for")
          .append(target)
          .append("in ")
          .append(items)
          .append(" %}")
          .append("{% if ")
          .append(filter)
          .append(" %}")
          .append("{% do ")
          .append(keep)
          .append(".append(loop.index0) %}")
          .append("{% endif %}{% endfor %}")
          .append("{% set ")
          .append(items)
          .append(" = ")
          .append(PICK)
          .append('(')
          .append(items)
          .append(", ")
          .append(keep)
          .append(") %}");
    }
    if (loop.elseAt >= 0) {
      out.append("{% set __kernelj_ran").append(loop.id).append(" = namespace(v=false) %}");
    }
    out.append("{% for")
        .append(target)
        .append("in ")
        .append(bind ? items : iter.strip())
        .append(recursive)
        .append(" %}");
    if (loop.elseAt >= 0) {
      out.append("{% set __kernelj_ran").append(loop.id).append(".v = true %}");
    }
  }

  /** {@code loop.previtem} and {@code loop.nextitem} read from the owning loop's items. */
  private static String neighbours(String body, Loop owner) {
    if (owner == null || !owner.neighbours) {
      return body;
    }
    String items = "__kernelj_seq" + owner.id;
    return LOOP_NEIGHBOUR
        .matcher(body)
        .replaceAll(
            m ->
                (m.group(1).equals("previtem") ? PREVIOUS : FOLLOWING)
                    + "("
                    + items
                    + ", loop.index0)");
  }

  /** Where {@code word} stands alone at bracket depth 0 and outside strings in {@code s}, or -1. */
  private static int topLevelWord(String s, String word, int from) {
    int depth = 0;
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\'' || c == '"') {
        i = JinjaTokens.stringEnd(s, i);
      } else if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || c == '}') {
        depth--;
      } else if (depth == 0
          && s.startsWith(word, i)
          && (i == 0 || !isWordChar(s.charAt(i - 1)))
          && (i + word.length() == s.length() || !isWordChar(s.charAt(i + word.length())))) {
        return i;
      }
    }
    return -1;
  }

  private static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_';
  }

  private static String parenthesizeNamespaceArguments(String s) {
    StringBuilder rewritten = new StringBuilder(s.length() + 16);
    Matcher m = NAMESPACE_CALL.matcher(s);
    int copied = 0;
    while (m.find(copied)) {
      int argsStart = m.end();
      int close = matchingParen(s, argsStart);
      if (close < 0) break;
      rewritten.append(s, copied, argsStart);
      rewritten.append(rewriteArguments(s.substring(argsStart, close)));
      rewritten.append(')');
      copied = close + 1;
    }
    return rewritten.append(s.substring(copied)).toString();
  }

  private static String rewriteArguments(String args) {
    StringBuilder rewritten = new StringBuilder();
    int depth = 0;
    int start = 0;
    for (int i = 0; i <= args.length(); i++) {
      char c = i < args.length() ? args.charAt(i) : ',';
      if (c == '\'' || c == '"') i = JinjaTokens.stringEnd(args, i);
      else if (c == '(' || c == '[' || c == '{') depth++;
      else if (c == ')' || c == ']' || c == '}') depth--;
      else if (c == ',' && depth == 0) {
        String arg = args.substring(start, i);
        Matcher named = NAMED_ARGUMENT.matcher(arg);
        rewritten.append(named.matches() ? named.group(1) + "(" + named.group(2) + ")" : arg);
        if (i < args.length()) rewritten.append(',');
        start = i + 1;
      }
    }
    return rewritten.toString();
  }

  /** Index of the ')' closing the call whose arguments start at {@code from}, or -1. */
  private static int matchingParen(String s, int from) {
    int depth = 0;
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\'' || c == '"') {
        i = JinjaTokens.stringEnd(s, i);
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
