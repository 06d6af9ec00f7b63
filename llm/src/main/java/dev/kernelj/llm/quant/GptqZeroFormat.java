package dev.kernelj.llm.quant;

/**
 * How a GPTQ checkpoint stores zero points in {@code qzeros}.
 *
 * <p>The original GPTQ-for-LLaMa / AutoGPTQ writers subtract one before packing ("v1", {@code
 * checkpoint_format} {@code "gptq"} or absent), so a symmetric 4-bit checkpoint stores 7
 * (0x77777777 words) for a zero point of 8. GPTQModel, which quantizes in v2 and converts on save,
 * subtracts one from every field of a word at once ({@code qzeros -= 0x11111111}, 0x01010101 for
 * 8-bit), so a zero point of 0 borrows from the field above it; its reader adds the same word back.
 * Reading words that way gives the same zero points wherever none is 0, and the right ones where
 * one is. GPTQModel's {@code "gptq_v2"} stores the zero point itself.
 */
public enum GptqZeroFormat {
  /** Stored word + one in every field is the zero points' word (v1). */
  STORED_MINUS_ONE,
  /** Stored value is the zero point (GPTQModel's gptq_v2; AWQ). */
  EXACT;

  /**
   * The word of zero points, {@code bits} bits a field, that a stored {@code qzeros} word holds.
   */
  public int zeroWord(int stored, int bits) {
    return this == STORED_MINUS_ONE ? stored + ones(bits) : stored;
  }

  /**
   * A word with 1 in each field of {@code bits} bits (a divisor of 32): what v1 took off every zero
   * point. All ones divided by one field's all ones ({@code 0xFFFFFFFF / 0xF = 0x11111111}), so the
   * unpacker's loop over every output and group pays a division, not a loop.
   */
  static int ones(int bits) {
    return (int) (0xFFFFFFFFL / ((1L << bits) - 1));
  }
}
