package dev.kernelj.dsl.cuda;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * Decides which lines of a CUDA C source the compiler sees and what they say after macro
 * replacement, the way nvcc's preprocessor does: conditional groups ({@code #if}, {@code #ifdef},
 * {@code #ifndef}, {@code #elif}, {@code #elifdef}, {@code #elifndef}, {@code #else}, {@code
 * #endif}), {@code #define}/{@code #undef}, and {@code #error} in live code. {@code #include} stays
 * opaque: headers are not read, so a macro they define is unknown here (the declaration parser
 * reports a declaration hidden behind one). Directives inside a function-like macro's arguments are
 * processed where they stand, as GCC does.
 */
final class Preprocessor implements TokenSource {
  /**
   * The live tokens of a source after macro replacement, and the branches the preprocessor skipped,
   * with the {@code __global__} functions declared in them (for messages).
   */
  record Result(List<CudaToken> tokens, List<SkippedKernel> skippedGlobals) {}

  private static final class Group {
    final int line;
    final boolean parentLive;
    boolean taken;
    boolean live;
    boolean sawElse;

    Group(int line, boolean parentLive, boolean live) {
      this.line = line;
      this.parentLive = parentLive;
      this.live = live;
      this.taken = live || !parentLive;
    }
  }

  private final List<LogicalLines.Line> lines;
  private final MacroTable macros;
  private final Deque<Group> groups = new ArrayDeque<>();
  private final Deque<CudaToken> queue = new ArrayDeque<>();
  private final List<SkippedKernel> skippedGlobals = new ArrayList<>();
  private int next;
  private int skipLine;
  private String skipDirective;
  private final List<CudaToken> skippedTokens = new ArrayList<>();

  private Preprocessor(List<LogicalLines.Line> lines, MacroTable macros) {
    this.lines = lines;
    this.macros = macros;
  }

  /**
   * Preprocesses {@code source} with these macros defined beforehand (the compiler's predefined
   * macros and {@code -D} options).
   *
   * @throws CudaParseException for what a C preprocessor rejects in live code, and for unbalanced
   *     conditional groups anywhere
   */
  static Result run(String source, Map<String, Macro> predefined) {
    Preprocessor pp = new Preprocessor(LogicalLines.split(source), new MacroTable(predefined));
    MacroExpander expander = new MacroExpander(pp.macros, pp);
    List<CudaToken> tokens = new ArrayList<>();
    for (CudaToken t = expander.next(); t != null; t = expander.next()) {
      tokens.add(t);
    }
    return new Result(tokens, List.copyOf(pp.skippedGlobals));
  }

  private boolean live() {
    return groups.isEmpty() || groups.peek().live;
  }

  @Override
  public CudaToken next() {
    while (queue.isEmpty()) {
      if (next >= lines.size()) {
        if (!groups.isEmpty()) {
          throw new CudaParseException(
              groups.peek().line,
              "#if/#ifdef/#ifndef at line " + groups.peek().line + " is never closed by #endif");
        }
        return null;
      }
      LogicalLines.Line line = lines.get(next++);
      if (line.isDirective()) {
        directive(line);
      } else if (live()) {
        queue.addAll(CudaLexer.tokenize(line, 0));
      } else {
        rememberSkipped(line);
      }
    }
    return queue.poll();
  }

  private void directive(LogicalLines.Line line) {
    String text = line.text();
    int at = text.indexOf('#') + 1;
    while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
      at++;
    }
    int nameEnd = at;
    while (nameEnd < text.length() && LogicalLines.isIdentPart(text.charAt(nameEnd))) {
      nameEnd++;
    }
    String name = text.substring(at, nameEnd);
    int lineNo = line.lineAt(at);
    boolean wasLive = live();
    switch (name) {
      case "if", "ifdef", "ifndef" -> openGroup(name, line, nameEnd, lineNo);
      case "elif", "elifdef", "elifndef" -> elif(name, line, nameEnd, lineNo);
      case "else" -> elseBranch(lineNo);
      case "endif" -> {
        if (groups.isEmpty()) {
          throw new CudaParseException(lineNo, "#endif without #if");
        }
        groups.pop();
      }
      default -> {
        if (wasLive) {
          liveDirective(name, line, nameEnd, lineNo);
        }
      }
    }
    boolean isLive = live();
    if (wasLive && !isLive) {
      skipLine = lineNo;
      skipDirective = text.strip().replaceAll("\\s+", " ");
      skippedTokens.clear();
    } else if (!wasLive && isLive) {
      collectSkippedKernels();
    }
  }

  private void openGroup(String name, LogicalLines.Line line, int from, int lineNo) {
    if (!live()) {
      groups.push(new Group(lineNo, false, false));
      return;
    }
    boolean value =
        name.equals("if")
            ? ConditionEvaluator.evaluate(CudaLexer.tokenize(line, from), macros, lineNo)
            : macros.isDefined(macroName(line, from, name, lineNo)) == name.equals("ifdef");
    groups.push(new Group(lineNo, true, value));
  }

  private void elif(String name, LogicalLines.Line line, int from, int lineNo) {
    Group g = requireGroup("#" + name, lineNo);
    if (g.sawElse) {
      throw new CudaParseException(lineNo, "#" + name + " after #else");
    }
    if (g.taken) {
      g.live = false;
      return;
    }
    boolean value =
        name.equals("elif")
            ? ConditionEvaluator.evaluate(CudaLexer.tokenize(line, from), macros, lineNo)
            : macros.isDefined(macroName(line, from, name, lineNo)) == name.equals("elifdef");
    g.live = value;
    g.taken = value;
  }

  private void elseBranch(int lineNo) {
    Group g = requireGroup("#else", lineNo);
    if (g.sawElse) {
      throw new CudaParseException(lineNo, "#else after #else");
    }
    g.sawElse = true;
    g.live = !g.taken;
    g.taken = true;
  }

  private Group requireGroup(String directive, int lineNo) {
    if (groups.isEmpty()) {
      throw new CudaParseException(lineNo, directive + " without #if");
    }
    return groups.peek();
  }

  private String macroName(LogicalLines.Line line, int from, String directive, int lineNo) {
    List<CudaToken> tokens = CudaLexer.tokenize(line, from);
    if (tokens.isEmpty() || !tokens.get(0).isIdentifier()) {
      throw new CudaParseException(lineNo, "#" + directive + " needs a macro name");
    }
    return tokens.get(0).text();
  }

  private void liveDirective(String name, LogicalLines.Line line, int from, int lineNo) {
    switch (name) {
      case "define" ->
          macros.define(MacroDefinitionParser.parse(CudaLexer.tokenize(line, from), lineNo));
      case "undef" -> macros.undefine(macroName(line, from, name, lineNo));
      case "error" ->
          throw new CudaParseException(
              lineNo, "#error" + line.text().substring(from).stripTrailing());
      case "include",
          "include_next",
          "import",
          "pragma",
          "line",
          "warning",
          "ident",
          "sccs",
          "assert",
          "unassert",
          "" -> {
        // Headers stay opaque; the rest does not change what the compiler declares.
      }
      default -> {
        if (!Character.isDigit(name.charAt(0))) { // "# 12 \"file\"" is a line marker
          throw new CudaParseException(lineNo, "invalid preprocessing directive #" + name);
        }
      }
    }
  }

  /** Keeps the tokens of skipped lines that lex, to name the kernels they would declare. */
  private void rememberSkipped(LogicalLines.Line line) {
    try {
      skippedTokens.addAll(CudaLexer.tokenize(line, 0));
    } catch (CudaParseException e) {
      // Prose in an #if 0 block need not lex; it declares nothing anyway.
    }
  }

  private void collectSkippedKernels() {
    for (int i = 0; i < skippedTokens.size(); i++) {
      if (!skippedTokens.get(i).isIdentifier("__global__")) {
        continue;
      }
      for (int j = i + 1; j + 1 < skippedTokens.size(); j++) {
        CudaToken t = skippedTokens.get(j);
        if (t.isPunct(";") || t.isPunct("{") || t.isIdentifier("__global__")) {
          break;
        }
        if (t.isIdentifier()
            && skippedTokens.get(j + 1).isPunct("(")
            && !GlobalDeclarationReader.isSpecifierCall(t.text())) {
          skippedGlobals.add(new SkippedKernel(t.text(), t.line(), skipLine, skipDirective));
          break;
        }
      }
    }
    skippedTokens.clear();
  }
}
