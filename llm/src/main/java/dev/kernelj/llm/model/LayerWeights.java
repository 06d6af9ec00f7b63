package dev.kernelj.llm.model;

import dev.kernelj.ops.LinearWeight;
import dev.kernelj.ops.Tensor;
import java.util.stream.Stream;

/**
 * The weights of one decoder layer, in the backend's memory. Linear weights are row-major {@code
 * [out_features, in_features]} as Hugging Face stores them. The projections that read the same
 * input are stored fused, one tensor each, so that a decode step reads them with one matmul: q, k
 * and v rows in {@link #wqkv()}, gate and up rows in {@link #wGateUp()}. The unfused accessors
 * ({@link #wq()}, {@link #wGate()}, ...) are row ranges of the fused tensors: views that copy
 * nothing and are never closed on their own. A projection is a {@link LinearWeight}: a dense
 * tensor, or a quantized matrix (GPTQ/AWQ checkpoints), which {@code Ops.linear} multiplies with
 * the kernel of its type.
 */
public final class LayerWeights {
  private final Tensor attentionNorm;
  private final LinearWeight wqkv;
  private final Tensor bqkv;
  private final LinearWeight wo;
  private final Tensor mlpNorm;
  private final LinearWeight wGateUp;
  private final LinearWeight wDown;
  private final LinearWeight wq;
  private final LinearWeight wk;
  private final LinearWeight wv;
  private final Tensor bq;
  private final Tensor bk;
  private final Tensor bv;
  private final LinearWeight wGate;
  private final LinearWeight wUp;
  private final Tensor qNorm;
  private final Tensor kNorm;

  /**
   * @param attentionNorm {@code input_layernorm.weight [hidden]}
   * @param wqkv {@code [qDim + 2 * kvDim, hidden]}: q_proj rows, then k_proj rows, then v_proj rows
   * @param bqkv {@code [qDim + 2 * kvDim]} biases in the same order, or null (only Qwen2 has them)
   * @param qDim {@code heads * headDim}
   * @param kvDim {@code kvHeads * headDim}
   * @param wo {@code o_proj [hidden, qDim]}
   * @param mlpNorm {@code post_attention_layernorm.weight [hidden]}
   * @param wGateUp {@code [2 * intermediate, hidden]}: gate_proj rows, then up_proj rows
   * @param wDown {@code down_proj [hidden, intermediate]}
   */
  public LayerWeights(
      Tensor attentionNorm,
      LinearWeight wqkv,
      Tensor bqkv,
      int qDim,
      int kvDim,
      LinearWeight wo,
      Tensor mlpNorm,
      LinearWeight wGateUp,
      LinearWeight wDown) {
    this(attentionNorm, wqkv, bqkv, qDim, kvDim, wo, mlpNorm, wGateUp, wDown, null, null);
  }

  /**
   * A layer whose q and k heads are RMS-normed before RoPE (Qwen3).
   *
   * @param qNorm {@code self_attn.q_norm.weight [headDim]}, or null
   * @param kNorm {@code self_attn.k_norm.weight [headDim]}, or null (both or neither)
   */
  public LayerWeights(
      Tensor attentionNorm,
      LinearWeight wqkv,
      Tensor bqkv,
      int qDim,
      int kvDim,
      LinearWeight wo,
      Tensor mlpNorm,
      LinearWeight wGateUp,
      LinearWeight wDown,
      Tensor qNorm,
      Tensor kNorm) {
    if ((qNorm == null) != (kNorm == null)) {
      throw new IllegalArgumentException(
          "q_norm and k_norm come together: " + qNorm + ", " + kNorm);
    }
    this.qNorm = qNorm;
    this.kNorm = kNorm;
    int qkvRows = qDim + 2 * kvDim;
    if (qDim < 1 || kvDim < 1 || wqkv.outFeatures() != qkvRows) {
      throw new IllegalArgumentException(
          "fused wqkv "
              + wqkv
              + " must have qDim + 2 * kvDim = "
              + qDim
              + " + 2 * "
              + kvDim
              + " = "
              + qkvRows
              + " rows");
    }
    if (bqkv != null && (bqkv.rank() != 1 || bqkv.dim(0) != qkvRows)) {
      throw new IllegalArgumentException(
          "fused bqkv " + bqkv + " must be [" + qkvRows + "], like the rows of wqkv");
    }
    if (wGateUp.outFeatures() % 2 != 0) {
      throw new IllegalArgumentException(
          "fused wGateUp " + wGateUp + " must have 2 * intermediate rows");
    }
    this.attentionNorm = attentionNorm;
    this.wqkv = wqkv;
    this.bqkv = bqkv;
    this.wo = wo;
    this.mlpNorm = mlpNorm;
    this.wGateUp = wGateUp;
    this.wDown = wDown;
    this.wq = wqkv.rows(0, qDim);
    this.wk = wqkv.rows(qDim, qDim + kvDim);
    this.wv = wqkv.rows(qDim + kvDim, qkvRows);
    this.bq = bqkv == null ? null : bqkv.slice(0, 0, qDim);
    this.bk = bqkv == null ? null : bqkv.slice(0, qDim, qDim + kvDim);
    this.bv = bqkv == null ? null : bqkv.slice(0, qDim + kvDim, qkvRows);
    int intermediate = wGateUp.outFeatures() / 2;
    this.wGate = wGateUp.rows(0, intermediate);
    this.wUp = wGateUp.rows(intermediate, 2 * intermediate);
  }

  /** {@code input_layernorm.weight [hidden]}. */
  public Tensor attentionNorm() {
    return attentionNorm;
  }

  /** {@code [qDim + 2 * kvDim, hidden]}: q, k, v projections fused by rows. */
  public LinearWeight wqkv() {
    return wqkv;
  }

  /** {@code [qDim + 2 * kvDim]} q, k, v biases, or null. */
  public Tensor bqkv() {
    return bqkv;
  }

  /** {@code q_proj [heads * headDim, hidden]}: rows of {@link #wqkv()}. */
  public LinearWeight wq() {
    return wq;
  }

  /** {@code k_proj [kvHeads * headDim, hidden]}: rows of {@link #wqkv()}. */
  public LinearWeight wk() {
    return wk;
  }

  /** {@code v_proj [kvHeads * headDim, hidden]}: rows of {@link #wqkv()}. */
  public LinearWeight wv() {
    return wv;
  }

  /** {@code q_proj.bias [heads * headDim]} or null. */
  public Tensor bq() {
    return bq;
  }

  /** {@code k_proj.bias [kvHeads * headDim]} or null. */
  public Tensor bk() {
    return bk;
  }

  /** {@code v_proj.bias [kvHeads * headDim]} or null. */
  public Tensor bv() {
    return bv;
  }

  /** {@code o_proj [hidden, heads * headDim]}. */
  public LinearWeight wo() {
    return wo;
  }

  /** {@code post_attention_layernorm.weight [hidden]}. */
  public Tensor mlpNorm() {
    return mlpNorm;
  }

  /** {@code [2 * intermediate, hidden]}: gate and up projections fused by rows. */
  public LinearWeight wGateUp() {
    return wGateUp;
  }

  /** {@code gate_proj [intermediate, hidden]}: rows of {@link #wGateUp()}. */
  public LinearWeight wGate() {
    return wGate;
  }

  /** {@code up_proj [intermediate, hidden]}: rows of {@link #wGateUp()}. */
  public LinearWeight wUp() {
    return wUp;
  }

  /** {@code down_proj [hidden, intermediate]}. */
  public LinearWeight wDown() {
    return wDown;
  }

  /** {@code self_attn.q_norm.weight [headDim]}: each q head's RMSNorm weight, or null. */
  public Tensor qNorm() {
    return qNorm;
  }

  /** {@code self_attn.k_norm.weight [headDim]}: each k head's RMSNorm weight, or null. */
  public Tensor kNorm() {
    return kNorm;
  }

  /** The norm and bias tensors, for closing and byte counts. */
  Stream<Tensor> tensors() {
    return Stream.of(attentionNorm, bqkv, mlpNorm, qNorm, kNorm).filter(t -> t != null);
  }

  /** The projections that own memory (the fused ones, not their row views). */
  Stream<LinearWeight> projections() {
    return Stream.of(wqkv, wo, wGateUp, wDown);
  }

  /** The projections and the q/k/v row blocks that a prompt's prefill multiplies by. */
  Stream<LinearWeight> multiplied() {
    return Stream.of(wqkv, wq, wk, wv, wo, wGateUp, wDown);
  }
}
