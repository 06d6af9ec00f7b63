package dev.kernelj.dsl.cuda;

import dev.kernelj.dsl.cuda.IntegerExpression.Value;

/** Integer and character literals as a {@code #if} reads them. */
final class IntegerLiterals {
  private IntegerLiterals() {}

  /**
   * {@code 42}, {@code 0x2A}, {@code 052}, {@code 0b101010}, {@code 1'000u}, {@code 10ULL}: the
   * value, unsigned when suffixed {@code u} or too large for a signed 64-bit value.
   */
  static Value number(String text, int line) {
    String s = text.replace("'", "");
    int end = s.length();
    boolean unsigned = false;
    while (end > 0 && "uUlLzZ".indexOf(s.charAt(end - 1)) >= 0) {
      unsigned |= Character.toLowerCase(s.charAt(end - 1)) == 'u';
      end--;
    }
    String digits = s.substring(0, end);
    int radix = 10;
    if (digits.startsWith("0x") || digits.startsWith("0X")) {
      radix = 16;
      digits = digits.substring(2);
    } else if (digits.startsWith("0b") || digits.startsWith("0B")) {
      radix = 2;
      digits = digits.substring(2);
    } else if (digits.length() > 1 && digits.startsWith("0")) {
      radix = 8;
      digits = digits.substring(1);
    }
    if (digits.isEmpty() && radix != 8) {
      throw new CudaParseException(line, "#if expression: '" + text + "' is not a number");
    }
    if (radix == 8 && digits.isEmpty()) {
      digits = "0";
    }
    boolean floating =
        digits.contains(".")
            || (radix == 10 && (digits.contains("e") || digits.contains("E")))
            || (radix == 16 && (digits.contains("p") || digits.contains("P")));
    if (floating) {
      throw new CudaParseException(
          line, "#if expression: floating constant '" + text + "' in a preprocessor expression");
    }
    long bits;
    try {
      bits = Long.parseUnsignedLong(digits, radix);
    } catch (NumberFormatException e) {
      throw new CudaParseException(
          line, "#if expression: '" + text + "' is not an integer that fits in 64 bits");
    }
    return new Value(bits, unsigned || bits < 0);
  }

  /** {@code 'a'}, {@code '\n'}, {@code '\x41'}, {@code u8'a'}: the value as GCC gives it. */
  static Value character(String text, int line) {
    int quote = text.indexOf('\'');
    String prefix = text.substring(0, quote);
    String body = text.substring(quote + 1, text.length() - 1);
    long value = 0;
    int count = 0;
    int i = 0;
    while (i < body.length()) {
      long c;
      char ch = body.charAt(i++);
      if (ch != '\\') {
        c = ch;
      } else {
        if (i >= body.length()) {
          throw new CudaParseException(line, "#if expression: bad character literal " + text);
        }
        char e = body.charAt(i++);
        switch (e) {
          case 'n' -> c = '\n';
          case 't' -> c = '\t';
          case 'r' -> c = '\r';
          case 'a' -> c = 7;
          case 'b' -> c = '\b';
          case 'f' -> c = '\f';
          case 'v' -> c = 11;
          case 'x' -> {
            int start = i;
            while (i < body.length() && Character.digit(body.charAt(i), 16) >= 0) {
              i++;
            }
            c = Long.parseLong(body.substring(start, i), 16);
          }
          case 'u', 'U' -> {
            int n = e == 'u' ? 4 : 8;
            c = Long.parseLong(body.substring(i, Math.min(body.length(), i + n)), 16);
            i += n;
          }
          default -> {
            if (e >= '0' && e <= '7') {
              int start = i - 1;
              while (i < body.length()
                  && i - start < 3
                  && body.charAt(i) >= '0'
                  && body.charAt(i) <= '7') {
                i++;
              }
              c = Long.parseLong(body.substring(start, i), 8);
            } else {
              c = e; // \\ \' \" \?
            }
          }
        }
      }
      value = count == 0 ? c : (value << 8) | (c & 0xff);
      count++;
    }
    if (count == 0) {
      throw new CudaParseException(line, "#if expression: empty character literal");
    }
    if (prefix.isEmpty() && count == 1) {
      value = (byte) value; // plain char is signed on the targets CUDA supports
    }
    return new Value(value, false);
  }
}
