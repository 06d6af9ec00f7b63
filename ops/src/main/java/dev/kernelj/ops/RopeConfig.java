package dev.kernelj.ops;

/**
 * Rotary position embedding settings, as a Hugging Face config states them.
 *
 * @param headDim the head dimension
 * @param rotaryDim how many leading dims of each head rotate ({@code partial_rotary_factor *
 *     headDim}); even, at most {@code headDim}; the rest pass through unchanged
 * @param theta {@code rope_theta}
 * @param layout which dims form a rotating pair
 * @param scaling {@code rope_scaling}
 */
public record RopeConfig(int headDim, int rotaryDim, double theta, Layout layout, Scaling scaling) {

  /** How dims pair up. */
  public enum Layout {
    /** Llama/NeoX ({@code rotate_half}): dim i pairs with dim i + rotaryDim/2. */
    ROTATE_HALF,
    /** GPT-J/original RoPE: dim 2i pairs with dim 2i + 1. */
    INTERLEAVED
  }

  /** Frequency scaling ({@code rope_scaling}). */
  public sealed interface Scaling {}

  /** No scaling. */
  public record NoScaling() implements Scaling {}

  /** {@code "linear"}: every frequency divided by {@code factor} (positions interpolated). */
  public record Linear(double factor) implements Scaling {}

  /**
   * {@code "llama3"}: low frequencies divided by {@code factor}, high kept, a smooth blend between.
   */
  public record Llama3(
      double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions)
      implements Scaling {}

  public RopeConfig {
    if (headDim <= 0 || rotaryDim <= 0 || rotaryDim > headDim || rotaryDim % 2 != 0) {
      throw new IllegalArgumentException(
          "rope: rotaryDim " + rotaryDim + " must be even and in (0, headDim " + headDim + "]");
    }
    if (!(theta > 0)) {
      throw new IllegalArgumentException("rope: theta must be > 0, got " + theta);
    }
    if (layout == null || scaling == null) {
      throw new IllegalArgumentException(
          "rope: layout and scaling are required (use NoScaling for none)");
    }
  }

  /** Llama-style RoPE over the whole head without scaling. */
  public static RopeConfig standard(int headDim, double theta) {
    return new RopeConfig(headDim, headDim, theta, Layout.ROTATE_HALF, new NoScaling());
  }

  /**
   * The {@code rotaryDim / 2} inverse frequencies, in f32 as Hugging Face computes them ({@code 1 /
   * theta^(2i / rotaryDim)} with the exponent and power in f32), then scaled. Both backends take
   * angles from this same table: {@code angle = (float) position * invFreq[i]}.
   */
  public float[] inverseFrequencies() {
    int half = rotaryDim / 2;
    float[] inv = new float[half];
    for (int i = 0; i < half; i++) {
      float exponent = (float) (2 * i) / (float) rotaryDim;
      inv[i] = 1.0f / (float) Math.pow(theta, exponent);
    }
    if (scaling instanceof Linear linear) {
      for (int i = 0; i < half; i++) {
        inv[i] = (float) (inv[i] / linear.factor());
      }
    } else if (scaling instanceof Llama3 l) {
      double lowWavelen = l.originalMaxPositions() / l.lowFreqFactor();
      double highWavelen = l.originalMaxPositions() / l.highFreqFactor();
      for (int i = 0; i < half; i++) {
        double wavelen = 2 * Math.PI / inv[i];
        if (wavelen > lowWavelen) {
          inv[i] = (float) (inv[i] / l.factor());
        } else if (wavelen >= highWavelen) {
          double smooth =
              (l.originalMaxPositions() / wavelen - l.lowFreqFactor())
                  / (l.highFreqFactor() - l.lowFreqFactor());
          inv[i] = (float) ((1 - smooth) * inv[i] / l.factor() + smooth * inv[i]);
        }
      }
    }
    return inv;
  }
}
