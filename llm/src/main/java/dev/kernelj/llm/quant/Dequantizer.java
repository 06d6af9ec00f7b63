package dev.kernelj.llm.quant;

/**
 * The reference dequantizer: the float matrix a quantized weight stands for. Slow and simple on
 * purpose; GPU kernels are tested against it.
 */
public final class Dequantizer {
  private Dequantizer() {}

  /**
   * Returns {@code W} as a row-major float array {@code [out][in]} (PyTorch's {@code
   * nn.Linear.weight} layout), {@code W[o][i] = (code - zero) * scale} computed in float.
   */
  public static float[] toFloat(QuantizedWeight w) {
    int in = w.inFeatures();
    float[] out = new float[Math.multiplyExact(w.outFeatures(), in)];
    for (int o = 0; o < w.outFeatures(); o++) {
      for (int i = 0; i < in; i++) {
        out[o * in + i] = w.weight(o, i);
      }
    }
    return out;
  }
}
