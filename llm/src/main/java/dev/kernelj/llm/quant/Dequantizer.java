package dev.kernelj.llm.quant;

import java.util.stream.IntStream;

/**
 * The reference dequantizer: the float matrix a quantized weight stands for, one float expression a
 * weight. Simple on purpose; GPU kernels are tested against it, and a quantized LM head is loaded
 * through it.
 */
public final class Dequantizer {
  private Dequantizer() {}

  /**
   * Returns {@code W} as a row-major float array {@code [out][in]} (PyTorch's {@code
   * nn.Linear.weight} layout), {@code W[o][i] = (code - zero) * scale} computed in float.
   */
  public static float[] toFloat(QuantizedWeight w) {
    float[] out = new float[Math.multiplyExact(w.outFeatures(), w.inFeatures())];
    rows(w, 0, w.outFeatures(), out);
    return out;
  }

  /**
   * Rows {@code [from, to)} of {@code W} into {@code out}, row-major from its start, as {@link
   * #toFloat} computes them. Rows in parallel: a quantized Llama 3 head is half a billion weights.
   */
  public static void rows(QuantizedWeight w, int from, int to, float[] out) {
    int in = w.inFeatures();
    IntStream.range(from, to)
        .parallel()
        .forEach(
            o -> {
              for (int i = 0; i < in; i++) {
                out[(o - from) * in + i] = w.weight(o, i);
              }
            });
  }
}
