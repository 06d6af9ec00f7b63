package dev.kernelj.llm.quant;

import dev.kernelj.llm.safetensors.SafetensorsWriter;

/**
 * Packs {@link ReferenceQuantizer.Quantized} exactly as the tools write checkpoints, written
 * independently of the unpackers under test: GPTQ as AutoGPTQ's {@code QuantLinear.pack} (codes
 * along the input, zeros along the output), v1 zeros as GPTQModel converts them (one taken off each
 * whole word, so a zero point of 0 borrows; the same words as AutoGPTQ's where none is 0), AWQ as
 * AutoAWQ's {@code WQLinear_GEMM.from_linear} (along the output in the order 0, 2, 4, 6, 1, 3, 5,
 * 7).
 */
final class ReferencePacker {
  static final int[] AWQ_ORDER = {0, 2, 4, 6, 1, 3, 5, 7};

  private ReferencePacker() {}

  /** Adds {@code prefix.qweight/qzeros/scales/g_idx} in GPTQ packing. */
  static void addGptq(
      SafetensorsWriter writer,
      String prefix,
      ReferenceQuantizer.Quantized q,
      boolean v2,
      boolean withGIdx) {
    int pack = 32 / q.bits();
    int[] qweight = new int[q.in() / pack * q.out()];
    for (int row = 0; row < q.in() / pack; row++) {
      for (int j = 0; j < pack; j++) {
        for (int o = 0; o < q.out(); o++) {
          qweight[row * q.out() + o] |= q.codes()[o][row * pack + j] << (q.bits() * j);
        }
      }
    }
    int zeroWords = q.out() / pack;
    int[] qzeros = new int[q.groups() * zeroWords];
    for (int g = 0; g < q.groups(); g++) {
      for (int o = 0; o < q.out(); o++) {
        qzeros[g * zeroWords + o / pack] |= q.zeros()[g][o] << (q.bits() * (o % pack));
      }
    }
    if (!v2) {
      int ones = q.bits() == 4 ? 0x11111111 : 0x01010101;
      for (int i = 0; i < qzeros.length; i++) {
        qzeros[i] -= ones;
      }
    }
    writer.addI32(prefix + ".qweight", new long[] {q.in() / pack, q.out()}, qweight);
    writer.addI32(prefix + ".qzeros", new long[] {q.groups(), zeroWords}, qzeros);
    writer.addF16(prefix + ".scales", new long[] {q.groups(), q.out()}, flatten(q.scales()));
    if (withGIdx) {
      writer.addI32(prefix + ".g_idx", new long[] {q.in()}, q.gIdx());
    }
  }

  /** Adds {@code prefix.qweight/qzeros/scales} in AWQ GEMM packing. */
  static void addAwq(SafetensorsWriter writer, String prefix, ReferenceQuantizer.Quantized q) {
    int cols = q.out() / 8;
    int[] qweight = new int[q.in() * cols];
    for (int i = 0; i < q.in(); i++) {
      for (int c = 0; c < cols; c++) {
        for (int k = 0; k < 8; k++) {
          qweight[i * cols + c] |= q.codes()[c * 8 + AWQ_ORDER[k]][i] << (4 * k);
        }
      }
    }
    int[] qzeros = new int[q.groups() * cols];
    for (int g = 0; g < q.groups(); g++) {
      for (int c = 0; c < cols; c++) {
        for (int k = 0; k < 8; k++) {
          qzeros[g * cols + c] |= q.zeros()[g][c * 8 + AWQ_ORDER[k]] << (4 * k);
        }
      }
    }
    writer.addI32(prefix + ".qweight", new long[] {q.in(), cols}, qweight);
    writer.addI32(prefix + ".qzeros", new long[] {q.groups(), cols}, qzeros);
    writer.addF16(prefix + ".scales", new long[] {q.groups(), q.out()}, flatten(q.scales()));
  }

  static float[] flatten(float[][] m) {
    float[] flat = new float[m.length * m[0].length];
    for (int r = 0; r < m.length; r++) {
      System.arraycopy(m[r], 0, flat, r * m[0].length, m[0].length);
    }
    return flat;
  }
}
