package dev.kernelj.llm.model;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.ops.LinearWeight;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.RopeConfig;
import dev.kernelj.ops.Tensor;

/**
 * The forward pass of the Llama family (Llama 2/3, Mistral, Qwen2, Qwen3), written once against
 * {@link Ops} so that it runs on the CUDA backend and on the Java reference backend. It computes
 * what Hugging Face's {@code LlamaForCausalLM} computes: pre-norm decoder layers of grouped-query
 * attention with RoPE and a SwiGLU MLP, a final RMSNorm and the LM head; for Qwen3 each head of q
 * and of k is RMS-normed before RoPE.
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
   * One decode step of {@code s.sequences()} sequences, one token each: {@code
   * s.tokenIds/positions/slots} per sequence, {@code s.blockTables} and {@code s.contextLens} (the
   * new token included) describe what each sequence has in the cache; {@code s.logits [B, vocab]}
   * gets the next-token logits.
   */
  public void decode(StepBuffers s, PagedKvCache cache) {
    forward(s, cache, false);
  }

  private void forward(StepBuffers s, PagedKvCache cache, boolean prefill) {
    ops.embedding(s.x, weights.embedding(), s.tokenIds); // x [T, hidden]
    for (int l = 0; l < config.numLayers(); l++) {
      LayerWeights w = weights.layers().get(l);

      // ---- attention block: x += o_proj(attention(rope(q), rope(k), v)) of rmsNorm(x)
      if (prefill) {
        prefillAttention(s, cache, l, w); // attn [T, heads * headDim]
      } else {
        decodeAttention(s, cache, l, w); // attn [B, heads * headDim]
      }
      ops.linear(s.o, s.attn, w.wo()); // o [T, hidden]

      // ---- MLP block: x += down(silu(gate) * up) on h = rmsNorm(x + o)
      ops.rmsNormResidual(s.h, s.x, s.o, w.mlpNorm(), eps); // x += o; h [T, hidden]
      ops.linear(s.gateUp, s.h, w.wGateUp()); // [gate | up] [T, 2 * intermediate]
      ops.swiglu(s.act, s.gate, s.up); // act [T, intermediate]
      ops.linear(s.o, s.act, w.wDown()); // o [T, hidden]: added into x by the next norm
    }
    ops.residualAdd(s.x, s.o); // x [T, hidden]: the last layer's MLP output

    // ---- head: logits of every row, or only of the last token of a prefill
    int tokens = s.tokens();
    Tensor rows = s.logitRows() == tokens ? s.x : s.x.slice(0, tokens - 1, tokens); // [L, hidden]
    ops.rmsNorm(s.hLogits, rows, weights.finalNorm(), eps); // hLogits [L, hidden]
    ops.matmul(s.logits, s.hLogits, weights.lmHead()); // logits F32 [L, vocab]
  }

  /**
   * {@code h = rmsNorm(x)} before layer {@code l}'s attention. From the second layer on, the
   * previous layer's MLP output {@code o} is added into {@code x} first, by the same launch (the
   * residual add folded into the norm: one kernel a layer less); after the last layer the forward
   * pass adds it by itself. Both round {@code x + o} once to the activation dtype, so the bits are
   * those of a separate add.
   */
  private void attentionNorm(Tensor h, Tensor x, Tensor o, int l, LayerWeights w) {
    if (l == 0) {
      ops.rmsNorm(h, x, w.attentionNorm(), eps);
    } else {
      ops.rmsNormResidual(h, x, o, w.attentionNorm(), eps);
    }
  }

  /**
   * Layer {@code l}'s q, roped, into {@code q} [rows, heads * headDim], and its k and v, k roped,
   * written at the rows' {@code slots} of the cache, for rows that attend through the cache: the
   * block's norm ({@link #attentionNorm}), then the fused q/k/v projection into {@code qkv} and
   * {@code ropeKvAppend}. Qwen3 takes the three projections instead, as {@code ropeKvAppend} has no
   * room for its head norms: each head of q and k RMS-normed, RoPE on both, K/V written at the
   * slots; k and v borrow the storage of {@code qkv}, unused on that path.
   */
  private void qkvIntoCache(
      Tensor q,
      Tensor qkv,
      int rows,
      int l,
      LayerWeights w,
      Tensor positions,
      Tensor slots,
      PagedKvCache cache,
      Tensor h,
      Tensor x,
      Tensor o) {
    int heads = config.numHeads();
    int kvHeads = config.numKvHeads();
    int headDim = config.headDim();
    attentionNorm(h, x, o, l, w); // h [rows, hidden]
    if (w.qNorm() == null) {
      linear(qkv, h, w.wqkv(), w.bqkv()); // qkv [rows, (heads + 2 kvHeads) * headDim]
      ops.ropeKvAppend(
          q.view(rows, heads, headDim),
          cache.keys(l),
          cache.values(l),
          qkv.view(rows, heads + 2 * kvHeads, headDim),
          positions,
          slots,
          rope); // q roped; cache[slot] = k, v
      return;
    }
    int kvDim = kvHeads * headDim;
    Tensor flat = qkv.view((int) qkv.numel());
    Tensor k = flat.slice(0, 0, rows * kvDim).view(rows, kvDim);
    Tensor v = flat.slice(0, rows * kvDim, 2 * rows * kvDim).view(rows, kvDim);
    linear(q, h, w.wq(), w.bq());
    linear(k, h, w.wk(), w.bk());
    linear(v, h, w.wv(), w.bv());
    headNorms(q, k, rows, w);
    ops.rope(q.view(rows, heads, headDim), positions, rope);
    ops.rope(k.view(rows, kvHeads, headDim), positions, rope);
    ops.kvAppend(
        cache.keys(l),
        cache.values(l),
        k.view(rows, kvHeads, headDim),
        v.view(rows, kvHeads, headDim),
        slots);
  }

  /**
   * A fresh sequence's prompt: q, k, v by three projections (the fused weight's row blocks), RoPE,
   * K/V into the cache, and causal attention over the prompt's own k and v.
   */
  private void prefillAttention(StepBuffers s, PagedKvCache cache, int l, LayerWeights w) {
    int tokens = s.tokens();
    int heads = config.numHeads();
    int kvHeads = config.numKvHeads();
    int headDim = config.headDim();
    attentionNorm(s.h, s.x, s.o, l, w); // h [T, hidden]
    linear(s.q, s.h, w.wq(), w.bq()); // q [T, heads * headDim]
    linear(s.k, s.h, w.wk(), w.bk()); // k [T, kvHeads * headDim]
    linear(s.v, s.h, w.wv(), w.bv()); // v [T, kvHeads * headDim]
    headNorms(s.q, s.k, tokens, w); // Qwen3: each head of q and k RMS-normed
    Tensor q = s.q.view(tokens, heads, headDim); // q [T, heads, headDim]
    Tensor k = s.k.view(tokens, kvHeads, headDim); // k [T, kvHeads, headDim]
    Tensor v = s.v.view(tokens, kvHeads, headDim); // v [T, kvHeads, headDim]
    ops.rope(q, s.positions, rope);
    ops.rope(k, s.positions, rope);
    ops.kvAppend(cache.keys(l), cache.values(l), k, v, s.slots); // cache[slot] = k, v
    ops.attentionPrefill(
        s.attn.view(1, tokens, heads, headDim),
        q.view(1, tokens, heads, headDim),
        k.view(1, tokens, kvHeads, headDim),
        v.view(1, tokens, kvHeads, headDim),
        attentionScale,
        true,
        config.slidingWindow());
  }

  /**
   * One new token per sequence: q, k, v by one projection (the fused weight), RoPE and the cache
   * write in one op ({@link #qkvIntoCache}), then attention over each sequence's cached keys and
   * values. Few launches: this runs once per layer in every decode step.
   */
  private void decodeAttention(StepBuffers s, PagedKvCache cache, int l, LayerWeights w) {
    int batch = s.tokens();
    int heads = config.numHeads();
    int headDim = config.headDim();
    qkvIntoCache(s.q, s.qkv, batch, l, w, s.positions, s.slots, cache, s.h, s.x, s.o);
    Tensor q = s.q.view(batch, heads, headDim);
    ops.attentionDecode(
        s.attn.view(batch, heads, headDim),
        q, // attn [B, heads, headDim]
        cache.keys(l),
        cache.values(l),
        s.blockTables,
        s.contextLens,
        attentionScale,
        config.slidingWindow());
  }

  /**
   * One mixed step of continuous batching: {@code b.tokens()} rows from many sequences. Rows {@code
   * 0 .. b.decodeRows() - 1} feed one token each and attend through the paged cache; each prefill
   * chunk after them feeds several tokens of one sequence and attends causally to its cached prefix
   * and to itself. Every row gets q/k/v from the fused projection, RoPE at its own position and its
   * K/V written at its slot, as in {@link #decode}; {@code s.logits[0, b.logitRows())} gets the
   * logits of the rows {@code b} marked, in its order. {@code s} comes from {@link
   * StepBuffers#forMixed} with {@code b.packed()} already in {@code s.inputs}. The row count
   * changes from step to step, so mixed steps run eagerly.
   */
  public void forwardMixed(StepBuffers s, PagedKvCache cache, MixedBatch b) {
    int t = b.tokens();
    int heads = config.numHeads();
    int headDim = config.headDim();
    int inter = config.intermediateSize();
    Tensor in = s.inputs;
    Tensor ids = in.slice(0, 0, t); // I32 [T]
    Tensor positions = in.slice(0, b.positionsAt(), b.positionsAt() + t); // I32 [T]
    Tensor slots = in.slice(0, b.slotsAt(), b.slotsAt() + t); // I32 [T]
    Tensor tables = in.slice(0, b.tablesAt(), b.lensAt()).view(b.sequences(), b.width()); // [S, W]
    Tensor lens = in.slice(0, b.lensAt(), b.logitsAt()); // I32 [S]
    Tensor x = s.x.slice(0, 0, t); // [T, hidden]
    Tensor h = s.h.slice(0, 0, t); // [T, hidden]
    Tensor qkv = s.qkv.slice(0, 0, t); // [T, (heads + 2 kvHeads) * headDim]
    Tensor q = s.q.slice(0, 0, t); // [T, heads * headDim]
    Tensor attn = s.attn.slice(0, 0, t); // [T, heads * headDim]
    Tensor o = s.o.slice(0, 0, t); // [T, hidden]
    Tensor gateUp = s.gateUp.slice(0, 0, t); // [T, 2 * intermediate]
    Tensor act = s.act.slice(0, 0, t); // [T, intermediate]
    int d = b.decodeRows();
    ops.embedding(x, weights.embedding(), ids);
    for (int l = 0; l < config.numLayers(); l++) {
      LayerWeights w = weights.layers().get(l);
      qkvIntoCache(q, qkv, t, l, w, positions, slots, cache, h, x, o);
      Tensor q3 = q.view(t, heads, headDim);
      if (d > 0) {
        ops.attentionDecode(
            attn.view(t, heads, headDim).slice(0, 0, d),
            q3.slice(0, 0, d),
            cache.keys(l),
            cache.values(l),
            tables.slice(0, 0, d),
            lens.slice(0, 0, d),
            attentionScale,
            config.slidingWindow());
      }
      for (int c = 0; c < b.chunks(); c++) {
        chunkAttention(s, cache, l, b, c, q, attn, tables);
      }
      ops.linear(o, attn, w.wo());
      ops.rmsNormResidual(h, x, o, w.mlpNorm(), eps);
      ops.linear(gateUp, h, w.wGateUp());
      ops.swiglu(act, gateUp.slice(1, 0, inter), gateUp.slice(1, inter, 2 * inter));
      ops.linear(o, act, w.wDown()); // added into x by the next norm
    }
    ops.residualAdd(x, o);
    int rows = b.logitRows();
    if (rows > 0) {
      Tensor picked = s.hLogits.slice(0, 0, rows); // [L, hidden]: the sampled rows, gathered
      ops.embedding(picked, x, in.slice(0, b.logitsAt(), b.logitsAt() + rows));
      ops.rmsNorm(picked, picked, weights.finalNorm(), eps);
      ops.matmul(s.logits.slice(0, 0, rows), picked, weights.lmHead()); // F32 [L, vocab]
    }
  }

  /**
   * Attention of prefill chunk {@code c}: its cached K/V (prefix and the chunk itself, just
   * written) gathered block by block into contiguous rows (an embedding lookup is a row gather: the
   * cache is a table of blocks, the block-table row the ids), then causal prefill attention, whose
   * bottom-right diagonal lets chunk row i see the prefix and chunk rows up to i.
   */
  private void chunkAttention(
      StepBuffers s,
      PagedKvCache cache,
      int l,
      MixedBatch b,
      int c,
      Tensor q,
      Tensor attn,
      Tensor tables) {
    int first = b.chunkFirstRow(c);
    int rows = b.chunkRows(c);
    int context = b.chunkContext(c);
    int heads = config.numHeads();
    int kvHeads = config.numKvHeads();
    int headDim = config.headDim();
    int bs = cache.blockSize();
    int blocks = (context + bs - 1) / bs;
    int blockWidth = bs * kvHeads * headDim;
    Tensor blockIds = tables.select(0, b.chunkSequence(c)).slice(0, 0, blocks); // I32 [blocks]
    ops.embedding(
        s.kGather.slice(0, 0, blocks * bs).view(blocks, blockWidth),
        cache.keys(l).view(cache.numBlocks(), blockWidth),
        blockIds);
    ops.embedding(
        s.vGather.slice(0, 0, blocks * bs).view(blocks, blockWidth),
        cache.values(l).view(cache.numBlocks(), blockWidth),
        blockIds);
    ops.attentionPrefill(
        attn.slice(0, first, first + rows).view(1, rows, heads, headDim),
        q.slice(0, first, first + rows).view(1, rows, heads, headDim),
        s.kGather.slice(0, 0, context).view(1, context, kvHeads, headDim),
        s.vGather.slice(0, 0, context).view(1, context, kvHeads, headDim),
        attentionScale,
        true,
        config.slidingWindow());
  }

  /** Qwen3: an RMSNorm over each head of q [rows, heads * headDim] and of k, before RoPE. */
  private void headNorms(Tensor q, Tensor k, int rows, LayerWeights w) {
    if (w.qNorm() == null) {
      return;
    }
    Tensor qHeads = q.view(rows * config.numHeads(), config.headDim());
    ops.rmsNorm(qHeads, qHeads, w.qNorm(), eps);
    Tensor kHeads = k.view(rows * config.numKvHeads(), config.headDim());
    ops.rmsNorm(kHeads, kHeads, w.kNorm(), eps);
  }

  /**
   * {@code out = x . w^T (+ bias)}, by the kernel of w's type (dense or quantized); the bias, where
   * the projection has one (Qwen2's q/k/v), added row by row.
   */
  private void linear(Tensor out, Tensor x, LinearWeight w, Tensor bias) {
    ops.linear(out, x, w);
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
