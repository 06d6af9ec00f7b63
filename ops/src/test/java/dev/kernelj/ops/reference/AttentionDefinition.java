package dev.kernelj.ops.reference;

/**
 * Attention computed straight from its definition in float64, for the tests: per (sequence, head,
 * query) the scores against every visible key, a softmax, and the weighted sum of values. Query
 * head {@code h} reads kv head {@code h / (heads / kvHeads)}.
 */
final class AttentionDefinition {
  private AttentionDefinition() {}

  /**
   * q [batch, seqQ, heads, d], k and v [batch, seqKv, kvHeads, d] row-major; causal keeps keys
   * {@code j <= i + seqKv - seqQ}. Returns [batch, seqQ, heads, d].
   */
  static double[] prefill(
      float[] q,
      float[] k,
      float[] v,
      int batch,
      int seqQ,
      int seqKv,
      int heads,
      int kvHeads,
      int d,
      double scale,
      boolean causal) {
    return prefill(q, k, v, batch, seqQ, seqKv, heads, kvHeads, d, scale, causal, 0);
  }

  /**
   * As above with a sliding window: {@code window > 0} also drops keys {@code j <= p - window} of
   * the query at position {@code p = i + seqKv - seqQ} (transformers' {@code kv_idx > q_idx -
   * sliding_window}).
   */
  static double[] prefill(
      float[] q,
      float[] k,
      float[] v,
      int batch,
      int seqQ,
      int seqKv,
      int heads,
      int kvHeads,
      int d,
      double scale,
      boolean causal,
      int window) {
    double[] out = new double[batch * seqQ * heads * d];
    for (int b = 0; b < batch; b++) {
      for (int h = 0; h < heads; h++) {
        int kvh = h / (heads / kvHeads);
        for (int i = 0; i < seqQ; i++) {
          int end = causal ? Math.min(seqKv, i + seqKv - seqQ + 1) : seqKv;
          int first = window > 0 ? Math.max(0, i + seqKv - seqQ - window + 1) : 0;
          int visible = end - first;
          double[] keys = new double[visible * d];
          double[] values = new double[visible * d];
          for (int j = 0; j < visible; j++) {
            for (int e = 0; e < d; e++) {
              keys[j * d + e] = k[((b * seqKv + first + j) * kvHeads + kvh) * d + e];
              values[j * d + e] = v[((b * seqKv + first + j) * kvHeads + kvh) * d + e];
            }
          }
          int at = ((b * seqQ + i) * heads + h) * d;
          one(q, at, keys, values, visible, d, scale, out, at);
        }
      }
    }
    return out;
  }

  /**
   * One query row against {@code n} keys and values of {@code d} each; writes {@code d} outputs at
   * {@code outAt}.
   */
  static void one(
      float[] q,
      int qAt,
      double[] keys,
      double[] values,
      int n,
      int d,
      double scale,
      double[] out,
      int outAt) {
    if (n == 0) {
      return; // no keys: zeros
    }
    double[] p = new double[n];
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < n; j++) {
      double s = 0;
      for (int e = 0; e < d; e++) {
        s += q[qAt + e] * keys[j * d + e];
      }
      p[j] = s * scale;
      max = Math.max(max, p[j]);
    }
    double z = 0;
    for (int j = 0; j < n; j++) {
      p[j] = Math.exp(p[j] - max);
      z += p[j];
    }
    for (int j = 0; j < n; j++) {
      for (int e = 0; e < d; e++) {
        out[outAt + e] += p[j] / z * values[j * d + e];
      }
    }
  }
}
