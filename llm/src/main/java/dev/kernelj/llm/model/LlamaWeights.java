package dev.kernelj.llm.model;

import dev.kernelj.ops.LinearWeight;
import dev.kernelj.ops.Tensor;
import java.util.List;
import java.util.stream.Stream;

/**
 * All weights of a Llama-family model in the backend's memory, uploaded once.
 *
 * @param embedding {@code embed_tokens [vocab, hidden]}
 * @param layers one entry per decoder layer
 * @param finalNorm {@code model.norm.weight [hidden]}
 * @param lmHead {@code lm_head [vocab, hidden]}; the same tensor as {@code embedding} when the
 *     model ties them (Llama 3.2 1B/3B, small Qwen2)
 */
public record LlamaWeights(
    Tensor embedding, List<LayerWeights> layers, Tensor finalNorm, Tensor lmHead)
    implements AutoCloseable {
  public LlamaWeights {
    layers = List.copyOf(layers);
  }

  /** Whether the LM head is the embedding matrix. */
  public boolean tied() {
    return lmHead == embedding;
  }

  /** Bytes the weights take in the backend's memory. */
  public long bytes() {
    return all().mapToLong(t -> t.numel() * t.dtype().byteSize()).sum()
        + layers.stream().flatMap(LayerWeights::projections).mapToLong(LinearWeight::bytes).sum();
  }

  /** Every layer's projections (q/k/v, o, gate/up, down), as the forward pass runs them. */
  public List<LinearWeight> projections() {
    return layers.stream().flatMap(LayerWeights::projections).toList();
  }

  /**
   * Every weight {@link LlamaModel}'s forward pass multiplies by: the projections, and the q/k/v
   * row blocks of the fused weight that a prompt's prefill runs one by one (views: their plans, and
   * so the scratch they need, can differ from the fused weight's).
   */
  public List<LinearWeight> multipliedByLlamaModel() {
    return layers.stream().flatMap(LayerWeights::multiplied).toList();
  }

  private Stream<Tensor> all() {
    Stream<Tensor> head =
        tied() ? Stream.of(embedding, finalNorm) : Stream.of(embedding, finalNorm, lmHead);
    return Stream.concat(head, layers.stream().flatMap(LayerWeights::tensors));
  }

  /** Frees the device memory of every weight. */
  @Override
  public void close() {
    all().forEach(Tensor::close);
    layers.stream().flatMap(LayerWeights::projections).forEach(LinearWeight::close);
  }
}
