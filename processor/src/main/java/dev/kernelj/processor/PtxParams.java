package dev.kernelj.processor;

import dev.kernelj.dsl.check.JavaParam;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parameters of a kernel as nvcc compiled it, read from its PTX entry ({@code .param .u64
 * k_param_0, .param .f32 k_param_1, .param .align 2 .b8 k_param_2[2]}), and whether a Java method's
 * parameters fit them. This is the check of last resort: the declaration the checker read and the
 * one nvcc compiled can differ (a preprocessor condition on a macro from a header, a type name
 * resolved through a using-declaration), and for an {@code extern "C"} kernel the symbol says
 * nothing of the parameters. PTX tells floats from integers and every size, not a pointer's element
 * type.
 */
final class PtxParams {
  /** One PTX parameter: its kind and its size in bytes. */
  record Param(Kind kind, int bytes) {
    String describe() {
      return switch (kind) {
        case FLOAT -> bytes * 8 + "-bit float";
        case INTEGER -> bytes * 8 + "-bit integer or pointer";
        case BYTES -> bytes + "-byte value";
      };
    }
  }

  /** How PTX types a parameter: {@code .f32}/{@code .f64}, {@code .u/.s/.b}, or an aggregate. */
  enum Kind {
    FLOAT,
    INTEGER,
    BYTES
  }

  private static final Pattern SCALAR = Pattern.compile("\\.([usbf])(8|16|32|64)\\b");
  private static final Pattern AGGREGATE = Pattern.compile("\\.b8\\s+[\\w$]+\\s*\\[(\\d+)\\]");

  private PtxParams() {}

  /** The parameters of entry {@code symbol} in {@code ptx}, or empty when it has no such entry. */
  static Optional<List<Param>> of(String ptx, String symbol) {
    int start = PtxSymbols.parameterListStart(ptx, symbol);
    int close = start < 0 ? -1 : ptx.indexOf(')', start);
    if (close < 0) {
      return Optional.empty();
    }
    List<Param> params = new ArrayList<>();
    for (String piece : ptx.substring(start, close).split(",")) {
      if (!piece.isBlank()) {
        params.add(param(piece));
      }
    }
    return Optional.of(params);
  }

  private static Param param(String declaration) {
    Matcher aggregate = AGGREGATE.matcher(declaration);
    if (aggregate.find()) {
      return new Param(Kind.BYTES, Integer.parseInt(aggregate.group(1)));
    }
    Matcher scalar = SCALAR.matcher(declaration.replaceFirst("\\.param", ""));
    if (!scalar.find()) {
      return new Param(Kind.BYTES, 0);
    }
    Kind kind = scalar.group(1).equals("f") ? Kind.FLOAT : Kind.INTEGER;
    return new Param(kind, Integer.parseInt(scalar.group(2)) / 8);
  }

  /** Whether a Java parameter carries what a PTX parameter takes: the kind and the size. */
  static boolean fits(JavaParam java, Param ptx) {
    if (java instanceof JavaParam.Pointer) {
      return ptx.kind() == Kind.INTEGER && ptx.bytes() == 8;
    }
    if (!(java instanceof JavaParam.Scalar scalar)) {
      return true; // reported by the rules already
    }
    return switch (scalar.type()) {
      case F32 -> ptx.kind() == Kind.FLOAT && ptx.bytes() == 4;
      case F64 -> ptx.kind() == Kind.FLOAT && ptx.bytes() == 8;
      // nvcc passes __half and __nv_bfloat16 by value as 2-byte aggregates.
      case F16, BF16 -> ptx.kind() != Kind.FLOAT && ptx.bytes() == 2;
      default -> ptx.kind() == Kind.INTEGER && ptx.bytes() == scalar.type().byteSize();
    };
  }
}
