package dev.kernelj.llm.model;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A paged KV cache: per layer one key and one value tensor of {@code [numBlocks, blockSize,
 * kvHeads, headDim]}, handed out to sequences a block at a time through {@link BlockTable}s. Token
 * {@code t} of a sequence lives in block {@code table[t / blockSize]} at row {@code t % blockSize},
 * i.e. at slot {@code block * blockSize + t % blockSize}.
 */
public final class PagedKvCache implements AutoCloseable {
  private final int blockSize;
  private final int numBlocks;
  private final List<Tensor> keys;
  private final List<Tensor> values;
  private final ArrayDeque<Integer> freeBlocks = new ArrayDeque<>();

  private PagedKvCache(int blockSize, int numBlocks, List<Tensor> keys, List<Tensor> values) {
    this.blockSize = blockSize;
    this.numBlocks = numBlocks;
    this.keys = keys;
    this.values = values;
    for (int b = 0; b < numBlocks; b++) {
      freeBlocks.add(b);
    }
  }

  /**
   * Allocates {@code numBlocks} blocks of {@code blockSize} tokens for every layer of {@code
   * config}.
   */
  public static PagedKvCache allocate(
      Ops ops, ModelConfig config, DType dtype, int numBlocks, int blockSize) {
    if (numBlocks < 1 || blockSize < 1) {
      throw new IllegalArgumentException(
          "KV cache needs at least one block of at least one token, got "
              + numBlocks
              + " blocks of "
              + blockSize);
    }
    List<Tensor> keys = new ArrayList<>();
    List<Tensor> values = new ArrayList<>();
    try {
      for (int l = 0; l < config.numLayers(); l++) {
        keys.add(ops.empty(dtype, numBlocks, blockSize, config.numKvHeads(), config.headDim()));
        values.add(ops.empty(dtype, numBlocks, blockSize, config.numKvHeads(), config.headDim()));
      }
    } catch (RuntimeException | Error e) {
      keys.forEach(Tensor::close);
      values.forEach(Tensor::close);
      throw e;
    }
    return new PagedKvCache(blockSize, numBlocks, keys, values);
  }

  /**
   * Bytes one block takes over all layers, K and V, at {@code elementBytes} per element (what the
   * backend stores an element of the cache's dtype in: {@link
   * dev.kernelj.ops.Capabilities#elementBytes}).
   */
  public static long blockBytes(ModelConfig config, int elementBytes, int blockSize) {
    return config.kvCacheBytesPerToken(elementBytes) * blockSize;
  }

  public int blockSize() {
    return blockSize;
  }

  public int numBlocks() {
    return numBlocks;
  }

  /** Tokens the whole cache holds. */
  public long capacityTokens() {
    return (long) numBlocks * blockSize;
  }

  public int freeBlockCount() {
    return freeBlocks.size();
  }

  /** Keys of layer {@code layer}: {@code [numBlocks, blockSize, kvHeads, headDim]}. */
  public Tensor keys(int layer) {
    return keys.get(layer);
  }

  /** Values of layer {@code layer}, shaped like {@link #keys}. */
  public Tensor values(int layer) {
    return values.get(layer);
  }

  /** Bytes of the whole cache. */
  public long bytes() {
    Tensor k = keys.get(0);
    return 2L * keys.size() * k.numel() * k.dtype().byteSize();
  }

  /** A new, empty block table of a sequence drawing on this cache. */
  public BlockTable newSequence() {
    return new BlockTable(this);
  }

  int takeBlock() {
    Integer b = freeBlocks.poll();
    if (b == null) {
      throw new IllegalStateException(
          "KV cache is full: all " + numBlocks + " blocks of " + blockSize + " tokens are in use");
    }
    return b;
  }

  void returnBlock(int block) {
    freeBlocks.add(block);
  }

  @Override
  public void close() {
    keys.forEach(Tensor::close);
    values.forEach(Tensor::close);
  }
}
