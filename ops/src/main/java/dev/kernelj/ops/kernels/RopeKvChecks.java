package dev.kernelj.ops.kernels;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.RopeConfig;
import dev.kernelj.ops.Tensor;

/** Argument checks of {@link Ops#ropeKvAppend}, shared by both backends. */
public final class RopeKvChecks {
  private RopeKvChecks() {}

  /** The sizes of a {@link Ops#ropeKvAppend} call. */
  public record RopeKv(
      int tokens, int heads, int kvHeads, int headDim, long tokenStride, long cacheSlots) {}

  public static RopeKv ropeKvAppend(
      Tensor qOut,
      Tensor kCache,
      Tensor vCache,
      Tensor qkv,
      Tensor positions,
      Tensor slots,
      RopeConfig rope) {
    String op = "ropeKvAppend";
    OpChecks.floating(op, "qkv", qkv);
    int d = rope.headDim();
    if (qkv.rank() != 3
        || qkv.dim(2) != d
        || (d > 1 && qkv.stride(2) != 1)
        || (qkv.dim(1) > 1 && qkv.stride(1) != d)) {
      throw new OpArgumentException(
          op,
          "qkv",
          qkv + " must be [tokens, heads + 2 * kvHeads, " + d + "] with contiguous heads");
    }
    OpChecks.sameDtype(op, "qOut", qOut, qkv);
    OpChecks.contiguous(op, "qOut", qOut);
    int tokens = qkv.dim(0);
    if (qOut.rank() != 3 || qOut.dim(0) != tokens || qOut.dim(2) != d) {
      throw new OpArgumentException(
          op,
          "qOut",
          "has shape "
              + qOut.shape()
              + " but qkv has "
              + qkv.shape()
              + "; ["
              + tokens
              + ", heads, "
              + d
              + "] expected");
    }
    int heads = qOut.dim(1);
    int kvTwice = qkv.dim(1) - heads;
    if (kvTwice <= 0 || kvTwice % 2 != 0) {
      throw new OpArgumentException(
          op,
          "qkv",
          "has " + qkv.dim(1) + " heads for " + heads + " q heads; heads + 2 * kvHeads expected");
    }
    int kvHeads = kvTwice / 2;
    for (Tensor cache : new Tensor[] {kCache, vCache}) {
      String name = cache == kCache ? "kCache" : "vCache";
      OpChecks.sameDtype(op, name, cache, qkv);
      OpChecks.contiguous(op, name, cache);
      if (cache.rank() != 4 || cache.dim(2) != kvHeads || cache.dim(3) != d) {
        throw new OpArgumentException(
            op,
            name,
            "has shape "
                + cache.shape()
                + "; [numBlocks, blockSize, "
                + kvHeads
                + ", "
                + d
                + "] expected");
      }
    }
    OpChecks.sameShape(op, "vCache", vCache, "kCache", kCache);
    indices(op, "positions", positions, tokens);
    indices(op, "slots", slots, tokens);
    long tokenStride = tokens > 1 ? qkv.stride(0) : qkv.dim(1) * (long) d;
    return new RopeKv(tokens, heads, kvHeads, d, tokenStride, (long) kCache.dim(0) * kCache.dim(1));
  }

  private static void indices(String op, String arg, Tensor t, int tokens) {
    if (t.dtype() != DType.I32 || t.rank() != 1 || t.dim(0) != tokens || !t.isContiguous()) {
      throw new OpArgumentException(
          op, arg, "is " + t + "; contiguous I32 [" + tokens + "] expected");
    }
  }
}
