package dev.kernelj.dsl.cuda;

/** Reads kernel name expressions; see {@link NameExpression#parse}. */
final class NameExpressionParser {
  private NameExpressionParser() {}

  static NameExpression parse(String text) {
    throw new UnsupportedOperationException("not implemented yet");
  }
}
