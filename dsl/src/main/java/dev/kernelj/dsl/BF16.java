package dev.kernelj.dsl;

/** Element marker: bfloat16 (CUDA {@code __nv_bfloat16}). */
public final class BF16 implements Element {
  private BF16() {}
}
