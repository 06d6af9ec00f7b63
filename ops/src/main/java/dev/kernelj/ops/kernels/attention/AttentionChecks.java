package dev.kernelj.ops.kernels.attention;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.kernels.OpChecks;

/**
 * The tensor-level rules of the attention ops ({@link Ops#attentionPrefill}, {@link
 * Ops#attentionDecode}, {@link Ops#kvAppend}), shared by both backends like {@link OpChecks}. Each
 * returns the sizes the op files' launch math and reference twins take. What only the CUDA kernels
 * cannot do (dtypes other than bf16, head sizes other than 64 and 128) is refused by the CUDA
 * backend itself, with the same kind of message.
 */
public final class AttentionChecks {
  private AttentionChecks() {}

  /**
   * Sizes of a prefill call: q [batch, seqQ, heads, headDim], k and v [batch, seqKv, kvHeads,
   * headDim].
   */
  public record Prefill(int batch, int seqQ, int seqKv, int heads, int kvHeads, int headDim) {}

  /**
   * Sizes of a paged decode call: q [batch, heads, headDim]; caches [numBlocks, blockSize, kvHeads,
   * headDim].
   */
  public record Decode(
      int batch,
      int heads,
      int kvHeads,
      int headDim,
      int numBlocks,
      int blockSize,
      int maxBlocksPerSeq) {
    /** Tokens one sequence's block table can address. */
    public long capacity() {
      return (long) maxBlocksPerSeq * blockSize;
    }
  }

  /**
   * Sizes of a cache append: k and v [tokens, kvHeads, headDim]; caches [numBlocks, blockSize,
   * kvHeads, headDim].
   */
  public record Append(int tokens, int kvHeads, int headDim, int numBlocks, int blockSize) {}

  public static Prefill prefill(
      Tensor out, Tensor q, Tensor k, Tensor v, float scale, boolean causal, int window) {
    String op = "attentionPrefill";
    OpChecks.floating(op, "q", q);
    shape(op, "q", q, 4, "[batch, seqQ, heads, headDim]");
    shape(op, "k", k, 4, "[batch, seqKv, kvHeads, headDim]");
    OpChecks.sameDtype(op, "k", k, q);
    OpChecks.sameDtype(op, "v", v, q);
    OpChecks.sameDtype(op, "out", out, q);
    OpChecks.sameShape(op, "v", v, "k", k);
    OpChecks.sameShape(op, "out", out, "q", q);
    if (k.dim(0) != q.dim(0) || k.dim(3) != q.dim(3)) {
      throw new OpArgumentException(
          op,
          "k",
          "has shape "
              + k.shape()
              + " but q has "
              + q.shape()
              + "; k must be ["
              + q.dim(0)
              + ", seqKv, kvHeads, "
              + q.dim(3)
              + "]");
    }
    groups(op, "k", k, q.dim(2), k.dim(2), q);
    if (causal && k.dim(1) < q.dim(1)) {
      throw new OpArgumentException(
          op,
          "k",
          "has shape "
              + k.shape()
              + " but q has "
              + q.shape()
              + "; causal attention needs seqKv >= seqQ (the queries are the last seqQ positions)");
    }
    scale(op, scale);
    window(op, window);
    if (window > 0 && !causal) {
      throw new OpArgumentException(
          op,
          "window",
          "is "
              + window
              + " but causal is false; a sliding window counts back from each"
              + " query's position, so it needs causal attention (window 0 for none)");
    }
    contiguous(op, "out,q,k,v", out, q, k, v);
    return new Prefill(q.dim(0), q.dim(1), k.dim(1), q.dim(2), k.dim(2), q.dim(3));
  }

  public static Decode decode(
      Tensor out,
      Tensor q,
      Tensor kCache,
      Tensor vCache,
      Tensor blockTable,
      Tensor contextLengths,
      float scale,
      int window) {
    String op = "attentionDecode";
    OpChecks.floating(op, "q", q);
    shape(op, "q", q, 3, "[batch, heads, headDim]");
    shape(op, "kCache", kCache, 4, "[numBlocks, blockSize, kvHeads, headDim]");
    OpChecks.sameDtype(op, "kCache", kCache, q);
    OpChecks.sameDtype(op, "vCache", vCache, q);
    OpChecks.sameDtype(op, "out", out, q);
    OpChecks.sameShape(op, "vCache", vCache, "kCache", kCache);
    OpChecks.sameShape(op, "out", out, "q", q);
    if (kCache.dim(3) != q.dim(2)) {
      throw new OpArgumentException(
          op,
          "kCache",
          "has shape "
              + kCache.shape()
              + " but q has "
              + q.shape()
              + "; the caches' head dim must be "
              + q.dim(2));
    }
    groups(op, "kCache", kCache, q.dim(1), kCache.dim(2), q);
    int batch = q.dim(0);
    ints(op, "blockTable", blockTable, 2, "[" + batch + ", maxBlocksPerSeq]");
    if (blockTable.dim(0) != batch) {
      throw new OpArgumentException(
          op,
          "blockTable",
          "has shape "
              + blockTable.shape()
              + " but q has "
              + q.shape()
              + "; one row per sequence expected: ["
              + batch
              + ", maxBlocksPerSeq]");
    }
    ints(op, "contextLengths", contextLengths, 1, "[" + batch + "]");
    if (contextLengths.dim(0) != batch) {
      throw new OpArgumentException(
          op,
          "contextLengths",
          "has shape "
              + contextLengths.shape()
              + " but q has "
              + q.shape()
              + "; one length per sequence expected: ["
              + batch
              + "]");
    }
    scale(op, scale);
    window(op, window);
    contiguous(op, "out,q,kCache,vCache", out, q, kCache, vCache);
    return new Decode(
        batch, q.dim(1), kCache.dim(2), q.dim(2), kCache.dim(0), kCache.dim(1), blockTable.dim(1));
  }

  public static Append append(Tensor kCache, Tensor vCache, Tensor k, Tensor v, Tensor slots) {
    String op = "kvAppend";
    OpChecks.floating(op, "k", k);
    shape(op, "k", k, 3, "[tokens, kvHeads, headDim]");
    shape(op, "kCache", kCache, 4, "[numBlocks, blockSize, kvHeads, headDim]");
    OpChecks.sameDtype(op, "v", v, k);
    OpChecks.sameDtype(op, "kCache", kCache, k);
    OpChecks.sameDtype(op, "vCache", vCache, k);
    OpChecks.sameShape(op, "v", v, "k", k);
    OpChecks.sameShape(op, "vCache", vCache, "kCache", kCache);
    if (kCache.dim(2) != k.dim(1) || kCache.dim(3) != k.dim(2)) {
      throw new OpArgumentException(
          op,
          "kCache",
          "has shape "
              + kCache.shape()
              + " but k has "
              + k.shape()
              + "; the caches must be [numBlocks, blockSize, "
              + k.dim(1)
              + ", "
              + k.dim(2)
              + "]");
    }
    ints(op, "slots", slots, 1, "[" + k.dim(0) + "]");
    if (slots.dim(0) != k.dim(0)) {
      throw new OpArgumentException(
          op,
          "slots",
          "has shape "
              + slots.shape()
              + " but k has "
              + k.shape()
              + "; one slot per token expected: ["
              + k.dim(0)
              + "]");
    }
    contiguous(op, "kCache,vCache,k,v", kCache, vCache, k, v);
    return new Append(k.dim(0), k.dim(1), k.dim(2), kCache.dim(0), kCache.dim(1));
  }

  // ---------------------------------------------------------------- primitives

  /** Rank {@code rank} with every dim at least 1. */
  private static void shape(String op, String arg, Tensor t, int rank, String expected) {
    if (t.rank() != rank) {
      throw new OpArgumentException(
          op, arg, "has shape " + t.shape() + "; " + expected + " expected");
    }
    for (int i = 0; i < rank; i++) {
      if (t.dim(i) < 1) {
        throw new OpArgumentException(
            op, arg, "has shape " + t.shape() + "; every dim of " + expected + " must be >= 1");
      }
    }
  }

  /** A contiguous I32 tensor of this rank with every dim at least 1. */
  private static void ints(String op, String arg, Tensor t, int rank, String expected) {
    if (t.dtype() != DType.I32) {
      throw new OpArgumentException(
          op, arg, "has dtype " + t.dtype() + "; I32 " + expected + " expected");
    }
    shape(op, arg, t, rank, expected);
    OpChecks.contiguous(op, arg, t);
  }

  private static void groups(String op, String arg, Tensor kv, int heads, int kvHeads, Tensor q) {
    if (heads % kvHeads != 0) {
      throw new OpArgumentException(
          op,
          arg,
          "has shape "
              + kv.shape()
              + " but q has "
              + q.shape()
              + "; its "
              + kvHeads
              + " kv heads must divide q's "
              + heads
              + " heads (GQA groups)");
    }
  }

  private static void scale(String op, float scale) {
    if (!(scale > 0f) || Float.isInfinite(scale)) {
      throw new OpArgumentException(
          op,
          "scale",
          "is " + scale + "; a positive finite number expected (usually 1/sqrt(headDim))");
    }
  }

  /** Keys a query may look back over: 0 for all of them. */
  private static void window(String op, int window) {
    if (window < 0) {
      throw new OpArgumentException(
          op,
          "window",
          "is " + window + "; a sliding window of >= 1 tokens expected, or 0 for full attention");
    }
  }

  private static void contiguous(String op, String names, Tensor... tensors) {
    String[] n = names.split(",");
    for (int i = 0; i < tensors.length; i++) {
      OpChecks.contiguous(op, n[i], tensors[i]);
    }
  }
}
