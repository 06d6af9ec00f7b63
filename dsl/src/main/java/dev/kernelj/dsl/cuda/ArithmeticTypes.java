package dev.kernelj.dsl.cuda;

import java.util.Optional;

/**
 * Types written as C's arithmetic keywords, which may come in any order ({@code long unsigned int}
 * is {@code unsigned long}): one spelling per type, for the targets CUDA runs on. The checker's
 * table of passable types ({@code CTypes}) and the signatures that tell a definition from an
 * overload ({@link Signatures}) both read them here.
 */
public final class ArithmeticTypes {
  private ArithmeticTypes() {}

  /**
   * The one spelling of the type {@code words} make together, as a C compiler reads them ({@code
   * "unsigned int"}, {@code "long long"}, {@code "signed char"}, {@code "float"}), or empty when
   * they are not all arithmetic keywords or make no type ({@code long double}, {@code short long}).
   */
  public static Optional<String> canonical(String[] words) {
    int signed = 0;
    int unsigned = 0;
    int shorts = 0;
    int longs = 0;
    int ints = 0;
    int chars = 0;
    int others = 0; // float, double, bool: a type only alone
    for (String w : words) {
      switch (w) {
        case "signed" -> signed++;
        case "unsigned" -> unsigned++;
        case "short" -> shorts++;
        case "long" -> longs++;
        case "int" -> ints++;
        case "char" -> chars++;
        case "float", "double", "bool" -> others++;
        default -> {
          return Optional.empty();
        }
      }
    }
    if (others > 0) {
      return words.length == 1 ? Optional.of(words[0]) : Optional.empty();
    }
    if (signed + unsigned > 1 || ints > 1 || chars > 1 || shorts > 1 || longs > 2) {
      return Optional.empty();
    }
    if (chars == 1) {
      if (ints + shorts + longs > 0) {
        return Optional.empty();
      }
      return Optional.of(unsigned == 1 ? "unsigned char" : signed == 1 ? "signed char" : "char");
    }
    if (shorts == 1 && longs > 0) {
      return Optional.empty();
    }
    String width = shorts == 1 ? "short" : longs == 1 ? "long" : longs == 2 ? "long long" : "int";
    return Optional.of(unsigned == 1 ? "unsigned " + width : width);
  }
}
