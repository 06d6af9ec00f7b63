package dev.kernelj.llm.model;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.ops.RopeConfig;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.backend.Ops;

/**
 * The forward pass of the Llama family (Llama 2/3, Mistral, Qwen2), written once against
 * {@link Ops} so that it runs on the CUDA backend and on the Java reference backend. It computes
 * what Hugging Face's {@code LlamaForCausalLM} computes: pre-norm decoder layers of grouped-query
 * attention with RoPE and a SwiGLU MLP, a final RMSNorm and the LM head.
 *
 * <p>The model owns no per-step memory: every buffer lives in the {@link StepBuffers} passed in,
 * and K/V go to a {@link PagedKvCache}. So a decode step queues the same kernels on the same
 * addresses every time and can be captured once as a CUDA graph.
 */
public final class LlamaModel implements AutoCloseable {
    private final ModelConfig config;
    private final Ops ops;
    private final LlamaWeights weights;
    private final DType activation;
    private final RopeConfig rope;
    private final float eps;
    private final float attentionScale;

    /**
     * @param activation dtype of activations and of the KV cache. The CUDA attention kernels take
     *     bf16 and head dims 64 or 128 only (the engine checks that before it loads weights); the
     *     reference backend takes any floating dtype and head dim
     */
    public LlamaModel(ModelConfig config, Ops ops, LlamaWeights weights, DType activation) {
        this.config = config;
        this.ops = ops;
        this.weights = weights;
        this.activation = activation;
        this.rope = RopeSettings.of(config);
        this.eps = (float) config.rmsNormEps();
        this.attentionScale = (float) (1.0 / Math.sqrt(config.headDim()));
    }

    public ModelConfig config() {
        return config;
    }

    public Ops ops() {
        return ops;
    }

    public LlamaWeights weights() {
        return weights;
    }

    /** Dtype of activations and of the KV cache. */
    public DType activation() {
        return activation;
    }

    /**
     * Prefills one sequence: {@code s.tokenIds/positions/slots} hold its new tokens (a fresh
     * sequence: positions 0..T-1), their K/V go into the cache, and {@code s.logits} gets the logits
     * of every position or of the last one (as {@code s} was made).
     */
    public void prefill(StepBuffers s, PagedKvCache cache) {
        forward(s, cache, true);
    }

    /**
     * One decode step of {@code s.sequences()} sequences, one token each: {@code s.tokenIds/positions/slots}
     * per sequence, {@code s.blockTables} and {@code s.contextLens} (the new token included) describe
     * what each sequence has in the cache; {@code s.logits [B, vocab]} gets the next-token logits.
     */
    public void decode(StepBuffers s, PagedKvCache cache) {
        forward(s, cache, false);
    }

    private void forward(StepBuffers s, PagedKvCache cache, boolean prefill) {
        int tokens = s.tokens();
        int heads = config.numHeads();
        int kvHeads = config.numKvHeads();
        int headDim = config.headDim();

        ops.embedding(s.x, weights.embedding(), s.tokenIds);                  // x [T, hidden]
        for (int l = 0; l < config.numLayers(); l++) {
            LayerWeights w = weights.layers().get(l);

            // ---- attention block: x += o_proj(attention(rope(q), rope(k), v)) on rmsNorm(x)
            ops.rmsNorm(s.h, s.x, w.attentionNorm(), eps);                    // h [T, hidden]
            linear(s.q, s.h, w.wq(), w.bq());                                 // q [T, heads * headDim]
            linear(s.k, s.h, w.wk(), w.bk());                                 // k [T, kvHeads * headDim]
            linear(s.v, s.h, w.wv(), w.bv());                                 // v [T, kvHeads * headDim]
            Tensor q = s.q.view(tokens, heads, headDim);                      // q [T, heads, headDim]
            Tensor k = s.k.view(tokens, kvHeads, headDim);                    // k [T, kvHeads, headDim]
            Tensor v = s.v.view(tokens, kvHeads, headDim);                    // v [T, kvHeads, headDim]
            ops.rope(q, s.positions, rope);
            ops.rope(k, s.positions, rope);
            ops.kvAppend(cache.keys(l), cache.values(l), k, v, s.slots);       // cache[slot] = k, v
            if (prefill) {
                // A fresh sequence attends only to its own tokens: use k, v directly (causal).
                ops.attentionPrefill(s.attn.view(1, tokens, heads, headDim),  // attn [1, T, heads, headDim]
                        s.q.view(1, tokens, heads, headDim), s.k.view(1, tokens, kvHeads, headDim),
                        s.v.view(1, tokens, kvHeads, headDim), attentionScale, true);
            } else {
                ops.attentionDecode(s.attn.view(tokens, heads, headDim), q,   // attn [B, heads, headDim]
                        cache.keys(l), cache.values(l), s.blockTables, s.contextLens, attentionScale);
            }
            ops.matmul(s.o, s.attn, w.wo());                                  // o [T, hidden]

            // ---- MLP block: x += down(silu(gate(h)) * up(h)) on h = rmsNorm(x + o)
            ops.rmsNormResidual(s.h, s.x, s.o, w.mlpNorm(), eps);             // x += o; h [T, hidden]
            ops.matmul(s.gate, s.h, w.wGate());                               // gate [T, intermediate]
            ops.matmul(s.up, s.h, w.wUp());                                   // up [T, intermediate]
            ops.swiglu(s.act, s.gate, s.up);                                  // act [T, intermediate]
            ops.matmul(s.o, s.act, w.wDown());                                // o [T, hidden]
            ops.residualAdd(s.x, s.o);                                        // x [T, hidden]
        }

        // ---- head: logits of every row, or only of the last token of a prefill
        Tensor rows = s.logitRows() == tokens ? s.x : s.x.slice(0, tokens - 1, tokens); // [L, hidden]
        ops.rmsNorm(s.hLogits, rows, weights.finalNorm(), eps);              // hLogits [L, hidden]
        ops.matmul(s.logits, s.hLogits, weights.lmHead());                    // logits F32 [L, vocab]
    }

    /** {@code out = x . w^T (+ bias)}. */
    private void linear(Tensor out, Tensor x, Tensor w, Tensor bias) {
        ops.matmul(out, x, w);
        if (bias != null) {
            ops.add(out, out, bias);
        }
    }

    /** Frees the weights. */
    @Override
    public void close() {
        weights.close();
    }
}
