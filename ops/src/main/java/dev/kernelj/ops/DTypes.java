package dev.kernelj.ops;

import dev.kernelj.dsl.DType;
import java.util.EnumSet;
import java.util.Set;

/**
 * What the ops layer does with each {@link DType}: which are tensor dtypes, how values round into
 * them.
 */
public final class DTypes {
  private DTypes() {}

  /** The dtypes a {@link Tensor} can hold. */
  public static final Set<DType> TENSOR_TYPES =
      EnumSet.of(DType.F32, DType.F16, DType.BF16, DType.I32, DType.I8, DType.U8);

  /** The floating dtypes the ops compute on. */
  public static final Set<DType> FLOATING = EnumSet.of(DType.F32, DType.F16, DType.BF16);

  public static boolean isFloating(DType t) {
    return FLOATING.contains(t);
  }

  /**
   * {@code value} as stored in a tensor of {@code type}: rounded to nearest even for f16/bf16,
   * unchanged for f32. This is the one rounding point shared by the reference backend and by the
   * kernels' stores.
   */
  public static float round(DType type, float value) {
    return switch (type) {
      case F32 -> value;
      case F16 -> Float16.round(value);
      case BF16 -> BFloat16.round(value);
      default -> throw new IllegalArgumentException(type + " is not a floating dtype");
    };
  }

  /** Rounds {@code values[from, to)} in place to {@code type}. */
  public static void roundInPlace(DType type, float[] values, int from, int to) {
    if (type == DType.F32) {
      return;
    }
    for (int i = from; i < to; i++) {
      values[i] = round(type, values[i]);
    }
  }

  /** Lower-case name used in messages and kernel names: f32, f16, bf16, i32, i8, u8. */
  public static String shortName(DType t) {
    return t.name().toLowerCase(java.util.Locale.ROOT);
  }
}
