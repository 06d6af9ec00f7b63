package dev.kernelj.llm.model;

import dev.kernelj.ops.DTypes;
import dev.kernelj.ops.Tensor;

/**
 * Plain-Java attention and KV-cache append on host tensors: the CPU path's stand-in while the ops
 * reference backend does not implement them yet (see {@link AttentionOps}). f64 accumulation,
 * one rounding into the output dtype, the same functions as the ops' attention kernels: causal
 * diagonal aligned to the bottom right, query head {@code h} reads kv head {@code h / group}.
 */
final class HostAttention {
    private HostAttention() {
    }

    /** Writes k, v {@code [tokens, kvHeads, headDim]} into caches {@code [blocks, blockSize, kvHeads, headDim]} at slots; negative slots are padding. */
    static void kvAppend(Tensor kCache, Tensor vCache, Tensor k, Tensor v, Tensor slots) {
        int tokens = k.dim(0);
        int row = k.dim(1) * k.dim(2);
        long cacheSlots = kCache.numel() / row;
        for (int t = 0; t < tokens; t++) {
            int slot = slots.hostInts()[(int) slots.offset() + t];
            if (slot < 0) {
                continue;
            }
            if (slot >= cacheSlots) {
                throw new IllegalArgumentException("kvAppend: slot " + slot + " of token " + t + " is past the cache's "
                        + cacheSlots + " slots");
            }
            copyRow(kCache, (long) slot * row, k, (long) t * row, row);
            copyRow(vCache, (long) slot * row, v, (long) t * row, row);
        }
    }

    private static void copyRow(Tensor dst, long dstAt, Tensor src, long srcAt, int n) {
        float[] d = dst.hostFloats();
        float[] s = src.hostFloats();
        int di = (int) (dst.offset() + dstAt);
        int si = (int) (src.offset() + srcAt);
        for (int i = 0; i < n; i++) {
            d[di + i] = DTypes.round(dst.dtype(), s[si + i]);
        }
    }

    /** q, out {@code [batch, seqQ, heads, headDim]}; k, v {@code [batch, seqKv, kvHeads, headDim]}; all contiguous. */
    static void prefill(Tensor out, Tensor q, Tensor k, Tensor v, float scale, boolean causal) {
        int batch = q.dim(0);
        int seqQ = q.dim(1);
        int heads = q.dim(2);
        int dim = q.dim(3);
        int seqKv = k.dim(1);
        int kvHeads = k.dim(2);
        int group = heads / kvHeads;
        float[] qf = q.hostFloats();
        float[] kf = k.hostFloats();
        float[] vf = v.hostFloats();
        double[] scores = new double[seqKv];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int kvh = h / group;
                for (int i = 0; i < seqQ; i++) {
                    int visible = causal ? Math.min(seqKv, i + (seqKv - seqQ) + 1) : seqKv;
                    long qAt = q.offset() + (((long) b * seqQ + i) * heads + h) * dim;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < visible; j++) {
                        long kAt = k.offset() + (((long) b * seqKv + j) * kvHeads + kvh) * dim;
                        scores[j] = dot(qf, qAt, kf, kAt, dim) * scale;
                        max = Math.max(max, scores[j]);
                    }
                    long oAt = out.offset() + (((long) b * seqQ + i) * heads + h) * dim;
                    long vBase = v.offset() + ((long) b * seqKv * kvHeads + kvh) * dim;
                    weightedValues(out, oAt, scores, visible, max, vf, j -> vBase + (long) j * kvHeads * dim, dim);
                }
            }
        }
    }

    /** q, out {@code [batch, heads, headDim]}; caches {@code [blocks, blockSize, kvHeads, headDim]}; blockTable I32 {@code [batch, maxBlocks]}; contextLens I32 {@code [batch]}. */
    static void decode(Tensor out, Tensor q, Tensor kCache, Tensor vCache, Tensor blockTable, Tensor contextLens, float scale) {
        int batch = q.dim(0);
        int heads = q.dim(1);
        int dim = q.dim(2);
        int blockSize = kCache.dim(1);
        int kvHeads = kCache.dim(2);
        int group = heads / kvHeads;
        int maxBlocks = blockTable.dim(1);
        float[] qf = q.hostFloats();
        float[] kf = kCache.hostFloats();
        float[] vf = vCache.hostFloats();
        int[] table = blockTable.hostInts();
        int[] lens = contextLens.hostInts();
        for (int b = 0; b < batch; b++) {
            int len = lens[(int) contextLens.offset() + b];
            int tableAt = (int) blockTable.offset() + b * maxBlocks;
            double[] scores = new double[Math.max(1, len)];
            java.util.function.IntToLongFunction rowOf = t -> {
                long slot = (long) table[tableAt + t / blockSize] * blockSize + t % blockSize;
                return slot * kvHeads * dim;
            };
            for (int h = 0; h < heads; h++) {
                int kvh = h / group;
                long qAt = q.offset() + ((long) b * heads + h) * dim;
                double max = Double.NEGATIVE_INFINITY;
                for (int t = 0; t < len; t++) {
                    scores[t] = dot(qf, qAt, kf, kCache.offset() + rowOf.applyAsLong(t) + (long) kvh * dim, dim) * scale;
                    max = Math.max(max, scores[t]);
                }
                long oAt = out.offset() + ((long) b * heads + h) * dim;
                weightedValues(out, oAt, scores, len, max, vf, t -> vCache.offset() + rowOf.applyAsLong(t) + (long) kvh * dim, dim);
            }
        }
    }

    private static double dot(float[] a, long aAt, float[] b, long bAt, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += (double) a[(int) aAt + i] * b[(int) bAt + i];
        }
        return s;
    }

    /** out[oAt..] = softmax(scores[0..count)) . V, rounded once into out's dtype; zeros when nothing is visible. */
    private static void weightedValues(Tensor out, long oAt, double[] scores, int count, double max, float[] vf,
                                       java.util.function.IntToLongFunction vRow, int dim) {
        double[] acc = new double[dim];
        double sum = 0;
        for (int j = 0; j < count; j++) {
            double p = Math.exp(scores[j] - max);
            sum += p;
            int at = (int) vRow.applyAsLong(j);
            for (int d = 0; d < dim; d++) {
                acc[d] += p * vf[at + d];
            }
        }
        float[] o = out.hostFloats();
        for (int d = 0; d < dim; d++) {
            o[(int) oAt + d] = DTypes.round(out.dtype(), sum == 0 ? 0f : (float) (acc[d] / sum));
        }
    }
}
