package dev.kernelj.ops.cuda;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Host inputs for the attention GPU tests: Gaussian tensors and paged KV caches in shuffled blocks.
 */
final class PagedInputs {
  private PagedInputs() {}

  /** A paged cache holding random sequences in shuffled blocks, on the host. */
  record Paged(Tensor kCache, Tensor vCache, Tensor blockTable, Tensor lengths) {}

  static Tensor gaussian(Random random, DType t, int... shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return Tensor.fromFloats(t, v, shape);
  }

  /**
   * Bf16 caches for sequences of {@code lengths} tokens, each in blocks drawn at random from a
   * shuffled pool.
   */
  static Paged paged(Random random, int kvHeads, int d, int blockSize, int... lengths) {
    int maxBlocks = 1, needed = 0;
    for (int len : lengths) {
      maxBlocks = Math.max(maxBlocks, (len + blockSize - 1) / blockSize);
      needed += (len + blockSize - 1) / blockSize;
    }
    int numBlocks = needed + 2;
    List<Integer> free = new ArrayList<>();
    for (int i = 0; i < numBlocks; i++) {
      free.add(i);
    }
    Collections.shuffle(free, random);
    int[] table = new int[lengths.length * maxBlocks];
    int next = 0;
    for (int s = 0; s < lengths.length; s++) {
      for (int i = 0; i < maxBlocks; i++) {
        // unused entries point at a real block too: a kernel must stop at the length, not at the
        // table
        table[s * maxBlocks + i] =
            i * blockSize < lengths[s] ? free.get(next++) : free.get(numBlocks - 1);
      }
    }
    return new Paged(
        gaussian(random, DType.BF16, numBlocks, blockSize, kvHeads, d),
        gaussian(random, DType.BF16, numBlocks, blockSize, kvHeads, d),
        Tensor.fromInts(table, lengths.length, maxBlocks),
        Tensor.fromInts(lengths, lengths.length));
  }
}
