package dev.kernelj.dsl.cuda;

import java.util.List;

/**
 * The integer constant expression of a {@code #if} after macro replacement, parsed by recursive
 * descent with C's precedence. Values are 64-bit, signed unless an operand is unsigned (C's usual
 * arithmetic conversions in {@code intmax_t}/{@code uintmax_t}); {@code &&}, {@code ||} and {@code
 * ?:} do not evaluate the operand they skip, so {@code 0 && 1 / 0} is fine.
 */
final class IntegerExpression {
  /** One value with its signedness. */
  record Value(long bits, boolean unsigned) {
    boolean isTrue() {
      return bits != 0;
    }

    static Value of(boolean b) {
      return new Value(b ? 1 : 0, false);
    }
  }

  private final List<CudaToken> tokens;
  private final int line;
  private int pos;

  /** Nonzero while parsing an operand that is not evaluated (errors such as 1 / 0 are ignored). */
  private int skipping;

  IntegerExpression(List<CudaToken> tokens, int line) {
    this.tokens = tokens;
    this.line = line;
  }

  Value evaluate() {
    Value v = comma();
    if (pos < tokens.size()) {
      throw error("unexpected '" + tokens.get(pos).text() + "'");
    }
    return v;
  }

  private Value comma() {
    Value v = conditional();
    while (accept(",")) {
      v = conditional();
    }
    return v;
  }

  private Value conditional() {
    Value condition = logicalOr();
    if (!accept("?")) {
      return condition;
    }
    boolean take = condition.isTrue();
    Value a = operand(take, this::comma);
    expect(":");
    Value b = operand(!take, this::conditional);
    boolean unsigned = a.unsigned() || b.unsigned();
    return new Value(take ? a.bits() : b.bits(), unsigned);
  }

  private Value operand(boolean evaluated, java.util.function.Supplier<Value> parse) {
    if (!evaluated) {
      skipping++;
    }
    try {
      return parse.get();
    } finally {
      if (!evaluated) {
        skipping--;
      }
    }
  }

  private Value logicalOr() {
    Value v = logicalAnd();
    while (accept("||")) {
      boolean left = v.isTrue();
      Value right = operand(!left, this::logicalAnd);
      v = Value.of(left || right.isTrue());
    }
    return v;
  }

  private Value logicalAnd() {
    Value v = bitOr();
    while (accept("&&")) {
      boolean left = v.isTrue();
      Value right = operand(left, this::bitOr);
      v = Value.of(left && right.isTrue());
    }
    return v;
  }

  private Value bitOr() {
    Value v = bitXor();
    while (acceptSingle("|")) {
      Value r = bitXor();
      v = new Value(v.bits() | r.bits(), v.unsigned() || r.unsigned());
    }
    return v;
  }

  private Value bitXor() {
    Value v = bitAnd();
    while (accept("^")) {
      Value r = bitAnd();
      v = new Value(v.bits() ^ r.bits(), v.unsigned() || r.unsigned());
    }
    return v;
  }

  private Value bitAnd() {
    Value v = equality();
    while (acceptSingle("&")) {
      Value r = equality();
      v = new Value(v.bits() & r.bits(), v.unsigned() || r.unsigned());
    }
    return v;
  }

  private Value equality() {
    Value v = relational();
    while (true) {
      if (accept("==")) {
        v = Value.of(v.bits() == relational().bits());
      } else if (accept("!=")) {
        v = Value.of(v.bits() != relational().bits());
      } else {
        return v;
      }
    }
  }

  private Value relational() {
    Value v = shift();
    while (true) {
      String op;
      if (accept("<=")) {
        op = "<=";
      } else if (accept(">=")) {
        op = ">=";
      } else if (acceptSingle("<")) {
        op = "<";
      } else if (acceptSingle(">")) {
        op = ">";
      } else {
        return v;
      }
      Value r = shift();
      int cmp =
          v.unsigned() || r.unsigned()
              ? Long.compareUnsigned(v.bits(), r.bits())
              : Long.compare(v.bits(), r.bits());
      v =
          Value.of(
              switch (op) {
                case "<=" -> cmp <= 0;
                case ">=" -> cmp >= 0;
                case "<" -> cmp < 0;
                default -> cmp > 0;
              });
    }
  }

  private Value shift() {
    Value v = additive();
    while (true) {
      if (accept("<<")) {
        long by = additive().bits();
        v = new Value(by >= 64 || by < 0 ? 0 : v.bits() << by, v.unsigned());
      } else if (accept(">>")) {
        long by = additive().bits();
        long bits;
        if (by >= 64 || by < 0) {
          bits = v.unsigned() || v.bits() >= 0 ? 0 : -1;
        } else {
          bits = v.unsigned() ? v.bits() >>> by : v.bits() >> by;
        }
        v = new Value(bits, v.unsigned());
      } else {
        return v;
      }
    }
  }

  private Value additive() {
    Value v = multiplicative();
    while (true) {
      if (accept("+")) {
        Value r = multiplicative();
        v = new Value(v.bits() + r.bits(), v.unsigned() || r.unsigned());
      } else if (accept("-")) {
        Value r = multiplicative();
        v = new Value(v.bits() - r.bits(), v.unsigned() || r.unsigned());
      } else {
        return v;
      }
    }
  }

  private Value multiplicative() {
    Value v = unary();
    while (true) {
      String op;
      if (accept("*")) {
        op = "*";
      } else if (accept("/")) {
        op = "/";
      } else if (accept("%")) {
        op = "%";
      } else {
        return v;
      }
      Value r = unary();
      boolean unsigned = v.unsigned() || r.unsigned();
      if (!op.equals("*") && r.bits() == 0) {
        if (skipping == 0) {
          throw error("division by zero");
        }
        v = new Value(0, unsigned);
        continue;
      }
      long bits =
          switch (op) {
            case "*" -> v.bits() * r.bits();
            case "/" -> unsigned ? Long.divideUnsigned(v.bits(), r.bits()) : v.bits() / r.bits();
            default -> unsigned ? Long.remainderUnsigned(v.bits(), r.bits()) : v.bits() % r.bits();
          };
      v = new Value(bits, unsigned);
    }
  }

  private Value unary() {
    if (accept("+")) {
      return unary();
    }
    if (accept("-")) {
      Value v = unary();
      return new Value(-v.bits(), v.unsigned());
    }
    if (accept("~")) {
      Value v = unary();
      return new Value(~v.bits(), v.unsigned());
    }
    if (accept("!")) {
      return Value.of(!unary().isTrue());
    }
    return primary();
  }

  private Value primary() {
    if (pos >= tokens.size()) {
      throw error("the expression ends where an operand is expected");
    }
    CudaToken t = tokens.get(pos++);
    if (t.isPunct("(")) {
      Value v = comma();
      expect(")");
      return v;
    }
    return switch (t.kind()) {
      case NUMBER -> IntegerLiterals.number(t.text(), line);
      case CHAR -> IntegerLiterals.character(t.text(), line);
      case IDENTIFIER -> Value.of(t.is("true")); // every other identifier left is 0
      default -> throw error("'" + t.text() + "' cannot stand in a #if expression");
    };
  }

  /** Accepts an operator spelled by one or two adjacent single-character tokens. */
  private boolean accept(String op) {
    if (op.length() == 1) {
      if (pos < tokens.size() && tokens.get(pos).isPunct(op)) {
        pos++;
        return true;
      }
      return false;
    }
    if (pos + 1 < tokens.size()
        && tokens.get(pos).isPunct(op.substring(0, 1))
        && tokens.get(pos + 1).isPunct(op.substring(1))
        && !tokens.get(pos + 1).spaceBefore()) {
      pos += 2;
      return true;
    }
    return false;
  }

  /** '|', '&', '<' or '>' alone: not the first half of ||, &&, <=, <<, >=, >>. */
  private boolean acceptSingle(String op) {
    if (pos >= tokens.size() || !tokens.get(pos).isPunct(op)) {
      return false;
    }
    if (pos + 1 < tokens.size() && !tokens.get(pos + 1).spaceBefore()) {
      CudaToken next = tokens.get(pos + 1);
      if (next.isPunct(op) || next.isPunct("=")) {
        return false;
      }
    }
    pos++;
    return true;
  }

  private void expect(String op) {
    if (!accept(op)) {
      throw error(
          "expected '"
              + op
              + "'"
              + (pos < tokens.size() ? " before '" + tokens.get(pos).text() + "'" : " at the end"));
    }
  }

  private CudaParseException error(String message) {
    return new CudaParseException(line, "#if expression: " + message);
  }
}
