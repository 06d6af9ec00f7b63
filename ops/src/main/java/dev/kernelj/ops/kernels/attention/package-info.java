/**
 * Attention, every part in this folder: prefill (flash attention, {@code PrefillAttentionKernels} +
 * {@code PrefillAttention}), paged decode (split-KV flash decoding, {@code
 * PagedDecodeAttentionKernels} + {@code PagedDecodeAttention}) and the KV cache write ({@code
 * KvCacheAppendKernels} + {@code KvCacheAppend}): kernels, launch plans and reference twins, and
 * {@code AttentionChecks}, the tensor rules both backends apply.
 */
package dev.kernelj.ops.kernels.attention;
