package dev.kernelj.llm.chat;

import com.hubspot.jinjava.util.HasObjectTruthValue;
import java.util.Map;

/**
 * {@code True} or {@code False} as the operand of {@code ==} or {@code !=}, compared as Python
 * compares: equal to the boolean of the same value (and to itself), to no string, list or none.
 * Jinjava's equality turns the other side of a boolean into a boolean, so {@code 'False' == false}
 * held; with a PythonBool on one side it compares a string as text, with a text no string is, and a
 * boolean by truth.
 */
final class PythonBool implements HasObjectTruthValue {
  static final PythonBool TRUE = new PythonBool(true);
  static final PythonBool FALSE = new PythonBool(false);

  /** The template variables the rewritten comparisons name. */
  static final Map<String, Object> VARIABLES = Map.of(variable(true), TRUE, variable(false), FALSE);

  private final boolean value;

  private PythonBool(boolean value) {
    this.value = value;
  }

  /** The variable that stands for the literal {@code value} in a comparison. */
  static String variable(boolean value) {
    return value ? "__kernelj_true" : "__kernelj_false";
  }

  @Override
  public boolean getObjectTruthValue() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o == this || o instanceof Boolean b && b == value;
  }

  @Override
  public int hashCode() {
    return Boolean.hashCode(value);
  }

  /** What a string is compared with: a text no template's string holds. */
  @Override
  public String toString() {
    return "\u0000kernelj-python-" + (value ? "True" : "False") + "\u0000";
  }
}
