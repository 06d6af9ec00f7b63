package dev.kernelj.llm.quant;

import dev.kernelj.llm.safetensors.SafetensorsCheckpoint;
import dev.kernelj.llm.safetensors.TensorInfo;
import dev.kernelj.ops.cuda.QuantizedMatmulOps;
import dev.kernelj.ops.kernels.quant.QuantLayout;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a quantized checkpoint's weights take once loaded, read from the tensor headers alone: the
 * packed form of each quantized module ({@link QuantLayout}: codes, 4 bytes of scale and zero per
 * output and group, the act-order input map), every other tensor at the backend's bytes per element
 * (a quantized LM head is dequantized). And, for comparison, the dense twin: every parameter at the
 * same bytes per element.
 */
public final class QuantizedFootprint {
  private QuantizedFootprint() {}

  /** Bytes after loading, dense tensors at {@code denseBytes} per element. */
  public static long loadedBytes(
      SafetensorsCheckpoint checkpoint, QuantizationConfig quant, int denseBytes) {
    long total = 0;
    for (String name : checkpoint.tensorNames()) {
      TensorInfo info = checkpoint.info(name);
      String module = moduleOf(checkpoint, name);
      if (module == null) {
        total += info.elementCount() * denseBytes;
      } else if (name.endsWith(".qweight") && info.rank() == 2) {
        QuantizationConfig own = quant.forModule(module);
        long[] io = inputsOutputs(info, own);
        if (module.equals("lm_head")) {
          total += io[0] * io[1] * denseBytes;
          continue;
        }
        int groups = groups(checkpoint, module, io[0], own);
        boolean permuted = own.descAct() && checkpoint.contains(module + ".g_idx");
        total += packedBytes(own.bits(), io[1], io[0], groups, permuted);
      }
    }
    return total;
  }

  /**
   * The most scratch the CUDA quantized matmul takes when a call can bring {@code rows} rows of x
   * of {@code elementBytes} each: the act-order gather of x for the widest permuted weight, and
   * from 64 rows the dense slice of the largest weight ({@link
   * QuantizedMatmulOps#denseScratchBound}), q/k/v and gate/up counted as the one matrix the loader
   * fuses them into. A quantized LM head is dequantized at load and takes none.
   */
  public static long matmulScratchBytes(
      SafetensorsCheckpoint checkpoint, QuantizationConfig quant, long rows, int elementBytes) {
    int m = (int) Math.min(Integer.MAX_VALUE, rows);
    long gather = 0;
    Map<String, long[]> fused = new TreeMap<>(); // outputs and packed inputs per fused matrix
    for (String name : checkpoint.tensorNames()) {
      TensorInfo info = checkpoint.info(name);
      String module = moduleOf(checkpoint, name);
      if (module == null
          || module.equals("lm_head")
          || !name.endsWith(".qweight")
          || info.rank() != 2) {
        continue;
      }
      QuantizationConfig own = quant.forModule(module);
      long[] io = inputsOutputs(info, own);
      int packedInputs = (int) packedInputs(own.bits(), io[0]);
      if (own.descAct() && checkpoint.contains(module + ".g_idx")) {
        gather = Math.max(gather, (long) m * packedInputs * elementBytes);
      }
      long[] matrix = fused.computeIfAbsent(fusedName(module), k -> new long[2]);
      matrix[0] += io[1];
      matrix[1] = Math.max(matrix[1], packedInputs);
    }
    long dense = 0;
    for (long[] matrix : fused.values()) {
      dense =
          Math.max(
              dense,
              QuantizedMatmulOps.denseScratchBound(
                  (int) matrix[0], (int) matrix[1], m, elementBytes));
    }
    return gather + dense;
  }

  /** The matrix a projection is loaded into: q/k/v and gate/up of a layer are fused. */
  private static String fusedName(String module) {
    for (String[] group : FUSED) {
      for (String member : group) {
        if (module.endsWith("." + member)) {
          return module.substring(0, module.length() - member.length()) + group[0];
        }
      }
    }
    return module;
  }

  private static final String[][] FUSED = {
    {"q_proj", "k_proj", "v_proj"}, {"gate_proj", "up_proj"}
  };

  /** Bytes of the unquantized twin: every parameter at {@code denseBytes}. */
  public static long denseTwinBytes(
      SafetensorsCheckpoint checkpoint, QuantizationConfig quant, int denseBytes) {
    long total = 0;
    for (String name : checkpoint.tensorNames()) {
      TensorInfo info = checkpoint.info(name);
      if (moduleOf(checkpoint, name) == null) {
        total += info.elementCount() * denseBytes;
      } else if (name.endsWith(".qweight") && info.rank() == 2) {
        long[] io = inputsOutputs(info, quant.forModule(moduleOf(checkpoint, name)));
        total += io[0] * io[1] * denseBytes;
      }
    }
    return total;
  }

  /** Packed bytes of a {@code rows x inputs} weight in {@code groups} groups. */
  public static long packedBytes(int bits, long rows, long inputs, int groups, boolean permuted) {
    int tileK = QuantLayout.tileK(bits);
    long rowTiles = (rows + QuantLayout.TILE_ROWS - 1) / QuantLayout.TILE_ROWS;
    long packedInputs = packedInputs(bits, inputs);
    long codes = rowTiles * (packedInputs / tileK) * QuantLayout.TILE_WORDS * 4;
    long meta = rowTiles * QuantLayout.chunks(Math.max(1, groups)) * QuantLayout.TILE_WORDS * 4;
    return codes + meta + (permuted ? packedInputs * 4 : 0);
  }

  /** Inputs of the packed form (without act-order padding): whole tiles of the code width. */
  private static long packedInputs(int bits, long inputs) {
    int tileK = QuantLayout.tileK(bits);
    return (inputs + tileK - 1) / tileK * tileK;
  }

  /** The quantized module a tensor belongs to ({@code x.qweight} and its siblings), or null. */
  private static String moduleOf(SafetensorsCheckpoint checkpoint, String name) {
    for (String suffix : new String[] {".qweight", ".qzeros", ".scales", ".g_idx"}) {
      if (name.endsWith(suffix)) {
        String module = name.substring(0, name.length() - suffix.length());
        return checkpoint.contains(module + ".qweight") ? module : null;
      }
    }
    return null;
  }

  /** {@code {inputs, outputs}} of a qweight as its module's method and bits pack it. */
  private static long[] inputsOutputs(TensorInfo qweight, QuantizationConfig quant) {
    long[] s = qweight.shape();
    int perWord = 32 / quant.bits();
    return quant.method() == QuantMethod.AWQ
        ? new long[] {s[0], s[1] * perWord}
        : new long[] {s[0] * perWord, s[1]};
  }

  private static int groups(
      SafetensorsCheckpoint checkpoint, String module, long inputs, QuantizationConfig quant) {
    if (checkpoint.contains(module + ".scales")
        && checkpoint.info(module + ".scales").rank() == 2) {
      return (int) checkpoint.info(module + ".scales").shape()[0];
    }
    return (int)
        (quant.groupSize() == -1 ? 1 : (inputs + quant.groupSize() - 1) / quant.groupSize());
  }
}
