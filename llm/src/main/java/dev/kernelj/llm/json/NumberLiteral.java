package dev.kernelj.llm.json;

import java.math.BigDecimal;

/**
 * A JSON number kept as its literal text, so that readers can tell {@code 4096} from {@code 4096.0}
 * or {@code 4.096e3} and never round a huge value silently. Conversions go through {@link
 * BigDecimal}.
 */
final class NumberLiteral extends Number {
  private static final long serialVersionUID = 1L;

  private final String literal;

  NumberLiteral(String literal) {
    this.literal = literal;
  }

  @Override
  public int intValue() {
    return toBigDecimal().intValue();
  }

  @Override
  public long longValue() {
    return toBigDecimal().longValue();
  }

  @Override
  public float floatValue() {
    return Float.parseFloat(literal);
  }

  @Override
  public double doubleValue() {
    return Double.parseDouble(literal);
  }

  private BigDecimal toBigDecimal() {
    return new BigDecimal(literal);
  }

  @Override
  public String toString() {
    return literal;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof NumberLiteral n && n.literal.equals(literal);
  }

  @Override
  public int hashCode() {
    return literal.hashCode();
  }
}
