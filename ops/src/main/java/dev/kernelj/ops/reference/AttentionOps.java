package dev.kernelj.ops.reference;

import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.Residency;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.kernels.attention.AttentionChecks;
import dev.kernelj.ops.kernels.attention.KvCacheAppend;
import dev.kernelj.ops.kernels.attention.PagedDecodeAttention;
import dev.kernelj.ops.kernels.attention.PrefillAttention;

/**
 * The attention ops of {@link ReferenceOps}: host tensors in, the op files' reference twins (f64
 * accumulation) computing, one rounding into the output dtype out.
 *
 * <p>The twins' shape records accept only the kernels' head sizes, 64 and 128, while small models
 * (and the LLM module's tests) use others. Smaller heads are therefore zero-padded to the next of
 * the two: zeros add nothing to a q.k dot product and give zero output columns, which are dropped,
 * so the result is exactly the unpadded function. Once the twins take any head size this padding
 * can go.
 */
final class AttentionOps {
  private AttentionOps() {}

  static void prefill(
      Tensor out, Tensor q, Tensor k, Tensor v, float scale, boolean causal, int window) {
    String op = "attentionPrefill";
    AttentionChecks.Prefill p = AttentionChecks.prefill(out, q, k, v, scale, causal, window);
    Residency.requireHost(op, "out,q,k,v", out, q, k, v);
    int d = p.headDim();
    int dp = paddedHeadDim(op, "q", q, d);
    var shape =
        new PrefillAttention.Shape(
            p.batch(), p.seqQ(), p.seqKv(), p.heads(), p.kvHeads(), dp, causal, scale, window);
    float[] o =
        dp == d ? TensorArrays.output(out) : new float[Math.toIntExact(shape.queryElements())];
    PrefillAttention.reference(padded(q, d, dp), padded(k, d, dp), padded(v, d, dp), o, shape);
    TensorArrays.store(out, unpadded(o, d, dp));
  }

  static void decode(
      Tensor out,
      Tensor q,
      Tensor kCache,
      Tensor vCache,
      Tensor blockTable,
      Tensor contextLengths,
      float scale,
      int window) {
    String op = "attentionDecode";
    AttentionChecks.Decode a =
        AttentionChecks.decode(out, q, kCache, vCache, blockTable, contextLengths, scale, window);
    Residency.requireHost(
        op,
        "out,q,kCache,vCache,blockTable,contextLengths",
        out,
        q,
        kCache,
        vCache,
        blockTable,
        contextLengths);
    int d = a.headDim();
    int dp = paddedHeadDim(op, "q", q, d);
    var shape =
        new PagedDecodeAttention.Shape(
            a.batch(),
            a.heads(),
            a.kvHeads(),
            dp,
            a.numBlocks(),
            a.blockSize(),
            a.maxBlocksPerSeq(),
            scale,
            window);
    float[] o = dp == d ? TensorArrays.output(out) : new float[a.batch() * a.heads() * dp];
    PagedDecodeAttention.reference(
        padded(q, d, dp),
        padded(kCache, d, dp),
        padded(vCache, d, dp),
        TensorArrays.ints(blockTable),
        TensorArrays.ints(contextLengths),
        o,
        shape);
    TensorArrays.store(out, unpadded(o, d, dp));
  }

  static void append(Tensor kCache, Tensor vCache, Tensor k, Tensor v, Tensor slots) {
    AttentionChecks.Append a = AttentionChecks.append(kCache, vCache, k, v, slots);
    Residency.requireHost("kvAppend", "kCache,vCache,k,v,slots", kCache, vCache, k, v, slots);
    var shape =
        new KvCacheAppend.Shape(a.tokens(), a.kvHeads(), a.headDim(), a.numBlocks(), a.blockSize());
    float[] kc = TensorArrays.floats(kCache);
    float[] vc = TensorArrays.floats(vCache);
    KvCacheAppend.reference(
        TensorArrays.floats(k), TensorArrays.floats(v), kc, vc, TensorArrays.ints(slots), shape);
    // k, v and the caches share one dtype, so the copied values need no rounding.
    TensorArrays.writeBack(kCache, kc);
    TensorArrays.writeBack(vCache, vc);
  }

  /** 64 for heads up to 64, 128 for heads up to 128; larger heads are refused. */
  private static int paddedHeadDim(String op, String arg, Tensor t, int headDim) {
    if (headDim > 128) {
      throw new OpArgumentException(
          op,
          arg,
          "has shape " + t.shape() + "; head sizes up to 128 are supported, not " + headDim);
    }
    return headDim <= 64 ? 64 : 128;
  }

  /** The tensor's rows of {@code d} values, each followed by {@code dp - d} zeros. */
  private static float[] padded(Tensor t, int d, int dp) {
    float[] src = TensorArrays.floats(t);
    if (d == dp) {
      return src;
    }
    int rows = src.length / d;
    float[] dst = new float[rows * dp];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(src, r * d, dst, r * dp, d);
    }
    return dst;
  }

  /** The first {@code d} values of every row of {@code dp}. */
  private static float[] unpadded(float[] src, int d, int dp) {
    if (d == dp) {
      return src;
    }
    int rows = src.length / dp;
    float[] dst = new float[rows * d];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(src, r * dp, dst, r * d, d);
    }
    return dst;
  }
}
