package dev.kernelj.dsl.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * {@code #if} arithmetic against an independent evaluator: random expression trees are printed with
 * only the parentheses C's precedence needs, so the parser's precedence and associativity are
 * tested too, and evaluated directly with C's signed 64-bit rules and short-circuiting.
 */
class IntegerExpressionProperties {
  /** An expression tree: a literal, a unary, a binary or a conditional node. */
  sealed interface Node permits Literal, Unary, Binary, Conditional {}

  record Literal(long value) implements Node {}

  record Unary(String op, Node operand) implements Node {}

  record Binary(String op, Node left, Node right) implements Node {}

  record Conditional(Node condition, Node then, Node otherwise) implements Node {}

  /** What evaluating a node gives: a value, or a division by zero where it is evaluated. */
  static final class DivisionByZero extends RuntimeException {}

  private static final String[] BINARY = {
    "*", "/", "%", "+", "-", "<<", ">>", "<", ">", "<=", ">=", "==", "!=", "&", "^", "|", "&&", "||"
  };

  @Provide
  Arbitrary<Node> expressions() {
    return node(4);
  }

  private Arbitrary<Node> node(int depth) {
    Arbitrary<Node> literal = Arbitraries.longs().between(0, 40).map(Literal::new);
    if (depth == 0) {
      return literal;
    }
    Arbitrary<Node> unary =
        Arbitraries.of("-", "~", "!").flatMap(op -> node(depth - 1).map(n -> new Unary(op, n)));
    Arbitrary<Node> binary =
        Arbitraries.of(BINARY)
            .flatMap(
                op ->
                    op.equals("<<") || op.equals(">>")
                        ? node(depth - 1)
                            .flatMap(
                                l ->
                                    Arbitraries.longs()
                                        .between(0, 20)
                                        .map(by -> new Binary(op, l, new Literal(by))))
                        : node(depth - 1)
                            .flatMap(l -> node(depth - 1).map(r -> new Binary(op, l, r))));
    Arbitrary<Node> conditional =
        node(depth - 1)
            .flatMap(
                c ->
                    node(depth - 1)
                        .flatMap(t -> node(depth - 1).map(o -> new Conditional(c, t, o))));
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(3, literal),
        net.jqwik.api.Tuple.of(2, unary),
        net.jqwik.api.Tuple.of(6, binary),
        net.jqwik.api.Tuple.of(1, conditional));
  }

  @Property(tries = 400)
  void evaluatesAsC(@ForAll("expressions") Node expression) {
    String text = print(expression, 0);
    String source = "#if " + text + "\nyes\n#else\nno\n#endif\n";
    Long expected;
    try {
      expected = eval(expression);
    } catch (DivisionByZero e) {
      expected = null;
    }
    if (expected == null) {
      CudaParseException e =
          assertThrows(CudaParseException.class, () -> PreprocessorTest.text(source), text);
      assertEquals("line 1: #if expression: division by zero", e.getMessage());
    } else {
      assertEquals(expected != 0 ? "yes" : "no", PreprocessorTest.text(source), text);
    }
  }

  // ---- printing with C's precedence (higher binds tighter)

  private static int precedence(Node n) {
    if (n instanceof Binary b) {
      return switch (b.op()) {
        case "*", "/", "%" -> 10;
        case "+", "-" -> 9;
        case "<<", ">>" -> 8;
        case "<", ">", "<=", ">=" -> 7;
        case "==", "!=" -> 6;
        case "&" -> 5;
        case "^" -> 4;
        case "|" -> 3;
        case "&&" -> 2;
        default -> 1; // ||
      };
    }
    if (n instanceof Conditional) {
      return 0;
    }
    return 11; // literals and unary operators
  }

  /** Prints {@code n}, parenthesised when it binds more loosely than {@code context} needs. */
  static String print(Node n, int context) {
    String text;
    if (n instanceof Literal l) {
      text = Long.toString(l.value());
    } else if (n instanceof Unary u) {
      text = u.op() + " " + print(u.operand(), 11);
    } else if (n instanceof Binary b) {
      int p = precedence(b);
      // Left-associative: the right operand of the same precedence needs parentheses.
      text = print(b.left(), p) + " " + b.op() + " " + print(b.right(), p + 1);
    } else {
      Conditional c = (Conditional) n;
      text = print(c.condition(), 1) + " ? " + print(c.then(), 0) + " : " + print(c.otherwise(), 0);
    }
    return precedence(n) < context ? "(" + text + ")" : text;
  }

  // ---- the independent evaluator

  static long eval(Node n) {
    if (n instanceof Literal l) {
      return l.value();
    }
    if (n instanceof Unary u) {
      long v = eval(u.operand());
      return switch (u.op()) {
        case "-" -> -v;
        case "~" -> ~v;
        default -> v == 0 ? 1 : 0;
      };
    }
    if (n instanceof Conditional c) {
      return eval(c.condition()) != 0 ? eval(c.then()) : eval(c.otherwise());
    }
    Binary b = (Binary) n;
    if (b.op().equals("&&")) {
      return eval(b.left()) != 0 && eval(b.right()) != 0 ? 1 : 0;
    }
    if (b.op().equals("||")) {
      return eval(b.left()) != 0 || eval(b.right()) != 0 ? 1 : 0;
    }
    long l = eval(b.left());
    long r = eval(b.right());
    return switch (b.op()) {
      case "*" -> l * r;
      case "/" -> {
        if (r == 0) {
          throw new DivisionByZero();
        }
        yield l / r;
      }
      case "%" -> {
        if (r == 0) {
          throw new DivisionByZero();
        }
        yield l % r;
      }
      case "+" -> l + r;
      case "-" -> l - r;
      case "<<" -> l << r;
      case ">>" -> l >> r;
      case "<" -> l < r ? 1 : 0;
      case ">" -> l > r ? 1 : 0;
      case "<=" -> l <= r ? 1 : 0;
      case ">=" -> l >= r ? 1 : 0;
      case "==" -> l == r ? 1 : 0;
      case "!=" -> l != r ? 1 : 0;
      case "&" -> l & r;
      case "^" -> l ^ r;
      default -> l | r;
    };
  }
}
