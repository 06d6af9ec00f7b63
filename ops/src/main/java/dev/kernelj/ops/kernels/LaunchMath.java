package dev.kernelj.ops.kernels;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.Tensor;

/** Grid shapes and argument checks shared by the op files' launch code. */
public final class LaunchMath {
  private LaunchMath() {}

  /** Threads per block of the elementwise kernels. */
  public static final int ELEMENTWISE_BLOCK = 256;

  /**
   * Enough blocks that a grid-stride loop over {@code n} items, 8 per thread, fills any current
   * GPU, and no more: the loop covers the rest.
   */
  public static Launch elementwise(long n, StreamRef stream) {
    return elementwise(n, 1, stream);
  }

  /**
   * As {@link #elementwise(long, StreamRef)} for kernels whose threads take {@code chunksPerThread}
   * groups of 8 per pass: a quarter of the blocks for 4, so each thread's loads overlap.
   */
  public static Launch elementwise(long n, int chunksPerThread, StreamRef stream) {
    long groups = (n + 7) / 8;
    long perBlock = (long) ELEMENTWISE_BLOCK * chunksPerThread;
    int blocks = (int) Math.max(1, Math.min((groups + perBlock - 1) / perBlock, 8192));
    return Launch.grid(blocks).block(ELEMENTWISE_BLOCK).on(stream);
  }

  public static void requireAddress(String op, String arg, long address, DType dtype) {
    if (address == 0) {
      throw new OpArgumentException(op, arg, "is a null device pointer");
    }
    if (address % dtype.byteSize() != 0) {
      throw new OpArgumentException(
          op,
          arg,
          "address 0x"
              + Long.toHexString(address)
              + " is not aligned to its "
              + dtype
              + " element size");
    }
  }

  /** A non-null device address of the tensor, aligned to its element size. */
  public static void requireAddress(String op, String arg, Tensor t) {
    requireAddress(op, arg, t.address(), t.dtype());
  }

  public static void requireNonNegative(String op, String arg, long value) {
    if (value < 0) {
      throw new OpArgumentException(op, arg, "must be >= 0, got " + value);
    }
  }

  public static void requireIntRange(String op, String arg, long value) {
    if (value < 0 || value > Integer.MAX_VALUE) {
      throw new OpArgumentException(op, arg, "must be in [0, 2^31), got " + value);
    }
  }

  public static void requireFloating(String op, String arg, DType t) {
    if (t != DType.F32 && t != DType.F16 && t != DType.BF16) {
      throw new OpArgumentException(op, arg, "has dtype " + t + "; f32, f16 or bf16 expected");
    }
  }
}
