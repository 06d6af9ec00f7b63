package dev.kernelj.dsl.check;

import dev.kernelj.dsl.DType;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one table of C type spellings KernelJ can pass, for the targets CUDA runs on (LP64, signed
 * {@code char}). The processor, the runtime and the matching rules all look types up here.
 */
public final class CTypes {
  /** Type names that are not combinations of C's arithmetic keywords. */
  private static final Map<String, DType> NAMED =
      Map.ofEntries(
          Map.entry("__half", DType.F16),
          Map.entry("half", DType.F16),
          Map.entry("__nv_bfloat16", DType.BF16),
          Map.entry("nv_bfloat16", DType.BF16),
          Map.entry("int8_t", DType.I8),
          Map.entry("uint8_t", DType.U8),
          Map.entry("int16_t", DType.I16),
          Map.entry("uint16_t", DType.U16),
          Map.entry("int32_t", DType.I32),
          Map.entry("uint32_t", DType.U32),
          Map.entry("int64_t", DType.I64),
          Map.entry("uint64_t", DType.U64),
          Map.entry("ptrdiff_t", DType.I64),
          Map.entry("size_t", DType.U64));

  private CTypes() {}

  /**
   * The element type a C base type spells ({@code "unsigned int"} is {@link DType#U32}), or empty
   * for anything else: structs, user typedefs, vector types, template parameters, {@code void},
   * {@code long double}. White space is folded; a leading {@code ::}, {@code std::} or {@code
   * cuda::std::} is ignored, and the arithmetic keywords may come in any order ({@code long
   * unsigned int}).
   */
  public static Optional<DType> dtypeOf(String cBase) {
    if (cBase == null) {
      return Optional.empty();
    }
    String name = cBase.strip().replaceAll("\\s+", " ");
    for (String prefix : List.of("::", "cuda::std::", "std::")) {
      if (name.startsWith(prefix)) {
        name = name.substring(prefix.length());
      }
    }
    DType named = NAMED.get(name);
    return named != null ? Optional.of(named) : arithmetic(name.split(" "));
  }

  /** Whether {@code dtypeOf} knows this spelling. */
  public static boolean isKnown(String cBase) {
    return dtypeOf(cBase).isPresent();
  }

  /**
   * Counts the arithmetic keywords and works out the type they make together, as a C compiler does.
   */
  private static Optional<DType> arithmetic(String[] words) {
    int signed = 0,
        unsigned = 0,
        shorts = 0,
        longs = 0,
        ints = 0,
        chars = 0,
        floats = 0,
        doubles = 0,
        bools = 0;
    for (String w : words) {
      switch (w) {
        case "signed" -> signed++;
        case "unsigned" -> unsigned++;
        case "short" -> shorts++;
        case "long" -> longs++;
        case "int" -> ints++;
        case "char" -> chars++;
        case "float" -> floats++;
        case "double" -> doubles++;
        case "bool" -> bools++;
        default -> {
          return Optional.empty();
        }
      }
    }
    int total = words.length;
    if (total == 1 && floats == 1) {
      return Optional.of(DType.F32);
    }
    if (total == 1 && doubles == 1) {
      return Optional.of(DType.F64);
    }
    if (total == 1 && bools == 1) {
      return Optional.of(DType.BOOL);
    }
    if (floats + doubles + bools > 0
        || signed + unsigned > 1
        || ints > 1
        || chars > 1
        || shorts > 1
        || longs > 2) {
      return Optional.empty();
    }
    boolean isUnsigned = unsigned == 1;
    if (chars == 1) {
      // char is signed on every target CUDA supports; "signed char" says so explicitly.
      return shorts + longs + ints == 0
          ? Optional.of(isUnsigned ? DType.U8 : DType.I8)
          : Optional.empty();
    }
    if (shorts == 1) {
      return longs == 0 ? Optional.of(isUnsigned ? DType.U16 : DType.I16) : Optional.empty();
    }
    if (longs > 0) {
      // LP64: long and long long are both 64 bits.
      return Optional.of(isUnsigned ? DType.U64 : DType.I64);
    }
    return Optional.of(isUnsigned ? DType.U32 : DType.I32);
  }
}
