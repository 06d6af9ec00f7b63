package dev.kernelj.dsl.check;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.cuda.ArithmeticTypes;
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
   * The element type of an arithmetic type's spelling ({@link ArithmeticTypes}): {@code char} is
   * signed on every target CUDA supports, and {@code long} is 64 bits (LP64).
   */
  private static final Map<String, DType> ARITHMETIC =
      Map.ofEntries(
          Map.entry("float", DType.F32),
          Map.entry("double", DType.F64),
          Map.entry("bool", DType.BOOL),
          Map.entry("char", DType.I8),
          Map.entry("signed char", DType.I8),
          Map.entry("unsigned char", DType.U8),
          Map.entry("short", DType.I16),
          Map.entry("unsigned short", DType.U16),
          Map.entry("int", DType.I32),
          Map.entry("unsigned int", DType.U32),
          Map.entry("long", DType.I64),
          Map.entry("unsigned long", DType.U64),
          Map.entry("long long", DType.I64),
          Map.entry("unsigned long long", DType.U64));

  private static Optional<DType> arithmetic(String[] words) {
    return ArithmeticTypes.canonical(words).map(ARITHMETIC::get);
  }
}
