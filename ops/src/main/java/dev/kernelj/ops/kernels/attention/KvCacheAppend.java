package dev.kernelj.ops.kernels.attention;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.Dim3;
import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.kernels.LaunchChecks;
import java.util.Objects;

/**
 * Appends new K/V rows to a paged cache by slot mapping, through {@link KvCacheAppendKernels}, and
 * the same on Java arrays ({@link #reference}).
 *
 * <p>New rows {@code [tokens, nKvHeads, headDim]}; caches {@code [numBlocks, blockSize, nKvHeads,
 * headDim]}; {@code slotMapping[t] = block * blockSize + offset}, or negative to skip token t.
 */
public final class KvCacheAppend {
  private static final String OP = "KvCacheAppend";
  private static final int MAX_BLOCKS = 65535;

  /** The sizes of the new rows and of the cache. */
  public record Shape(int tokens, int nKvHeads, int headDim, int numBlocks, int blockSize) {
    public Shape {
      LaunchChecks.positive(OP, "tokens", tokens);
      LaunchChecks.positive(OP, "nKvHeads", nKvHeads);
      LaunchChecks.positive(OP, "headDim", headDim);
      LaunchChecks.positive(OP, "numBlocks", numBlocks);
      LaunchChecks.positive(OP, "blockSize", blockSize);
      LaunchChecks.toInt(OP, "nKvHeads * headDim", (long) nKvHeads * headDim);
    }

    int rowElements() {
      return nKvHeads * headDim;
    }

    long slots() {
      return (long) numBlocks * blockSize;
    }
  }

  private final KvCacheAppendKernels kernels;

  /**
   * @param kernels the loaded kernel, e.g. {@code KvCacheAppendKernelsLauncher.load(context)}
   */
  public KvCacheAppend(KvCacheAppendKernels kernels) {
    this.kernels = Objects.requireNonNull(kernels, "kernels");
  }

  /**
   * Grid-stride launch: one thread per 16 bytes (or per element when rows are not a multiple of 8).
   */
  public static Launch launchFor(Shape shape, StreamRef stream) {
    int perRow = shape.rowElements() % 8 == 0 ? shape.rowElements() / 8 : shape.rowElements();
    long work = (long) shape.tokens() * perRow;
    int blocks =
        (int)
            Math.min(
                MAX_BLOCKS,
                (work + KvCacheAppendKernels.THREADS - 1) / KvCacheAppendKernels.THREADS);
    return new Launch(
        Dim3.of(Math.max(1, blocks)), Dim3.of(KvCacheAppendKernels.THREADS), 0, stream);
  }

  /** Enqueues the copy of every token's K and V row to its slot. */
  public void append(
      StreamRef stream,
      ConstPtr<BF16> kNew,
      ConstPtr<BF16> vNew,
      Ptr<BF16> kCache,
      Ptr<BF16> vCache,
      ConstPtr<I32> slotMapping,
      Shape shape) {
    LaunchChecks.pointer(OP, "kNew", kNew, DType.BF16);
    LaunchChecks.pointer(OP, "vNew", vNew, DType.BF16);
    LaunchChecks.pointer(OP, "kCache", kCache, DType.BF16);
    LaunchChecks.pointer(OP, "vCache", vCache, DType.BF16);
    LaunchChecks.pointer(OP, "slotMapping", slotMapping, DType.I32);
    kernels.append(
        launchFor(shape, stream),
        kNew,
        vNew,
        kCache,
        vCache,
        slotMapping,
        shape.tokens(),
        shape.rowElements(),
        shape.slots());
  }

  /**
   * The reference twin: the same copy on arrays; slots outside the cache are skipped, as on the
   * device.
   */
  public static void reference(
      float[] kNew, float[] vNew, float[] kCache, float[] vCache, int[] slotMapping, Shape s) {
    long newElements = (long) s.tokens() * s.rowElements();
    long cacheElements = s.slots() * s.rowElements();
    LaunchChecks.length(OP, "kNew", kNew.length, newElements);
    LaunchChecks.length(OP, "vNew", vNew.length, newElements);
    LaunchChecks.length(OP, "kCache", kCache.length, cacheElements);
    LaunchChecks.length(OP, "vCache", vCache.length, cacheElements);
    LaunchChecks.length(OP, "slotMapping", slotMapping.length, s.tokens());
    int row = s.rowElements();
    for (int t = 0; t < s.tokens(); t++) {
      long slot = slotMapping[t];
      if (slot < 0 || slot >= s.slots()) {
        continue;
      }
      System.arraycopy(kNew, t * row, kCache, (int) (slot * row), row);
      System.arraycopy(vNew, t * row, vCache, (int) (slot * row), row);
    }
  }
}
