package dev.kernelj.llm.model;

/**
 * The Llama-family forward pass written plainly in float64 (full causal recompute, no cache, no
 * ops): the oracle the engine's forward is checked against. Follows Hugging Face's {@code
 * modeling_llama.py}: RMSNorm, q/k/v (+ bias; Qwen3: each head of q and k RMS-normed, as {@code
 * modeling_qwen3.py} does), rotate-half RoPE with llama3 scaling, GQA softmax attention (over the
 * last {@code window} tokens where a window is given), SwiGLU MLP, final norm, LM head.
 */
public final class Float64Llama {
  private final TinyLlama.Written m;
  private final TinyLlama.Spec s;

  public Float64Llama(TinyLlama.Written model) {
    this.m = model;
    this.s = model.spec();
  }

  /** Logits {@code [ids.length][vocab]}. */
  public double[][] logits(int[] ids) {
    return logits(ids, 0);
  }

  /**
   * Logits with sliding-window attention: position t sees positions t - window + 1 .. t (0: all).
   */
  public double[][] logits(int[] ids, int window) {
    int n = ids.length;
    int hidden = s.hidden();
    int hd = s.headDim();
    double[][] x = new double[n][hidden];
    float[] emb = m.w("model.embed_tokens.weight");
    for (int t = 0; t < n; t++) {
      for (int i = 0; i < hidden; i++) {
        x[t][i] = emb[ids[t] * hidden + i];
      }
    }
    double[] inv = inverseFrequencies();
    for (int l = 0; l < s.layers(); l++) {
      String p = "model.layers." + l + ".";
      double[][] h = norm(x, m.w(p + "input_layernorm.weight"));
      double[][] q =
          linear(
              h,
              m.w(p + "self_attn.q_proj.weight"),
              s.heads() * hd,
              bias(p + "self_attn.q_proj.bias"));
      double[][] k =
          linear(
              h,
              m.w(p + "self_attn.k_proj.weight"),
              s.kvHeads() * hd,
              bias(p + "self_attn.k_proj.bias"));
      double[][] v =
          linear(
              h,
              m.w(p + "self_attn.v_proj.weight"),
              s.kvHeads() * hd,
              bias(p + "self_attn.v_proj.bias"));
      if (s.qkNorm()) {
        for (int t = 0; t < n; t++) {
          headNorm(q[t], s.heads(), m.w(p + "self_attn.q_norm.weight"));
          headNorm(k[t], s.kvHeads(), m.w(p + "self_attn.k_norm.weight"));
        }
      }
      for (int t = 0; t < n; t++) {
        rope(q[t], s.heads(), t, inv);
        rope(k[t], s.kvHeads(), t, inv);
      }
      double[][] attn = new double[n][s.heads() * hd];
      int group = s.heads() / s.kvHeads();
      for (int t = 0; t < n; t++) {
        for (int head = 0; head < s.heads(); head++) {
          int kvh = head / group;
          double[] scores = new double[t + 1];
          int first = window > 0 ? Math.max(0, t - window + 1) : 0;
          double max = Double.NEGATIVE_INFINITY;
          for (int j = first; j <= t; j++) {
            double dot = 0;
            for (int d = 0; d < hd; d++) {
              dot += q[t][head * hd + d] * k[j][kvh * hd + d];
            }
            scores[j] = dot / Math.sqrt(hd);
            max = Math.max(max, scores[j]);
          }
          double sum = 0;
          for (int j = first; j <= t; j++) {
            scores[j] = Math.exp(scores[j] - max);
            sum += scores[j];
          }
          for (int j = first; j <= t; j++) {
            for (int d = 0; d < hd; d++) {
              attn[t][head * hd + d] += scores[j] / sum * v[j][kvh * hd + d];
            }
          }
        }
      }
      add(x, linear(attn, m.w(p + "self_attn.o_proj.weight"), hidden, null));
      double[][] h2 = norm(x, m.w(p + "post_attention_layernorm.weight"));
      double[][] gate = linear(h2, m.w(p + "mlp.gate_proj.weight"), s.intermediate(), null);
      double[][] up = linear(h2, m.w(p + "mlp.up_proj.weight"), s.intermediate(), null);
      for (int t = 0; t < n; t++) {
        for (int i = 0; i < s.intermediate(); i++) {
          double g = gate[t][i];
          gate[t][i] = g / (1 + Math.exp(-g)) * up[t][i];
        }
      }
      add(x, linear(gate, m.w(p + "mlp.down_proj.weight"), hidden, null));
    }
    double[][] h = norm(x, m.w("model.norm.weight"));
    float[] head = s.tied() ? emb : m.w("lm_head.weight");
    return linear(h, head, TinyLlama.VOCAB, null);
  }

  private float[] bias(String name) {
    return s.qkvBias() ? m.w(name) : null;
  }

  private static double[][] norm(double[][] x, float[] w) {
    double[][] out = new double[x.length][];
    for (int t = 0; t < x.length; t++) {
      double ss = 0;
      for (double v : x[t]) {
        ss += v * v;
      }
      double r = 1 / Math.sqrt(ss / x[t].length + 1e-5);
      out[t] = new double[x[t].length];
      for (int i = 0; i < x[t].length; i++) {
        out[t][i] = x[t][i] * r * w[i];
      }
    }
    return out;
  }

  /** Qwen3's q_norm/k_norm: an RMSNorm over each head of a row, in place. */
  private void headNorm(double[] row, int heads, float[] w) {
    int hd = s.headDim();
    for (int h = 0; h < heads; h++) {
      double[][] head = {java.util.Arrays.copyOfRange(row, h * hd, (h + 1) * hd)};
      System.arraycopy(norm(head, w)[0], 0, row, h * hd, hd);
    }
  }

  private static double[][] linear(double[][] x, float[] w, int outDim, float[] bias) {
    int in = x[0].length;
    double[][] out = new double[x.length][outDim];
    for (int t = 0; t < x.length; t++) {
      for (int o = 0; o < outDim; o++) {
        double acc = bias == null ? 0 : bias[o];
        for (int i = 0; i < in; i++) {
          acc += x[t][i] * w[o * in + i];
        }
        out[t][o] = acc;
      }
    }
    return out;
  }

  private static void add(double[][] x, double[][] y) {
    for (int t = 0; t < x.length; t++) {
      for (int i = 0; i < x[t].length; i++) {
        x[t][i] += y[t][i];
      }
    }
  }

  private void rope(double[] v, int heads, int pos, double[] inv) {
    int hd = s.headDim();
    int half = hd / 2;
    for (int h = 0; h < heads; h++) {
      int base = h * hd;
      for (int i = 0; i < half; i++) {
        double a = pos * inv[i];
        double x1 = v[base + i];
        double x2 = v[base + i + half];
        v[base + i] = x1 * Math.cos(a) - x2 * Math.sin(a);
        v[base + i + half] = x2 * Math.cos(a) + x1 * Math.sin(a);
      }
    }
  }

  /**
   * HF's default inverse frequencies, with Llama 3's scaling where the spec asks for it (factor 32,
   * low 1, high 4, original 64).
   */
  private double[] inverseFrequencies() {
    int half = s.headDim() / 2;
    double[] inv = new double[half];
    for (int i = 0; i < half; i++) {
      inv[i] = 1 / Math.pow(s.ropeTheta(), 2.0 * i / s.headDim());
      if (s.llama3Scaling()) {
        double factor = 32;
        double lowWavelen = 64 / 1.0;
        double highWavelen = 64 / 4.0;
        double wavelen = 2 * Math.PI / inv[i];
        if (wavelen > lowWavelen) {
          inv[i] /= factor;
        } else if (wavelen >= highWavelen) {
          double smooth = (64 / wavelen - 1.0) / (4.0 - 1.0);
          inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
        }
      }
    }
    return inv;
  }
}
