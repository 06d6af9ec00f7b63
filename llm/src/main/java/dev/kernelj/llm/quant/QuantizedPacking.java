package dev.kernelj.llm.quant;

import dev.kernelj.ops.BFloat16;
import dev.kernelj.ops.Float16;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.QuantizedMatrix;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.kernels.quant.InputOrder;
import dev.kernelj.ops.kernels.quant.QuantGeometry;
import dev.kernelj.ops.kernels.quant.QuantPacker;
import java.util.List;

/**
 * Repacks checkpoint weights ({@link QuantizedWeight}, whatever format they came from) into the
 * layout the GEMM streams ({@link dev.kernelj.ops.kernels.quant.QuantLayout}) and hands the words
 * to a backend: one {@link QuantizedMatrix} for row blocks that can share it (a fused q/k/v or
 * gate/up projection whose parts have the same bits, group structure and scale format).
 */
final class QuantizedPacking {
  private QuantizedPacking() {}

  /** One row block: the weight, its packed input order, and whether its scales are bf16. */
  record Block(QuantizedWeight weight, InputOrder order, boolean scaleBf16) {
    static Block of(QuantizedWeight w, boolean scaleBf16) {
      return new Block(
          w, InputOrder.of(w.bits(), w.groupIndex(), w.groupCount(), w.groupSize()), scaleBf16);
    }

    boolean sharesPacking(Block other) {
      return weight.bits() == other.weight.bits()
          && order.equals(other.order)
          && scaleBf16 == other.scaleBf16;
    }
  }

  /**
   * Whether {@code blocks} can be one packed matrix: the same packing, and every block but the last
   * a whole number of 16-row tiles (so that each block's rows start a tile).
   */
  static boolean fusable(List<Block> blocks) {
    for (int i = 0; i < blocks.size(); i++) {
      if (!blocks.get(i).sharesPacking(blocks.get(0))) {
        return false;
      }
      if (i < blocks.size() - 1 && blocks.get(i).weight().outFeatures() % 16 != 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * A matrix repacked on the host: the layout's code and meta words, and the input map of a
   * permuted order (null otherwise), ready for {@link #upload}.
   */
  record Packed(QuantGeometry geometry, int inFeatures, int[] codes, int[] meta, int[] map) {}

  /**
   * The blocks stacked by rows as one matrix, repacked on the host; {@link #fusable} first. Touches
   * no backend, so it may run on any thread.
   */
  static Packed packHost(List<Block> blocks) {
    Block first = blocks.get(0);
    int rows = blocks.stream().mapToInt(b -> b.weight().outFeatures()).sum();
    int[] blockOf = new int[rows];
    int[] rowInBlock = new int[rows];
    int at = 0;
    for (int b = 0; b < blocks.size(); b++) {
      for (int r = 0; r < blocks.get(b).weight().outFeatures(); r++) {
        blockOf[at] = b;
        rowInBlock[at++] = r;
      }
    }
    QuantizedWeight[] w = blocks.stream().map(Block::weight).toArray(QuantizedWeight[]::new);
    boolean bf16 = first.scaleBf16();
    int bits = first.weight().bits();
    InputOrder order = first.order();
    // Whole words of each row, wherever its block keeps them.
    int[][] arrays = new int[rows][];
    int[] offsets = new int[rows];
    int[] strides = new int[rows];
    for (int row = 0; row < rows; row++) {
      QuantizedWeight block = w[blockOf[row]];
      arrays[row] = block.packedCodes();
      offsets[row] = block.rowStart(rowInBlock[row]);
      strides[row] = block.wordStride();
    }
    int[] codes = QuantPacker.packRowWords(bits, rows, order, arrays, offsets, strides);
    int[] meta =
        QuantPacker.packMeta(
            rows,
            order,
            new QuantPacker.Meta() {
              @Override
              public short scaleBits(int group, int row) {
                float s = w[blockOf[row]].scale(rowInBlock[row], group);
                return bf16 ? BFloat16.fromFloat(s) : Float16.fromFloat(s);
              }

              @Override
              public int zero(int group, int row) {
                return (int) w[blockOf[row]].zero(rowInBlock[row], group);
              }
            });
    return new Packed(
        QuantGeometry.of(bits, rows, order, bf16),
        order.inFeatures(),
        codes,
        meta,
        order.permuted() ? order.map() : null);
  }

  /** {@code packed} in {@code ops}'s memory. */
  static QuantizedMatrix upload(Packed packed, Ops ops) {
    Tensor dc = null;
    Tensor dm = null;
    Tensor map = null;
    try {
      dc = ops.upload(Tensor.wrapInts(packed.codes(), packed.codes().length));
      dm = ops.upload(Tensor.wrapInts(packed.meta(), packed.meta().length));
      if (packed.map() != null) {
        map = ops.upload(Tensor.fromInts(packed.map(), packed.map().length));
      }
      return QuantizedMatrix.of(packed.geometry(), packed.inFeatures(), dc, dm, map);
    } catch (RuntimeException | Error e) {
      for (Tensor t : new Tensor[] {dc, dm, map}) {
        if (t != null) {
          t.close();
        }
      }
      throw e;
    }
  }
}
