package dev.kernelj.ops.kernels.attention;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.Dim3;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.kernels.LaunchChecks;
import java.util.stream.IntStream;

/**
 * Prefill (many queries at once) attention: {@code O = softmax(scale * Q K^T + mask) V} per head,
 * with GQA/MQA and an optional causal mask, on bf16 device tensors through {@link
 * PrefillAttentionKernels}, and the same function on Java arrays ({@link #reference}).
 *
 * <p>Layout (all contiguous, row-major): Q and O {@code [batch, seqQ, nHeads, headDim]}, K and V
 * {@code [batch, seqKv, nKvHeads, headDim]}. Causal masking aligns the diagonal to the bottom
 * right: query {@code i} sees keys {@code j <= i + seqKv - seqQ}.
 *
 * <p>A sliding window {@code W > 0} (causal only) also hides keys {@code W} or more positions back:
 * query {@code i} at position {@code p = i + seqKv - seqQ} sees {@code p - W < j <= p}. That is
 * Hugging Face's rule ({@code sliding_window_overlay} in transformers' {@code masking_utils.py}:
 * {@code kv_idx > q_idx - sliding_window}, and-ed with the causal {@code kv_idx <= q_idx}), so each
 * query sees exactly {@code min(W, p + 1)} keys, itself included.
 */
public final class PrefillAttention {
  private static final double LOG2_E = 1.4426950408889634;

  /**
   * The sizes of one prefill attention call.
   *
   * @param scale the softmax scale, usually {@code 1 / sqrt(headDim)}
   * @param window the sliding window in keys, 0 for none; needs {@code causal}
   */
  public record Shape(
      int batch,
      int seqQ,
      int seqKv,
      int nHeads,
      int nKvHeads,
      int headDim,
      boolean causal,
      float scale,
      int window) {
    public Shape {
      LaunchChecks.positive("PrefillAttention", "batch", batch);
      LaunchChecks.positive("PrefillAttention", "seqQ", seqQ);
      LaunchChecks.positive("PrefillAttention", "seqKv", seqKv);
      LaunchChecks.heads("PrefillAttention", nHeads, nKvHeads);
      if (headDim != 64 && headDim != 128) {
        throw new IllegalArgumentException(
            "PrefillAttention: headDim " + headDim + " is not supported (64 or 128)");
      }
      if (causal && seqQ > seqKv) {
        throw new IllegalArgumentException(
            "PrefillAttention: causal attention needs seqKv >= seqQ, got q "
                + dims(batch, seqQ, nHeads, headDim)
                + " and k/v "
                + dims(batch, seqKv, nKvHeads, headDim));
      }
      if (!(scale > 0f) || Float.isInfinite(scale)) {
        throw new IllegalArgumentException(
            "PrefillAttention: scale must be a positive finite number, got " + scale);
      }
      LaunchChecks.nonNegative("PrefillAttention", "window", window);
      if (window > 0 && !causal) {
        throw new IllegalArgumentException(
            "PrefillAttention: a sliding window (" + window + ") needs causal attention");
      }
    }

    /** A shape without a sliding window. */
    public Shape(
        int batch,
        int seqQ,
        int seqKv,
        int nHeads,
        int nKvHeads,
        int headDim,
        boolean causal,
        float scale) {
      this(batch, seqQ, seqKv, nHeads, nKvHeads, headDim, causal, scale, 0);
    }

    /** This shape with a sliding window of {@code window} keys (0: none). */
    public Shape withWindow(int window) {
      return new Shape(batch, seqQ, seqKv, nHeads, nKvHeads, headDim, causal, scale, window);
    }

    /** A shape with the usual scale {@code 1 / sqrt(headDim)}. */
    public static Shape of(
        int batch, int seqQ, int seqKv, int nHeads, int nKvHeads, int headDim, boolean causal) {
      return new Shape(
          batch,
          seqQ,
          seqKv,
          nHeads,
          nKvHeads,
          headDim,
          causal,
          (float) (1.0 / Math.sqrt(headDim)));
    }

    /** Elements of Q and O. */
    public long queryElements() {
      return (long) batch * seqQ * nHeads * headDim;
    }

    /** Elements of K and of V. */
    public long keyValueElements() {
      return (long) batch * seqKv * nKvHeads * headDim;
    }

    /**
     * Floating-point operations (two matrix products; causal counts the visible half; with a window
     * shorter than seqKv, the query-key pairs the window keeps).
     */
    public double flops() {
      if (window > 0 && window < seqKv) {
        return 4.0 * batch * nHeads * (double) visiblePairs() * headDim;
      }
      double full = 4.0 * batch * nHeads * (double) seqQ * seqKv * headDim;
      return causal && seqQ == seqKv ? full / 2 : full;
    }

    /** Query-key pairs one head attends to. */
    long visiblePairs() {
      if (!causal) {
        return (long) seqQ * seqKv;
      }
      long pairs = 0;
      for (int i = 0; i < seqQ; i++) {
        int seen = i + seqKv - seqQ + 1;
        pairs += window > 0 ? Math.min(window, seen) : seen;
      }
      return pairs;
    }

    private static String dims(int a, int b, int c, int d) {
      return "[" + a + ", " + b + ", " + c + ", " + d + "]";
    }
  }

  private final PrefillAttentionKernels kernels;

  /**
   * @param kernels the loaded kernels, e.g. {@code PrefillAttentionKernelsLauncher.load(context)}
   */
  public PrefillAttention(PrefillAttentionKernels kernels) {
    this.kernels = java.util.Objects.requireNonNull(kernels, "kernels");
  }

  /** The launch shape: one block of 128 threads per 128 queries of one (batch, head). */
  public static Launch launchFor(Shape shape, StreamRef stream) {
    int queryTiles = Launch.blocksFor(shape.seqQ(), PrefillAttentionKernels.BLOCK_M);
    long heads = (long) shape.batch() * shape.nHeads();
    if (heads > 65535) {
      throw new IllegalArgumentException(
          "PrefillAttention: batch * nHeads = " + heads + " exceeds the grid's y limit 65535");
    }
    int shared =
        shape.headDim() == 128
            ? PrefillAttentionKernels.SHARED_BYTES_D128
            : PrefillAttentionKernels.SHARED_BYTES_D64;
    return new Launch(
        Dim3.of(queryTiles, (int) heads), Dim3.of(PrefillAttentionKernels.THREADS), shared, stream);
  }

  /** Enqueues {@code o = attention(q, k, v)} on {@code stream}. */
  public void forward(
      StreamRef stream,
      ConstPtr<BF16> q,
      ConstPtr<BF16> k,
      ConstPtr<BF16> v,
      Ptr<BF16> o,
      Shape shape) {
    LaunchChecks.pointer("PrefillAttention", "q", q, dev.kernelj.dsl.DType.BF16);
    LaunchChecks.pointer("PrefillAttention", "k", k, dev.kernelj.dsl.DType.BF16);
    LaunchChecks.pointer("PrefillAttention", "v", v, dev.kernelj.dsl.DType.BF16);
    LaunchChecks.pointer("PrefillAttention", "o", o, dev.kernelj.dsl.DType.BF16);
    Launch launch = launchFor(shape, stream);
    float scaleLog2 = (float) (shape.scale() * LOG2_E);
    int causal = shape.causal() ? 1 : 0;
    if (shape.headDim() == 128) {
      kernels.prefillD128(
          launch,
          q,
          k,
          v,
          o,
          shape.seqQ(),
          shape.seqKv(),
          shape.nHeads(),
          shape.nKvHeads(),
          scaleLog2,
          causal,
          shape.window());
    } else {
      kernels.prefillD64(
          launch,
          q,
          k,
          v,
          o,
          shape.seqQ(),
          shape.seqKv(),
          shape.nHeads(),
          shape.nKvHeads(),
          scaleLog2,
          causal,
          shape.window());
    }
  }

  /**
   * The reference twin: the same function on f32 arrays in the same layouts, accumulating in
   * double; (batch, head) pairs run in parallel.
   */
  public static void reference(float[] q, float[] k, float[] v, float[] o, Shape s) {
    LaunchChecks.length("PrefillAttention", "q", q.length, s.queryElements());
    LaunchChecks.length("PrefillAttention", "k", k.length, s.keyValueElements());
    LaunchChecks.length("PrefillAttention", "v", v.length, s.keyValueElements());
    LaunchChecks.length("PrefillAttention", "o", o.length, s.queryElements());
    int group = s.nHeads() / s.nKvHeads();
    int d = s.headDim();
    int diagonal = s.seqKv() - s.seqQ();
    IntStream.range(0, s.batch() * s.nHeads())
        .parallel()
        .forEach(
            bh -> {
              int b = bh / s.nHeads();
              int h = bh % s.nHeads();
              int kvh = h / group;
              double[] scores = new double[s.seqKv()];
              double[] out = new double[d];
              for (int i = 0; i < s.seqQ(); i++) {
                int qOff = ((b * s.seqQ() + i) * s.nHeads() + h) * d;
                int visible = s.causal() ? Math.min(s.seqKv(), i + diagonal + 1) : s.seqKv();
                int first = s.window() > 0 ? Math.max(0, visible - s.window()) : 0;
                double max = Double.NEGATIVE_INFINITY;
                for (int j = first; j < visible; j++) {
                  int kOff = ((b * s.seqKv() + j) * s.nKvHeads() + kvh) * d;
                  double dot = 0;
                  for (int e = 0; e < d; e++) {
                    dot += (double) q[qOff + e] * k[kOff + e];
                  }
                  scores[j] = dot * s.scale();
                  max = Math.max(max, scores[j]);
                }
                double sum = 0;
                java.util.Arrays.fill(out, 0);
                for (int j = first; j < visible; j++) {
                  double p = Math.exp(scores[j] - max);
                  sum += p;
                  int vOff = ((b * s.seqKv() + j) * s.nKvHeads() + kvh) * d;
                  for (int e = 0; e < d; e++) {
                    out[e] += p * v[vOff + e];
                  }
                }
                for (int e = 0; e < d; e++) {
                  o[qOff + e] = (float) (out[e] / sum);
                }
              }
            });
  }
}
