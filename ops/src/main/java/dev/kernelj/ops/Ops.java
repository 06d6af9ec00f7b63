package dev.kernelj.ops;

import dev.kernelj.dsl.DType;
import java.util.List;
import java.util.Optional;

/**
 * Everything an engine needs from a backend, for both backends: the CUDA backend ({@link
 * dev.kernelj.ops.cuda.CudaOps}) and the Java reference backend ({@link
 * dev.kernelj.ops.reference.ReferenceOps}), which compute the same functions (same rounding points;
 * the reference accumulates in f64). {@link Backends} opens them.
 *
 * <ul>
 *   <li>Tensors and memory: {@link #empty}, {@link #upload}, {@link #copyFromHost}, {@link
 *       #toHost}; the budget an engine plans with, {@link #memory}.
 *   <li>The ops of a Llama-family forward pass over {@link Tensor}s, then attention over a paged KV
 *       cache, sampling and logprobs.
 *   <li>The machinery of a step: {@link #capabilities} (what the backend takes, checked before a
 *       model loads), {@link #stepIo} (inputs in, sampled ids out), {@link #tokenSampler} (per-row
 *       sampling whose settings live in fixed tensors) and {@link #captureGraph} (a step captured
 *       once and replayed).
 * </ul>
 *
 * <p>Conventions: ops write into an {@code out} tensor the caller allocated with {@link #empty};
 * {@code out} may be the same tensor as an input where an op says so. Floating ops take f32, f16 or
 * bf16, compute in f32 and round once into the output dtype. Bad input raises one {@link
 * OpArgumentException} naming the op, the argument and the shapes, before anything runs. On CUDA,
 * ops are queued on the backend's stream: {@link #toHost}, {@link #synchronize} and the reads of
 * {@link StepIo} wait for them.
 */
public interface Ops extends AutoCloseable {
  /** {@code "cuda:<device name>"} or {@code "reference"}. */
  String name();

  /** What this backend runs and how it keeps tensors. */
  Capabilities capabilities();

  // ---------------------------------------------------------------- the step machinery

  /** Free and total bytes of the memory this backend allocates from, measured now. */
  MemoryInfo memory();

  /**
   * Step I/O through this backend's memory: pinned staging on CUDA, the host arrays themselves on
   * the reference backend.
   *
   * @param capacityInts ints one step may write in all (every {@link StepIo#write} between two
   *     {@link StepIo#endStep}s)
   * @param capacityFloats elements one read may return through the pinned read-back buffer (larger
   *     reads take {@link #toHost})
   */
  StepIo stepIo(int capacityInts, int capacityFloats);

  /**
   * A sampler for up to {@code shape.capacity()} rows whose settings are written through {@code
   * io}; size {@code io} with {@link TokenSampler.Shape#stagedInts} on top of the step's own
   * inputs.
   */
  TokenSampler tokenSampler(TokenSampler.Shape shape, StepIo io);

  /**
   * Captures the ops {@code body} queues into a graph instead of running them, to be replayed by
   * {@link CapturedGraph#replay}; empty where this backend cannot capture (the reference backend,
   * which computes as it is called: then nothing runs, and the caller runs {@code body} itself each
   * time). While capturing nothing may wait for the device or allocate outside the stream's order;
   * a capture that fails for such a reason is an error, not an empty result.
   */
  Optional<CapturedGraph> captureGraph(Runnable body);

  // ---------------------------------------------------------------- memory

  /** A new tensor in this backend's memory; its contents are undefined until written. */
  Tensor empty(DType dtype, int... shape);

  /** A copy of a host tensor in this backend's memory (contiguous). */
  Tensor upload(Tensor host);

  /** A contiguous host copy of a tensor of this backend; waits for queued work. */
  Tensor toHost(Tensor tensor);

  /** Copies {@code src} into {@code dst}: same dtype and shape, both contiguous. */
  void copy(Tensor dst, Tensor src);

  /**
   * Copies raw little-endian elements of {@code dst}'s dtype, the bytes of {@code bytes} from its
   * position to its limit (heap or direct, e.g. a mapped file; the buffer is not moved), into a
   * contiguous {@code dst} of this backend, which may be a row range of a larger tensor. Exactly
   * {@code dst.numel() * dtype size} bytes are needed. Returns once {@code bytes} may be reused; on
   * CUDA the copy to the device is then queued on the stream (no widening to floats on the way).
   */
  void copyFromHost(Tensor dst, java.nio.ByteBuffer bytes);

  /**
   * Sets every element of a contiguous tensor to {@code value} (rounded to its dtype); NaN poisons.
   */
  void fill(Tensor tensor, float value);

  /** Waits until all queued work is done. */
  void synchronize();

  // ---------------------------------------------------------------- elementwise

  /**
   * {@code out = a + b}; b has a's shape or is {@code [cols]} broadcast over rows (a bias). out may
   * be a or b.
   */
  void add(Tensor out, Tensor a, Tensor b);

  /** {@code out = a * b}; broadcasting as {@link #add}. */
  void mul(Tensor out, Tensor a, Tensor b);

  /** {@code out = x * s}. */
  void scale(Tensor out, Tensor x, float s);

  /** {@code residual = residual + x}, the residual connection of a transformer block. */
  default void residualAdd(Tensor residual, Tensor x) {
    add(residual, residual, x);
  }

  /** Converts between f32, f16 and bf16 (round to nearest even); same shapes, contiguous. */
  void cast(Tensor out, Tensor in);

  // ---------------------------------------------------------------- model ops

  /**
   * {@code out[t] = table[ids[t]]}: ids I32 [tokens], table [vocab, dim], out [tokens, dim]; table
   * and out may be any of F32, F16, BF16 (converted with one rounding to out's dtype). An id
   * outside {@code [0, vocab)} gives a row of NaN.
   */
  void embedding(Tensor out, Tensor table, Tensor ids);

  /** RMSNorm over the last dim: {@code out = x / sqrt(mean(x^2) + eps) * weight}; out may be x. */
  void rmsNorm(Tensor out, Tensor x, Tensor weight, float eps);

  /** Fused residual add + RMSNorm: {@code residual += x; out = rmsNorm(residual) * weight}. */
  void rmsNormResidual(Tensor out, Tensor residual, Tensor x, Tensor weight, float eps);

  /** LayerNorm over the last dim with weight and bias [cols]; out may be x. */
  void layerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps);

  /** Softmax over the last dim with an optional prefix mask; out may be x. */
  void softmax(Tensor out, Tensor x, SoftmaxMask mask);

  /** {@code out = x * sigmoid(x)}. */
  void silu(Tensor out, Tensor x);

  /** GELU, tanh approximation ({@code gelu_pytorch_tanh}). */
  void geluTanh(Tensor out, Tensor x);

  /** GELU, exact ({@code erf}). */
  void geluErf(Tensor out, Tensor x);

  /**
   * {@code out = silu(gate) * up}; gate and up may be strided column halves of one fused output.
   */
  void swiglu(Tensor out, Tensor gate, Tensor up);

  /** RoPE in place on {@code x [tokens, heads, headDim]} at I32 {@code positions [tokens]}. */
  void rope(Tensor x, Tensor positions, RopeConfig config);

  /**
   * {@code out[..., n] = x[..., k] . w[n, k]^T} (a linear layer, weight row-major [out, in]). x is
   * rounded to w's dtype first; f32 accumulation; out F32 or w's dtype. The kernel is chosen by the
   * weight's type and the row count: on CUDA, up to {@link Capabilities#maxGemvRows} rows use the
   * GEMV kernel, more use cuBLAS; {@link Capabilities#weightDtypes} lists the weights it takes. In
   * batch-invariant mode ({@link OpsOptions#batchInvariant}) every row count takes one cuBLASLt
   * algorithm pinned per weight shape, so a row's bits do not depend on the others.
   */
  void matmul(Tensor out, Tensor x, Tensor w);

  /**
   * {@code out[..., n] = x[..., k] . W[n, k]^T} for a quantized W: {@code sum over groups g of
   * scale(g, n) * sum_{k in g} (code(n, k) - zero(g, n)) * x[k]}, f32 accumulation (f64 in the
   * reference), one rounding into out. x and out have uniformly strided rows; out is x's dtype (or
   * F32 on the reference backend). The CUDA backend takes f16/bf16 x: a mixed-input tensor-core
   * GEMM up to a measured row count, dequantization + cuBLAS above it.
   */
  void quantizedMatmul(Tensor out, Tensor x, QuantizedMatrix w);

  /**
   * A linear layer {@code out = x . W^T}: {@link #matmul} for a dense weight, {@link
   * #quantizedMatmul} for a quantized one, each part into its columns of out for a stacked one.
   */
  default void linear(Tensor out, Tensor x, LinearWeight w) {
    if (w instanceof DenseWeight dense) {
      matmul(out, x, dense.tensor());
    } else if (w instanceof QuantizedMatrix quantized) {
      quantizedMatmul(out, x, quantized);
    } else {
      int column = 0;
      for (LinearWeight part : ((StackedWeight) w).parts()) {
        linear(out.slice(-1, column, column + part.outFeatures()), x, part);
        column += part.outFeatures();
      }
    }
  }

  /**
   * Takes now the scratch memory that {@link #linear} through any of {@code weights} needs for up
   * to {@code rows} rows of x in {@code dtype} (on CUDA: a quantized weight's dequantized slice,
   * its gathered x and its split partials), so that no step allocates it later and the engine
   * counts it against its memory budget at load. Returns the bytes now held for it; 0 where a
   * backend needs none.
   */
  default long reserveLinearScratch(List<LinearWeight> weights, int rows, DType dtype) {
    return 0;
  }

  // ---------------------------------------------------------------- RoPE + KV cache (decode)

  /**
   * RoPE and the KV cache write after a fused q/k/v projection: {@code qkv [tokens, heads + 2 *
   * kvHeads, headDim]} (token rows at any stride, heads contiguous) holds each token's q heads,
   * then its k heads, then its v heads. The roped q heads go to {@code qOut [tokens, heads,
   * headDim]}; the roped k heads and the v heads go into the caches as {@link #kvAppend} puts them
   * (at I32 {@code slots [tokens]}). The same values as {@link #rope} on q and k, then {@link
   * #kvAppend}; qkv is left unchanged and must not overlap qOut (each element reads its rotation
   * partner from qkv while qOut is written).
   */
  void ropeKvAppend(
      Tensor qOut,
      Tensor kCache,
      Tensor vCache,
      Tensor qkv,
      Tensor positions,
      Tensor slots,
      RopeConfig rope);

  // ---------------------------------------------------------------- attention and sampling

  /**
   * Prefill attention with GQA/MQA: {@code out = softmax(scale * q k^T + mask) v} per head, query
   * head {@code h} reading kv head {@code h / (heads / kvHeads)}. q and out {@code [batch, seqQ,
   * heads, headDim]}, k and v {@code [batch, seqKv, kvHeads, headDim]}, all of one dtype and
   * contiguous. Causal masking aligns the diagonal bottom right: query {@code i} sees keys {@code j
   * <= i + seqKv - seqQ} (so seqKv >= seqQ). The CUDA backend takes bf16 with headDim 64 or 128 (a
   * tiled flash-attention kernel); the reference takes any floating dtype and head size.
   *
   * <p>A sliding window ({@code window > 0}, causal only) keeps the last {@code window} keys of
   * each query: query {@code i}, at position {@code p = i + seqKv - seqQ}, sees keys {@code p -
   * window < j <= p} (Hugging Face's Mistral/Qwen2 convention). {@code window} 0 is full attention,
   * as is any window of at least seqKv.
   */
  void attentionPrefill(
      Tensor out, Tensor q, Tensor k, Tensor v, float scale, boolean causal, int window);

  /**
   * {@link #attentionPrefill(Tensor, Tensor, Tensor, Tensor, float, boolean, int)} without a
   * window.
   */
  default void attentionPrefill(
      Tensor out, Tensor q, Tensor k, Tensor v, float scale, boolean causal) {
    attentionPrefill(out, q, k, v, scale, causal, 0);
  }

  /**
   * Decode attention, one query per sequence, over a paged KV cache: q and out {@code [batch,
   * heads, headDim]}; caches {@code [numBlocks, blockSize, kvHeads, headDim]} (token {@code t} of
   * sequence {@code b} at block {@code blockTable[b][t / blockSize]}, row {@code t % blockSize});
   * blockTable I32 {@code [batch, maxBlocksPerSeq]}; contextLengths I32 {@code [batch]}, each at
   * most {@code maxBlocksPerSeq * blockSize}; a sequence of length 0 gets zeros. The work is split
   * along the context for long sequences; its shape depends only on the tensors' shapes, not on the
   * lengths, so a captured CUDA graph stays valid while lengths change. The CUDA backend takes bf16
   * with headDim 64 or 128.
   *
   * <p>A sliding window ({@code window > 0}) keeps the last {@code window} tokens: a sequence of
   * length {@code n} attends to tokens {@code max(0, n - window) .. n - 1}, the decode step of the
   * prefill rule. The work is then planned for at most {@code window} tokens, whatever the
   * capacity. {@code window} 0 is full attention.
   */
  void attentionDecode(
      Tensor out,
      Tensor q,
      Tensor kCache,
      Tensor vCache,
      Tensor blockTable,
      Tensor contextLengths,
      float scale,
      int window);

  /**
   * {@link #attentionDecode(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, float, int)} without a
   * window.
   */
  default void attentionDecode(
      Tensor out,
      Tensor q,
      Tensor kCache,
      Tensor vCache,
      Tensor blockTable,
      Tensor contextLengths,
      float scale) {
    attentionDecode(out, q, kCache, vCache, blockTable, contextLengths, scale, 0);
  }

  /**
   * Writes k and v {@code [tokens, kvHeads, headDim]} into the caches {@code [numBlocks, blockSize,
   * kvHeads, headDim]} (same dtype) at I32 {@code slots [tokens]} ({@code block * blockSize +
   * row}); a negative slot (padding) or one past the cache is skipped. The CUDA backend takes bf16.
   */
  void kvAppend(Tensor kCache, Tensor vCache, Tensor k, Tensor v, Tensor slots);

  /**
   * Draws one token per row of F32 {@code logits [batch, vocab]} into I32 {@code out [batch]}:
   * penalties over I32 {@code history [batch, historyLen]} (null for none; ids outside the
   * vocabulary, e.g. -1 padding, are ignored), then temperature, top-k, top-p and min-p, then a
   * draw from Philox4x32-10 keyed by {@code seed + row * 0x9E3779B97F4A7C15} with {@code step} (0
   * to 2^31 - 1) as its counter. Both backends return the same token bit for bit. The logits are
   * left unchanged. A row with NaN or +infinity gets {@code SamplingKernels.NON_FINITE} (-1), a row
   * of -infinity only {@code SamplingKernels.ALL_MASKED} (-2), for the caller to report.
   */
  void sample(
      Tensor out, Tensor logits, Tensor history, SamplingParams params, long seed, long step);

  /**
   * The {@code n} most likely tokens of each row of F32 {@code logits [batch, vocab]}, best first
   * (ties to the lower id), into I32 {@code ids [batch, n]} and their log-softmax values into F32
   * {@code logprobs [batch, n]}; {@code n} at most 64.
   */
  void topLogprobs(Tensor ids, Tensor logprobs, Tensor logits);

  /**
   * The log-softmax value of I32 {@code tokens[b]} in row {@code b} of F32 {@code logits [batch,
   * vocab]}, into F32 {@code logprobs [batch]} (NaN for an id outside the vocabulary); equal to the
   * value {@link #topLogprobs} reports for the same token.
   */
  void tokenLogprobs(Tensor logprobs, Tensor logits, Tensor tokens);

  /**
   * Releases this backend's resources (device memory it cached, the stream); tensors it made become
   * invalid.
   */
  @Override
  void close();
}
