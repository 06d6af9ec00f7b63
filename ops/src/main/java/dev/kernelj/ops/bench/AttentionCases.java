package dev.kernelj.ops.bench;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.cuda.CudaOps;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The attention cases of {@link OpsBench}: prefill at the shape (B=4, H=32, S=4096, D=128,
 * causal and not) in TFLOP/s against the GEMM ceiling and PyTorch's {@code
 * scaled_dot_product_attention}; paged decode (Llama-3-8B heads: 32 query, 8 kv, D=128) at batch 1
 * and 32 over contexts of 1k to 32k tokens in GB/s of the K/V cache it must read, against the copy
 * ceiling (the bytes-moved roofline).
 */
final class AttentionCases {
  private static final int HEADS = 32;
  private static final int KV_HEADS = 8;
  private static final int HEAD_DIM = 128;
  private static final int BLOCK_SIZE = 16;

  private final OpsBench bench;
  private final CudaOps ops;

  AttentionCases(OpsBench bench) {
    this.bench = bench;
    this.ops = bench.ops;
  }

  void run() {
    prefill(true);
    prefill(false);
    for (int batch : new int[] {1, 32}) {
      for (int context : new int[] {1024, 4096, 16384, 32768}) {
        decode(batch, context);
      }
    }
  }

  private void prefill(boolean causal) {
    int b = 4, h = HEADS, s = 4096, d = HEAD_DIM;
    String key = "sdpa_" + (causal ? "causal" : "full") + "_b4_h32_s4096_d128";
    float scale = (float) (1 / Math.sqrt(d));
    bench.attempt(
        "attention prefill bf16 " + (causal ? "causal" : "full"),
        "B4 H32 S4096 D128",
        key,
        () -> {
          try (Tensor q = ops.empty(DType.BF16, b, s, h, d);
              Tensor k = ops.empty(DType.BF16, b, s, h, d);
              Tensor v = ops.empty(DType.BF16, b, s, h, d);
              Tensor out = ops.empty(DType.BF16, b, s, h, d)) {
            ops.fill(q, 0.02f);
            ops.fill(k, -0.03f);
            ops.fill(v, 0.5f);
            double flops = 4.0 * b * h * (double) s * s * d * (causal ? 0.5 : 1.0);
            return OpsBench.Measured.flops(
                bench.medianMicros(rep -> ops.attentionPrefill(out, q, k, v, scale, causal)),
                flops);
          }
        });
  }

  /**
   * One decode step over full contexts. Several block tables point at disjoint parts of one large
   * cache and the repetitions rotate through them, so that small caches are read from memory, not
   * from what the previous repetition left in L2.
   */
  void decode(int batch, int context) {
    int blocksPerSeq = context / BLOCK_SIZE;
    long blockBytes = (long) BLOCK_SIZE * KV_HEADS * HEAD_DIM * 2;
    double cacheBytesRead = 2.0 * batch * blocksPerSeq * blockBytes; // K and V
    int sets =
        (int)
            Math.max(1, Math.min(64, Math.ceil(2.0 * bench.port.l2CacheBytes() / cacheBytesRead)));
    float scale = (float) (1 / Math.sqrt(HEAD_DIM));
    bench.attempt(
        "paged decode attention bf16",
        "B" + batch + " ctx " + context,
        null,
        () -> {
          int numBlocks = sets * batch * blocksPerSeq;
          List<Tensor> owned = new ArrayList<>();
          try {
            Tensor kCache =
                own(owned, ops.empty(DType.BF16, numBlocks, BLOCK_SIZE, KV_HEADS, HEAD_DIM));
            Tensor vCache =
                own(owned, ops.empty(DType.BF16, numBlocks, BLOCK_SIZE, KV_HEADS, HEAD_DIM));
            ops.fill(kCache, 0.01f);
            ops.fill(vCache, 0.5f);
            Tensor[] tables = new Tensor[sets];
            Random shuffle = new Random(batch * 31L + context);
            for (int set = 0; set < sets; set++) {
              tables[set] =
                  own(
                      owned,
                      ops.upload(
                          Tensor.fromInts(
                              shuffledBlocks(
                                  set * batch * blocksPerSeq, batch * blocksPerSeq, shuffle),
                              batch,
                              blocksPerSeq)));
            }
            int[] lengths = new int[batch];
            java.util.Arrays.fill(lengths, context);
            Tensor lens = own(owned, ops.upload(Tensor.fromInts(lengths, batch)));
            Tensor q = own(owned, ops.empty(DType.BF16, batch, HEADS, HEAD_DIM));
            Tensor out = own(owned, ops.empty(DType.BF16, batch, HEADS, HEAD_DIM));
            ops.fill(q, 0.02f);
            double bytes =
                cacheBytesRead
                    + 2.0 * batch * HEADS * HEAD_DIM * 2
                    + 4.0 * batch * (blocksPerSeq + 1);
            return OpsBench.Measured.bytes(
                bench.medianMicros(
                    rep ->
                        ops.attentionDecode(
                            out, q, kCache, vCache, tables[rep % sets], lens, scale)),
                bytes);
          } finally {
            owned.forEach(Tensor::close);
          }
        });
  }

  private static Tensor own(List<Tensor> owned, Tensor t) {
    owned.add(t);
    return t;
  }

  /**
   * Block ids {@code first .. first + count - 1} in random order, as a long-running cache hands
   * them out.
   */
  private static int[] shuffledBlocks(int first, int count, Random random) {
    List<Integer> ids = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      ids.add(first + i);
    }
    Collections.shuffle(ids, random);
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }
}
