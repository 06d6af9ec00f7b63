package dev.kernelj.ops;

/**
 * The weight of a linear layer, {@code W [outFeatures, inFeatures]} of {@code y = x W^T}: a dense
 * tensor, a quantized matrix, or row blocks of either stacked (a fused projection whose parts are
 * stored differently). {@link Ops#linear} picks the kernel by the type.
 */
public sealed interface LinearWeight extends AutoCloseable
    permits DenseWeight, QuantizedMatrix, StackedWeight {
  /** Rows of W: the layer's outputs. */
  int outFeatures();

  /** Columns of W: the layer's inputs. */
  int inFeatures();

  /**
   * Rows {@code [from, to)} as a view that shares this weight's memory and is never closed on its
   * own. A quantized matrix starts a view at a multiple of 16 rows.
   */
  LinearWeight rows(int from, int to);

  /** Bytes of backend memory this weight holds (a view: the bytes of its rows). */
  long bytes();

  /** Frees the memory of a weight that owns it; a view does nothing. */
  @Override
  void close();
}
