package dev.kernelj.llm.quant;

/**
 * How a GPTQ checkpoint stores zero points in {@code qzeros}.
 *
 * <p>The original GPTQ-for-LLaMa / AutoGPTQ writers subtract one before packing ("v1", {@code
 * checkpoint_format} {@code "gptq"} or absent), so a symmetric 4-bit checkpoint stores 7
 * (0x77777777 words) for a zero point of 8, and readers add the one back. GPTQModel's {@code
 * "gptq_v2"} stores the zero point itself.
 */
public enum GptqZeroFormat {
  /**
   * Stored value + 1 is the zero point (AutoGPTQ's v1 format; readers add one, as exllama and vLLM
   * do).
   */
  STORED_MINUS_ONE,
  /** Stored value is the zero point (GPTQModel's gptq_v2; AWQ). */
  EXACT;

  /** The real zero point for a stored value. */
  public int zeroPoint(int stored) {
    return this == STORED_MINUS_ONE ? stored + 1 : stored;
  }
}
