package dev.kernelj.llm.model;

import dev.kernelj.ops.Tensor;
import java.util.stream.Stream;

/**
 * The weights of one decoder layer, in the backend's memory. Linear weights are row-major
 * {@code [out_features, in_features]} as Hugging Face stores them; biases are null where the
 * family has none (only Qwen2 has q/k/v biases).
 *
 * @param attentionNorm {@code input_layernorm.weight [hidden]}
 * @param wq {@code q_proj [heads * headDim, hidden]}
 * @param wk {@code k_proj [kvHeads * headDim, hidden]}
 * @param wv {@code v_proj [kvHeads * headDim, hidden]}
 * @param bq {@code q_proj.bias [heads * headDim]} or null
 * @param bk {@code k_proj.bias [kvHeads * headDim]} or null
 * @param bv {@code v_proj.bias [kvHeads * headDim]} or null
 * @param wo {@code o_proj [hidden, heads * headDim]}
 * @param mlpNorm {@code post_attention_layernorm.weight [hidden]}
 * @param wGate {@code gate_proj [intermediate, hidden]}
 * @param wUp {@code up_proj [intermediate, hidden]}
 * @param wDown {@code down_proj [hidden, intermediate]}
 */
public record LayerWeights(Tensor attentionNorm, Tensor wq, Tensor wk, Tensor wv, Tensor bq, Tensor bk, Tensor bv,
                           Tensor wo, Tensor mlpNorm, Tensor wGate, Tensor wUp, Tensor wDown) {
    /** Every non-null tensor, for closing and byte counts. */
    Stream<Tensor> tensors() {
        return Stream.of(attentionNorm, wq, wk, wv, bq, bk, bv, wo, mlpNorm, wGate, wUp, wDown).filter(t -> t != null);
    }
}
