package dev.kernelj.llm.quant;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.safetensors.SafetensorsDType;
import dev.kernelj.llm.safetensors.TensorLookup;
import dev.kernelj.llm.safetensors.TensorView;
import dev.kernelj.llm.util.ModelFormatException;
import dev.kernelj.ops.DenseWeight;
import dev.kernelj.ops.LinearWeight;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.StackedWeight;
import dev.kernelj.ops.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Loads the linear layers of a GPTQ or AWQ checkpoint into a backend: each module's {@code
 * qweight/qzeros/scales(/g_idx)} read and checked against the model's shapes ({@link
 * QuantizedLinearReader}), repacked for the GEMM ({@link QuantizedPacking}), and the row blocks of
 * a fused projection (q/k/v, gate/up) packed as one matrix when they share bits, groups and input
 * order, else stacked. Modules the checkpoint keeps unquantized ({@code modules_to_not_convert},
 * GPTQModel's dynamic exclusions) are loaded dense by the caller's loader. A projection is prepared
 * on the host ({@link #prepare}, on any thread) and then handed to the backend ({@link #finish}).
 */
public final class QuantizedProjectionLoader {
  private final TensorLookup checkpoint;
  private final QuantizationConfig config;
  private final Ops ops;

  public QuantizedProjectionLoader(TensorLookup checkpoint, QuantizationConfig config, Ops ops) {
    this.checkpoint = checkpoint;
    this.config = config;
    this.ops = ops;
  }

  /** Whether module {@code prefix} (e.g. {@code model.layers.0.mlp.down_proj}) is quantized. */
  public boolean isQuantized(String prefix) {
    return QuantizedLinearReader.isQuantized(checkpoint, prefix);
  }

  /**
   * A projection of {@code inputs} inputs whose row blocks are the modules {@code modules}, {@code
   * rows[i]} rows each.
   */
  public record Request(int inputs, List<String> modules, int[] rows) {}

  /**
   * A projection read, checked and repacked on the host, in row-block order: packed runs of
   * quantized blocks, and the indexes of the blocks to load dense.
   */
  public static final class Prepared {
    private final List<Piece> pieces;

    Prepared(List<Piece> pieces) {
      this.pieces = pieces;
    }
  }

  /** A packed run of quantized row blocks, or (packed null) the index of a block to load dense. */
  record Piece(QuantizedPacking.Packed packed, int denseBlock) {}

  /**
   * The part of loading a projection that needs no backend: every quantized block read from the
   * checkpoint, checked and repacked into the GEMM's layout. Safe to run on another thread while
   * the backend takes an earlier projection ({@link #finish}); it is most of a quantized model's
   * load.
   *
   * @throws ModelFormatException naming the tensor or the quantization field when the checkpoint
   *     disagrees with the model's shapes or with a layout the kernels take
   */
  public Prepared prepare(Request request) {
    List<Piece> pieces = new ArrayList<>();
    List<QuantizedPacking.Block> run = new ArrayList<>();
    for (int i = 0; i < request.modules().size(); i++) {
      String prefix = request.modules().get(i);
      if (!isQuantized(prefix)) {
        flush(run, pieces);
        pieces.add(new Piece(null, i));
        continue;
      }
      QuantizedPacking.Block block = read(prefix, request.rows()[i], request.inputs());
      List<QuantizedPacking.Block> extended = new ArrayList<>(run);
      extended.add(block);
      if (!run.isEmpty() && !QuantizedPacking.fusable(extended)) {
        flush(run, pieces);
      }
      run.add(block);
    }
    flush(run, pieces);
    return new Prepared(pieces);
  }

  /**
   * {@code prepared} in the backend: its packed runs uploaded and its other blocks loaded by {@code
   * dense.apply(i)}, one weight or a stack of them.
   */
  public LinearWeight finish(Prepared prepared, IntFunction<Tensor> dense) {
    List<LinearWeight> parts = new ArrayList<>();
    try {
      for (Piece piece : prepared.pieces) {
        parts.add(
            piece.packed() != null
                ? QuantizedPacking.upload(piece.packed(), ops)
                : new DenseWeight(dense.apply(piece.denseBlock())));
      }
    } catch (RuntimeException | Error e) {
      parts.forEach(LinearWeight::close);
      throw e;
    }
    return parts.size() == 1 ? parts.get(0) : new StackedWeight(parts);
  }

  private static void flush(List<QuantizedPacking.Block> run, List<Piece> pieces) {
    if (!run.isEmpty()) {
      pieces.add(new Piece(QuantizedPacking.packHost(run), -1));
      run.clear();
    }
  }

  /**
   * A quantized module dequantized into a dense {@code [rows, inputs]} tensor of {@code dtype}: for
   * the LM head, whose logits the engine wants in f32 from a dense matmul.
   */
  public Tensor dequantized(String prefix, int rows, int inputs, DType dtype) {
    QuantizedWeight w = read(prefix, rows, inputs).weight();
    Tensor out = ops.empty(dtype, rows, inputs);
    try {
      int step = Math.max(1, (1 << 20) / inputs);
      for (int r0 = 0; r0 < rows; r0 += step) {
        int r1 = Math.min(rows, r0 + step);
        float[] values = new float[(r1 - r0) * inputs];
        Dequantizer.rows(w, r0, r1, values);
        try (Tensor part = ops.upload(Tensor.fromFloats(dtype, values, r1 - r0, inputs))) {
          ops.copy(out.slice(0, r0, r1), part);
        }
      }
      return out;
    } catch (RuntimeException | Error e) {
      out.close();
      throw e;
    }
  }

  private QuantizedPacking.Block read(String prefix, int rows, int inputs) {
    QuantizationConfig module = config.forModule(prefix);
    TensorView qweight = checkpoint.tensor(prefix + ".qweight");
    if (module.groupSize() != -1 && inputs % module.groupSize() != 0) {
      throw new ModelFormatException(
          module.source(),
          "group_size",
          module.groupSize()
              + " does not divide the "
              + inputs
              + " inputs of "
              + prefix
              + "; the kernels need whole groups");
    }
    QuantizedWeight w;
    try {
      w = QuantizedLinearReader.read(checkpoint, prefix, module);
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(
          qweight.file(), "tensor '" + qweight.name() + "'", e.getMessage(), e);
    }
    if (w.inFeatures() != inputs || w.outFeatures() != rows) {
      throw new ModelFormatException(
          qweight.file(),
          "tensor '" + qweight.name() + "'",
          "has shape "
              + java.util.Arrays.toString(qweight.shape())
              + ", which "
              + module.bits()
              + "-bit "
              + module.method().configName().toUpperCase(java.util.Locale.ROOT)
              + " packing reads as "
              + w.outFeatures()
              + " outputs x "
              + w.inFeatures()
              + " inputs, but config.json implies "
              + rows
              + " x "
              + inputs
              + " (do bits in "
              + module.source().getFileName()
              + " match the tensors?)");
    }
    TensorView scales = checkpoint.tensor(prefix + ".scales");
    return QuantizedPacking.Block.of(w, scalesAsBf16(scales.dtype(), w.scales()));
  }

  /**
   * How the packed form stores scales: as the checkpoint does for f16 and bf16; f32 scales as f16
   * when every one is within f16's normal range (a rounding of 2^-11 at most), else as bf16.
   */
  static boolean scalesAsBf16(SafetensorsDType stored, float[] scales) {
    if (stored == SafetensorsDType.BF16) {
      return true;
    }
    if (stored == SafetensorsDType.F16) {
      return false;
    }
    for (float s : scales) {
      float a = Math.abs(s);
      if (a != 0 && (a < 0x1p-14f || a > 65504f)) {
        return true;
      }
    }
    return false;
  }
}
