package dev.kernelj.llm.model;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Every buffer one forward step touches, allocated once for a fixed number of tokens so that a
 * decode step can be captured as a CUDA graph and replayed: the inputs ({@code tokenIds} ... {@code
 * contextLens}) are rewritten in place before each replay, never reallocated. They are views of one
 * I32 block, {@link #inputs}, so that a step's inputs go up in one copy ({@link #packInputs} lays
 * them out).
 *
 * <p>Shapes: T = tokens of the step (prompt length in prefill, batch size in decode), B =
 * sequences.
 */
public final class StepBuffers implements AutoCloseable {
  /**
   * I32 [3T + B * maxBlocksPerSequence + B]: tokenIds, positions, slots, blockTables, contextLens
   * back to back.
   */
  public final Tensor inputs;

  /** I32 [T]: the token of each row. */
  public final Tensor tokenIds;

  /** I32 [T]: each token's position in its sequence. */
  public final Tensor positions;

  /** I32 [T]: cache slot each token's K/V goes to ({@code block * blockSize + offset}). */
  public final Tensor slots;

  /** I32 [B, maxBlocksPerSequence]: block table per sequence (decode only). */
  public final Tensor blockTables;

  /** I32 [B]: tokens in the cache per sequence, the new one included (decode only). */
  public final Tensor contextLens;

  /** [T, hidden]: the residual stream. */
  final Tensor x;

  /** [T, hidden]: normed input of a block. */
  final Tensor h;

  /**
   * [T, (heads + 2 * kvHeads) * headDim]: the fused q/k/v projection (decode only; null in
   * prefill).
   */
  final Tensor qkv;

  /** [T, heads * headDim]: q (roped, in decode by ropeKvAppend). */
  final Tensor q;

  /** [T, kvHeads * headDim] (prefill only; null in decode, where k goes straight to the cache). */
  final Tensor k;

  /** [T, kvHeads * headDim] (prefill only; null in decode). */
  final Tensor v;

  /** [T, heads * headDim]: attention output. */
  final Tensor attn;

  /** [T, hidden]: output of o_proj, then of down_proj. */
  final Tensor o;

  /** [T, 2 * intermediate]: the fused gate/up projection. */
  final Tensor gateUp;

  /** [T, intermediate]: the gate half of {@link #gateUp} (a strided view). */
  final Tensor gate;

  /** [T, intermediate]: the up half of {@link #gateUp} (a strided view). */
  final Tensor up;

  /** [T, intermediate]: silu(gate) * up. */
  final Tensor act;

  /** [L, hidden]: final-normed rows that get logits (L = T, or 1 for the last token only). */
  final Tensor hLogits;

  /** F32 [L, vocab]. */
  public final Tensor logits;

  /**
   * [G, kvHeads * headDim]: one sequence's cached keys gathered in token order, so that a prefill
   * chunk of a mixed step attends to its prefix with the contiguous prefill attention (mixed steps
   * only; null otherwise). G = block-table width x block size.
   */
  final Tensor kGather;

  /** [G, kvHeads * headDim]: the values gathered like {@link #kGather} (mixed steps only). */
  final Tensor vGather;

  private final int tokens;
  private final int sequences;
  private final List<Tensor> all = new ArrayList<>();

  private StepBuffers(
      Ops ops,
      ModelConfig c,
      DType act,
      int tokens,
      int sequences,
      int maxBlocksPerSequence,
      int logitRows,
      boolean decode,
      int extraInputWords,
      int gatherRows) {
    this.tokens = tokens;
    this.sequences = sequences;
    int qDim = c.numHeads() * c.headDim();
    int kvDim = c.numKvHeads() * c.headDim();
    try {
      int width = Math.max(1, maxBlocksPerSequence);
      inputs =
          add(
              ops.empty(
                  DType.I32,
                  inputWords(tokens, sequences, maxBlocksPerSequence) + extraInputWords));
      int at = 0;
      tokenIds = inputs.slice(0, at, at += tokens);
      positions = inputs.slice(0, at, at += tokens);
      slots = inputs.slice(0, at, at += tokens);
      blockTables = inputs.slice(0, at, at += sequences * width).view(sequences, width);
      contextLens = inputs.slice(0, at, at + sequences);
      x = add(ops.empty(act, tokens, c.hiddenSize()));
      h = add(ops.empty(act, tokens, c.hiddenSize()));
      qkv = decode ? add(ops.empty(act, tokens, qDim + 2 * kvDim)) : null;
      q = add(ops.empty(act, tokens, qDim));
      k = decode ? null : add(ops.empty(act, tokens, kvDim));
      v = decode ? null : add(ops.empty(act, tokens, kvDim));
      attn = add(ops.empty(act, tokens, qDim));
      o = add(ops.empty(act, tokens, c.hiddenSize()));
      int inter = c.intermediateSize();
      gateUp = add(ops.empty(act, tokens, 2 * inter));
      gate = gateUp.slice(1, 0, inter);
      up = gateUp.slice(1, inter, 2 * inter);
      this.act = add(ops.empty(act, tokens, c.intermediateSize()));
      hLogits = add(ops.empty(act, logitRows, c.hiddenSize()));
      logits = add(ops.empty(DType.F32, logitRows, c.vocabSize()));
      kGather = gatherRows > 0 ? add(ops.empty(act, gatherRows, kvDim)) : null;
      vGather = gatherRows > 0 ? add(ops.empty(act, gatherRows, kvDim)) : null;
    } catch (RuntimeException | Error e) {
      close();
      throw e;
    }
  }

  /**
   * Buffers for prefilling one sequence of {@code tokens}; logits for every position or only the
   * last.
   */
  public static StepBuffers forPrefill(
      Ops ops, ModelConfig config, DType activation, int tokens, boolean allLogits) {
    return new StepBuffers(
        ops, config, activation, tokens, 1, 1, allLogits ? tokens : 1, false, 0, 0);
  }

  /** Buffers for a decode step of {@code batch} sequences, one token each. */
  public static StepBuffers forDecode(
      Ops ops, ModelConfig config, DType activation, int batch, int maxBlocksPerSequence) {
    return new StepBuffers(
        ops, config, activation, batch, batch, maxBlocksPerSequence, batch, true, 0, 0);
  }

  /**
   * Buffers for mixed steps of up to {@code maxTokens} rows and {@code maxSequences} sequences (see
   * {@link MixedBatch}, whose packed inputs {@link #inputs} holds): the activations of every row,
   * logits for one row per sequence, and room to gather one sequence's whole cached K/V.
   */
  public static StepBuffers forMixed(
      Ops ops,
      ModelConfig config,
      DType activation,
      int maxTokens,
      int maxSequences,
      int width,
      int blockSize) {
    return new StepBuffers(
        ops,
        config,
        activation,
        maxTokens,
        maxSequences,
        width,
        maxSequences,
        true,
        maxSequences,
        width * blockSize);
  }

  /** Bytes of device memory {@link #forMixed} takes (for sizing the KV cache). */
  public static long mixedBytes(
      ModelConfig c, DType activation, int maxTokens, int maxSequences, int width, int blockSize) {
    long a = activation.byteSize();
    long kvDim = (long) c.numKvHeads() * c.headDim();
    long perToken =
        (3L * c.hiddenSize()
                    + 3L * c.numHeads() * c.headDim()
                    + 2L * kvDim
                    + 3L * c.intermediateSize())
                * a
            + 12;
    long perSequence = c.hiddenSize() * a + 4L * c.vocabSize() + 4L * (width + 2);
    return maxTokens * perToken + maxSequences * perSequence + 2L * width * blockSize * kvDim * a;
  }

  /** Bytes of device memory a decode step's buffers take (for sizing the KV cache). */
  public static long decodeBytes(
      ModelConfig c, DType activation, int batch, int maxBlocksPerSequence) {
    // x, h, o, hLogits; q, attn, qkv; gate/up, act; f32 logits; inputs
    long perToken =
        (4L * c.hiddenSize()
                    + 3L * c.numHeads() * c.headDim()
                    + 2L * c.numKvHeads() * c.headDim()
                    + 3L * c.intermediateSize())
                * activation.byteSize()
            + 4L * c.vocabSize()
            + 16;
    return batch * perToken + 4L * batch * (maxBlocksPerSequence + 1);
  }

  /**
   * Elements of {@link #inputs} for a step of {@code tokens} tokens and {@code sequences}
   * sequences.
   */
  public static int inputWords(int tokens, int sequences, int maxBlocksPerSequence) {
    return 3 * tokens + sequences * (Math.max(1, maxBlocksPerSequence) + 1);
  }

  /**
   * The step inputs laid out as {@link #inputs} holds them, for one copy: {@code ids}, {@code
   * positions} and {@code slots} of length {@link #tokens()}; {@code blockTables} ({@code [B,
   * width]} row-major) and {@code contextLens} ({@code [B]}) or null where the step does not read
   * them (prefill), which leaves zeros.
   */
  public int[] packInputs(
      int[] ids, int[] positions, int[] slots, int[] blockTables, int[] contextLens) {
    int t = tokens;
    int tableSize = (int) this.blockTables.numel();
    requireLength("ids", ids, t);
    requireLength("positions", positions, t);
    requireLength("slots", slots, t);
    int[] packed = new int[(int) inputs.numel()];
    System.arraycopy(ids, 0, packed, 0, t);
    System.arraycopy(positions, 0, packed, t, t);
    System.arraycopy(slots, 0, packed, 2 * t, t);
    if (blockTables != null) {
      requireLength("blockTables", blockTables, tableSize);
      System.arraycopy(blockTables, 0, packed, 3 * t, tableSize);
    }
    if (contextLens != null) {
      requireLength("contextLens", contextLens, sequences);
      System.arraycopy(contextLens, 0, packed, 3 * t + tableSize, sequences);
    }
    return packed;
  }

  private static void requireLength(String what, int[] values, int expected) {
    if (values.length != expected) {
      throw new IllegalArgumentException(
          "step input "
              + what
              + " has "
              + values.length
              + " values; this step's buffers take "
              + expected);
    }
  }

  public int tokens() {
    return tokens;
  }

  public int sequences() {
    return sequences;
  }

  /** Rows of {@link #logits}. */
  public int logitRows() {
    return logits.dim(0);
  }

  private Tensor add(Tensor t) {
    all.add(t);
    return t;
  }

  @Override
  public void close() {
    all.forEach(Tensor::close);
    all.clear();
  }
}
