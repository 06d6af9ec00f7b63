package dev.kernelj.ops;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.kernels.quant.QuantGeometry;
import dev.kernelj.ops.kernels.quant.QuantLayout;

/**
 * A linear layer's weight quantized to 4 or 8 bits per element with a scale and a zero point per
 * group of inputs, held in a backend's memory in the packed layout the mixed-input GEMM streams
 * ({@link QuantLayout}): {@link #codes()} and {@link #meta()} as flat I32 tensors, and, when the
 * inputs are packed in another order than x's (GPTQ act-order), {@link #inputMap()}. Built by a
 * loader from a checkpoint ({@code dev.kernelj.llm.quant}), or by tests from their own codes.
 *
 * <p>{@link #rows} views share the tensors: they start at a multiple of 16 rows (a tile row) and
 * are never closed on their own.
 */
public final class QuantizedMatrix implements LinearWeight {
  private final QuantGeometry geometry;
  private final int inFeatures;
  private final Tensor codes;
  private final Tensor meta;
  private final Tensor inputMap;
  private final boolean owner;

  private QuantizedMatrix(
      QuantGeometry geometry,
      int inFeatures,
      Tensor codes,
      Tensor meta,
      Tensor inputMap,
      boolean owner) {
    this.geometry = geometry;
    this.inFeatures = inFeatures;
    this.codes = codes;
    this.meta = meta;
    this.inputMap = inputMap;
    this.owner = owner;
  }

  /**
   * A matrix over tensors of one backend that it then owns.
   *
   * @param geometry sizes of the packed form
   * @param inFeatures columns of x (the layer's inputs)
   * @param codes I32 {@code [geometry.codeWords()]}
   * @param meta I32 {@code [geometry.metaWords()]}
   * @param inputMap I32 {@code [geometry.packedInputs()]}, the original input of each packed input
   *     or -1, or null when x is read as it is
   */
  public static QuantizedMatrix of(
      QuantGeometry geometry, int inFeatures, Tensor codes, Tensor meta, Tensor inputMap) {
    require(codes, geometry.codeWords(), "codes");
    require(meta, geometry.metaWords(), "meta");
    if (inputMap != null) {
      require(inputMap, geometry.packedInputs(), "input map");
      if (geometry.gemmInputs() != geometry.packedInputs()) {
        throw new IllegalArgumentException("a permuted weight's GEMM reads every packed input");
      }
    } else if (geometry.gemmInputs() != inFeatures) {
      throw new IllegalArgumentException(
          "without an input map the GEMM reads x's " + inFeatures + " inputs");
    }
    if (codes.isHost() != meta.isHost()
        || (inputMap != null && inputMap.isHost() != codes.isHost())) {
      throw new IllegalArgumentException("codes, meta and input map must live in one backend");
    }
    return new QuantizedMatrix(geometry, inFeatures, codes, meta, inputMap, true);
  }

  private static void require(Tensor t, long words, String what) {
    if (t.dtype() != DType.I32 || t.rank() != 1 || t.numel() != words || !t.isContiguous()) {
      throw new IllegalArgumentException(what + " must be I32 [" + words + "], not " + t);
    }
  }

  public QuantGeometry geometry() {
    return geometry;
  }

  /** 4 or 8. */
  public int bits() {
    return geometry.bits();
  }

  @Override
  public int outFeatures() {
    return geometry.rows();
  }

  @Override
  public int inFeatures() {
    return inFeatures;
  }

  /** The packed codes, I32 {@code [geometry().codeWords()]}. */
  public Tensor codes() {
    return codes;
  }

  /** The packed scales and zeros, I32 {@code [geometry().metaWords()]}. */
  public Tensor meta() {
    return meta;
  }

  /** The original input of each packed input (-1: padding), or null when x is read as it is. */
  public Tensor inputMap() {
    return inputMap;
  }

  /** Whether x is gathered into the packed input order first. */
  public boolean permuted() {
    return inputMap != null;
  }

  @Override
  public QuantizedMatrix rows(int from, int to) {
    QuantGeometry part = geometry.rows(from, to);
    int tile = from / QuantLayout.TILE_ROWS;
    int tiles = part.rowTiles();
    long cw = geometry.codeWordsPerRowTile();
    long mw = geometry.metaWordsPerRowTile();
    return new QuantizedMatrix(
        part,
        inFeatures,
        codes.slice(0, Math.toIntExact(tile * cw), Math.toIntExact((tile + tiles) * cw)),
        meta.slice(0, Math.toIntExact(tile * mw), Math.toIntExact((tile + tiles) * mw)),
        inputMap,
        false);
  }

  /** Packed codes, scales and zeros, and the input map: what the weight takes on the device. */
  @Override
  public long bytes() {
    return 4 * (codes.numel() + meta.numel() + (inputMap != null && owner ? inputMap.numel() : 0));
  }

  @Override
  public void close() {
    if (owner) {
      codes.close();
      meta.close();
      if (inputMap != null) {
        inputMap.close();
      }
    }
  }

  @Override
  public String toString() {
    return "QuantizedMatrix["
        + geometry.bits()
        + "-bit, "
        + geometry.rows()
        + "x"
        + inFeatures
        + ", "
        + geometry.groupCount()
        + " groups of "
        + geometry.groupSize()
        + (permuted() ? ", permuted" : "")
        + (codes.isHost() ? " (host)" : " (device)")
        + "]";
  }
}
