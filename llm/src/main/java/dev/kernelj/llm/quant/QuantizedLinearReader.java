package dev.kernelj.llm.quant;

import dev.kernelj.llm.safetensors.SafetensorsDType;
import dev.kernelj.llm.safetensors.TensorLookup;
import dev.kernelj.llm.safetensors.TensorView;
import dev.kernelj.llm.util.ModelFormatException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * Reads one quantized linear layer ({@code <prefix>.qweight}, {@code .qzeros}, {@code .scales} and
 * for GPTQ optionally {@code .g_idx}) into the canonical {@link QuantizedWeight}, checking every
 * tensor's dtype and shape against the configuration first.
 */
public final class QuantizedLinearReader {
  private static final Set<SafetensorsDType> SCALE_TYPES =
      EnumSet.of(SafetensorsDType.F16, SafetensorsDType.BF16, SafetensorsDType.F32);
  private static final Set<SafetensorsDType> INDEX_TYPES =
      EnumSet.of(SafetensorsDType.I32, SafetensorsDType.I64);

  private QuantizedLinearReader() {}

  /** Whether {@code prefix} names a quantized linear layer in {@code tensors}. */
  public static boolean isQuantized(TensorLookup tensors, String prefix) {
    return tensors.contains(prefix + ".qweight");
  }

  /**
   * Reads the layer {@code prefix} (e.g. {@code model.layers.0.self_attn.q_proj}).
   *
   * @throws ModelFormatException naming the file and tensor when a tensor is missing or misshapen
   */
  public static QuantizedWeight read(
      TensorLookup tensors, String prefix, QuantizationConfig config) {
    return switch (config.method()) {
      case GPTQ -> GptqUnpacker.unpack(new Layer(tensors, prefix), config);
      case AWQ -> AwqUnpacker.unpack(new Layer(tensors, prefix), config);
    };
  }

  /** The tensors of one layer, with checked access. */
  record Layer(TensorLookup tensors, String prefix) {
    boolean has(String suffix) {
      return tensors.contains(prefix + "." + suffix);
    }

    /**
     * Tensor {@code prefix.suffix}, which must be 2-D (or {@code rank}-D) with a dtype in {@code
     * allowed}.
     */
    TensorView require(String suffix, Set<SafetensorsDType> allowed, int rank) {
      String name = prefix + "." + suffix;
      if (!tensors.contains(name)) {
        throw new ModelFormatException(
            tensors.location(),
            "tensor '" + name + "'",
            "missing (needed for the quantized layer " + prefix + ")");
      }
      TensorView view = tensors.tensor(name);
      if (!allowed.contains(view.dtype())) {
        throw error(view, "dtype", "is " + view.dtype() + ", expected " + allowed);
      }
      if (view.shape().length != rank) {
        throw error(
            view,
            "shape",
            "is " + Arrays.toString(view.shape()) + ", expected " + rank + " dimensions");
      }
      return view;
    }

    TensorView requireInt32Matrix(String suffix) {
      return require(suffix, EnumSet.of(SafetensorsDType.I32), 2);
    }

    TensorView requireScales() {
      return require("scales", SCALE_TYPES, 2);
    }

    TensorView requireIndex(String suffix) {
      return require(suffix, INDEX_TYPES, 1);
    }

    static void expectShape(TensorView view, long[] expected, String why) {
      if (!Arrays.equals(view.shape(), expected)) {
        throw error(
            view,
            "shape",
            "is "
                + Arrays.toString(view.shape())
                + ", expected "
                + Arrays.toString(expected)
                + " ("
                + why
                + ")");
      }
    }

    static ModelFormatException error(TensorView view, String what, String detail) {
      return new ModelFormatException(view.file(), "tensor '" + view.name() + "' " + what, detail);
    }
  }

  /** Checks that a dimension fits an int and is positive, for array sizing. */
  static int dimension(TensorView view, long value, String what) {
    if (value <= 0 || value > Integer.MAX_VALUE / 8) {
      throw Layer.error(view, "shape", what + " = " + value + " is not a usable size");
    }
    return (int) value;
  }
}
