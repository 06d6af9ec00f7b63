package dev.kernelj.ops.kernels.sampling;

/**
 * The integer token weight of the sampler, {@code floor(2^31 * 2^((logit / T - max) * log2 e))},
 * computed with exactly the float operations of the kernel: IEEE division and multiplication, and
 * 2^y as a degree-7 polynomial on the reduced argument evaluated with fused multiply-adds. Every
 * step is correctly rounded in both Java and CUDA, so both sides produce identical weights.
 */
public final class ReproducibleWeights {
  /** The weight of the most likely token. */
  public static final long ONE = 1L << 31;

  private static final float LOG2_E = 1.4426950408889634f;

  private ReproducibleWeights() {}

  /** 2^y for y <= 0 (relative error about 1e-7); 0 below -32. */
  public static float exp2(float y) {
    if (y < -32f) {
      return 0f;
    }
    float n = (float) Math.rint(y);
    float f = y - n;
    float p = 1.525273380405984e-5f;
    p = Math.fma(p, f, 1.5403530393381606e-4f);
    p = Math.fma(p, f, 1.3333558146428443e-3f);
    p = Math.fma(p, f, 9.618129107628477e-3f);
    p = Math.fma(p, f, 5.550410866482158e-2f);
    p = Math.fma(p, f, 2.402265069591007e-1f);
    p = Math.fma(p, f, 6.931471805599453e-1f);
    p = Math.fma(p, f, 1.0f);
    return Math.scalb(p, (int) n);
  }

  /**
   * The weight of a logit, given the temperature and the largest {@code logit / temperature} of its
   * row.
   */
  public static long weight(float logit, float temperature, float maxScaled) {
    float x = logit / temperature;
    float y = (x - maxScaled) * LOG2_E;
    return (long) (exp2(y) * 2147483648.0f);
  }
}
