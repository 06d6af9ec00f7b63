package dev.kernelj.ops.kernels.quant;

/**
 * The sizes of a packed quantized weight ({@link QuantLayout}): what the kernels, the twin and the
 * launch checks need besides the words themselves.
 *
 * @param bits 4 or 8
 * @param rows weight rows (outputs, n)
 * @param gemmInputs columns of x the GEMM reads: the layer's inputs, or the packed inputs when the
 *     activations are permuted first ({@link InputOrder#gemmInputs()})
 * @param packedInputs packed inputs, a multiple of {@link QuantLayout#tileK}
 * @param groupSize packed inputs per group, a multiple of 32 ({@link QuantLayout#PAIR_K})
 * @param groupCount groups
 * @param scaleBf16 whether the meta words hold bf16 scales (else f16)
 */
public record QuantGeometry(
    int bits,
    int rows,
    int gemmInputs,
    int packedInputs,
    int groupSize,
    int groupCount,
    boolean scaleBf16) {
  public QuantGeometry {
    int tileK = QuantLayout.tileK(bits);
    if (rows < 1
        || gemmInputs < 1
        || gemmInputs > packedInputs
        || packedInputs % tileK != 0
        || groupSize < QuantLayout.PAIR_K
        || groupSize % QuantLayout.PAIR_K != 0
        || groupCount < 1) {
      throw new IllegalArgumentException(
          "inconsistent quantized weight: "
              + bits
              + "-bit, "
              + rows
              + " rows, "
              + gemmInputs
              + " inputs read of "
              + packedInputs
              + " packed, "
              + groupCount
              + " groups of "
              + groupSize);
    }
  }

  /** The geometry of a weight of {@code rows} rows packed in {@code order}. */
  public static QuantGeometry of(int bits, int rows, InputOrder order, boolean scaleBf16) {
    return new QuantGeometry(
        bits,
        rows,
        order.gemmInputs(),
        order.packedInputs(),
        order.groupSize(),
        order.groupCount(),
        scaleBf16);
  }

  public int rowTiles() {
    return QuantLayout.rowTiles(rows);
  }

  public int kTiles() {
    return packedInputs / QuantLayout.tileK(bits);
  }

  public int chunks() {
    return QuantLayout.chunks(groupCount);
  }

  public long codeWords() {
    return QuantPacker.codeWords(bits, rows, packedInputs);
  }

  public long metaWords() {
    return QuantPacker.metaWords(rows, groupCount);
  }

  /** Code words per row tile. */
  public long codeWordsPerRowTile() {
    return (long) kTiles() * QuantLayout.TILE_WORDS;
  }

  /** Meta words per row tile. */
  public long metaWordsPerRowTile() {
    return (long) chunks() * QuantLayout.TILE_WORDS;
  }

  /** The geometry of rows {@code [from, to)}, {@code from} a multiple of 16. */
  public QuantGeometry rows(int from, int to) {
    if (from < 0 || to > rows || from >= to || from % QuantLayout.TILE_ROWS != 0) {
      throw new IllegalArgumentException(
          "rows ["
              + from
              + ", "
              + to
              + ") of a "
              + rows
              + "-row quantized weight: the range must start at a multiple of "
              + QuantLayout.TILE_ROWS);
    }
    return new QuantGeometry(
        bits, to - from, gemmInputs, packedInputs, groupSize, groupCount, scaleBf16);
  }

  /** Bytes of the packed codes and meta (what a GEMV streams). */
  public long packedBytes() {
    return 4 * (codeWords() + metaWords());
  }
}
