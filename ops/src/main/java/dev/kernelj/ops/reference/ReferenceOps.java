package dev.kernelj.ops.reference;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.Capabilities;
import dev.kernelj.ops.CapturedGraph;
import dev.kernelj.ops.DTypes;
import dev.kernelj.ops.HostEncoding;
import dev.kernelj.ops.MemoryInfo;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.QuantizedMatrix;
import dev.kernelj.ops.Residency;
import dev.kernelj.ops.RopeConfig;
import dev.kernelj.ops.SamplingParams;
import dev.kernelj.ops.SoftmaxMask;
import dev.kernelj.ops.StepIo;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.TokenSampler;
import dev.kernelj.ops.kernels.Activations;
import dev.kernelj.ops.kernels.Casts;
import dev.kernelj.ops.kernels.Elementwise;
import dev.kernelj.ops.kernels.Embedding;
import dev.kernelj.ops.kernels.Gemv;
import dev.kernelj.ops.kernels.LayerNorm;
import dev.kernelj.ops.kernels.OpChecks;
import dev.kernelj.ops.kernels.RmsNorm;
import dev.kernelj.ops.kernels.Rope;
import dev.kernelj.ops.kernels.RopeKvAppend;
import dev.kernelj.ops.kernels.RopeKvChecks;
import dev.kernelj.ops.kernels.Softmax;
import dev.kernelj.ops.kernels.quant.QuantLayout;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/**
 * The Java reference backend: host tensors, each op computed by the reference twin in its op file.
 * It is the test oracle for the CUDA backend and the CPU fallback of the LLM runtime. Matmul runs
 * in parallel over output columns; everything else is single-threaded and plain.
 */
public final class ReferenceOps implements Ops {
  /**
   * Any floating dtype and head size, quantized weights of every packed width with any floating
   * activations; no graphs; tensors in Java arrays; batch-invariant by construction (each output
   * element is its own f64 sum, in index order, whatever the batch).
   */
  private static final Capabilities CAPABILITIES =
      new Capabilities(
          "reference",
          false,
          false,
          DType.F32,
          DTypes.FLOATING,
          Set.of(),
          DTypes.FLOATING,
          QuantLayout.BITS,
          DTypes.FLOATING,
          0,
          true);

  @Override
  public String name() {
    return "reference";
  }

  @Override
  public Capabilities capabilities() {
    return CAPABILITIES;
  }

  // ---------------------------------------------------------------- the step machinery

  /** The Java heap not yet in use, counted as both free and total. */
  @Override
  public MemoryInfo memory() {
    Runtime rt = Runtime.getRuntime();
    long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    return new MemoryInfo(free, free, true);
  }

  @Override
  public StepIo stepIo(int capacityInts, int capacityFloats) {
    return new ArrayStepIo(capacityInts);
  }

  @Override
  public TokenSampler tokenSampler(TokenSampler.Shape shape, StepIo io) {
    return new TwinTokenSampler(shape);
  }

  /** Nothing to capture: every op computes as it is called. */
  @Override
  public Optional<CapturedGraph> captureGraph(Runnable body) {
    return Optional.empty();
  }

  @Override
  public Tensor empty(DType dtype, int... shape) {
    return Tensor.zeros(dtype, shape);
  }

  @Override
  public Tensor upload(Tensor host) {
    Residency.requireHost("upload", "host", host);
    return host.contiguousCopy();
  }

  @Override
  public Tensor toHost(Tensor tensor) {
    Residency.requireHost("toHost", "tensor", tensor);
    return tensor.contiguousCopy();
  }

  @Override
  public void copy(Tensor dst, Tensor src) {
    Residency.requireHost("copy", "dst", dst);
    Residency.requireHost("copy", "src", src);
    OpChecks.sameDtype("copy", "dst", dst, src);
    OpChecks.sameShape("copy", "dst", dst, "src", src);
    OpChecks.contiguous("copy", "dst", dst);
    OpChecks.contiguous("copy", "src", src);
    int n = (int) src.numel();
    int s = (int) src.offset();
    int d = (int) dst.offset();
    switch (src.dtype()) {
      case F32, F16, BF16 -> System.arraycopy(src.hostFloats(), s, dst.hostFloats(), d, n);
      case I32 -> System.arraycopy(src.hostInts(), s, dst.hostInts(), d, n);
      default -> System.arraycopy(src.hostBytes(), s, dst.hostBytes(), d, n);
    }
  }

  @Override
  public void copyFromHost(Tensor dst, ByteBuffer bytes) {
    Residency.requireHost("copyFromHost", "dst", dst);
    OpChecks.copyFromHost(dst, bytes);
    HostEncoding.decode(bytes.duplicate(), dst, 0, (int) dst.numel());
  }

  @Override
  public void fill(Tensor tensor, float value) {
    Residency.requireHost("fill", "tensor", tensor);
    OpChecks.contiguous("fill", "tensor", tensor);
    int from = (int) tensor.offset();
    int to = from + (int) tensor.numel();
    switch (tensor.dtype()) {
      case F32, F16, BF16 ->
          Arrays.fill(tensor.hostFloats(), from, to, DTypes.round(tensor.dtype(), value));
      case I32 -> Arrays.fill(tensor.hostInts(), from, to, (int) value);
      default -> Arrays.fill(tensor.hostBytes(), from, to, (byte) (int) value);
    }
  }

  @Override
  public void synchronize() {}

  @Override
  public void add(Tensor out, Tensor a, Tensor b) {
    binary(Elementwise.BinaryOp.ADD, "add", out, a, b);
  }

  @Override
  public void mul(Tensor out, Tensor a, Tensor b) {
    binary(Elementwise.BinaryOp.MUL, "mul", out, a, b);
  }

  private void binary(Elementwise.BinaryOp op, String name, Tensor out, Tensor a, Tensor b) {
    long bcols = OpChecks.binary(name, out, a, b);
    Residency.requireHost(name, "out,a,b", out, a, b);
    Elementwise.binaryReference(
        op,
        out.dtype(),
        out.hostFloats(),
        off(out),
        a.hostFloats(),
        off(a),
        b.hostFloats(),
        off(b),
        (int) a.numel(),
        (int) bcols);
  }

  @Override
  public void scale(Tensor out, Tensor x, float s) {
    OpChecks.elementwise("scale", out, x);
    Residency.requireHost("scale", "out,x", out, x);
    Elementwise.scaleReference(
        out.dtype(), out.hostFloats(), off(out), x.hostFloats(), off(x), s, (int) x.numel());
  }

  @Override
  public void cast(Tensor out, Tensor in) {
    OpChecks.cast(out, in);
    Residency.requireHost("cast", "out,in", out, in);
    Casts.castReference(
        out.dtype(), out.hostFloats(), off(out), in.hostFloats(), off(in), (int) in.numel());
  }

  @Override
  public void embedding(Tensor out, Tensor table, Tensor ids) {
    OpChecks.Rows r = OpChecks.embedding(out, table, ids);
    Residency.requireHost("embedding", "out,table,ids", out, table, ids);
    Embedding.lookupReference(
        out.dtype(),
        out.hostFloats(),
        off(out),
        table.hostFloats(),
        off(table),
        ids.hostInts(),
        off(ids),
        r.rows(),
        table.dim(0),
        r.cols());
  }

  @Override
  public void rmsNorm(Tensor out, Tensor x, Tensor weight, float eps) {
    OpChecks.Rows r = OpChecks.norm("rmsNorm", out, x, weight);
    Residency.requireHost("rmsNorm", "out,x,weight", out, x, weight);
    RmsNorm.rmsNormReference(
        x.dtype(),
        out.hostFloats(),
        off(out),
        ld(out),
        null,
        0,
        0,
        x.hostFloats(),
        off(x),
        ld(x),
        weight.hostFloats(),
        off(weight),
        r.rows(),
        r.cols(),
        eps);
  }

  @Override
  public void rmsNormResidual(Tensor out, Tensor residual, Tensor x, Tensor weight, float eps) {
    OpChecks.Rows r = OpChecks.norm("rmsNormResidual", out, x, weight);
    OpChecks.sameDtype("rmsNormResidual", "residual", residual, x);
    OpChecks.sameShape("rmsNormResidual", "residual", residual, "x", x);
    OpChecks.rows("rmsNormResidual", "residual", residual);
    Residency.requireHost("rmsNormResidual", "out,residual,x,weight", out, residual, x, weight);
    RmsNorm.rmsNormReference(
        x.dtype(),
        out.hostFloats(),
        off(out),
        ld(out),
        residual.hostFloats(),
        off(residual),
        ld(residual),
        x.hostFloats(),
        off(x),
        ld(x),
        weight.hostFloats(),
        off(weight),
        r.rows(),
        r.cols(),
        eps);
  }

  @Override
  public void layerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps) {
    OpChecks.Rows r = OpChecks.norm("layerNorm", out, x, weight);
    OpChecks.norm("layerNorm", out, x, bias);
    Residency.requireHost("layerNorm", "out,x,weight,bias", out, x, weight, bias);
    LayerNorm.layerNormReference(
        x.dtype(),
        out.hostFloats(),
        off(out),
        ld(out),
        x.hostFloats(),
        off(x),
        ld(x),
        weight.hostFloats(),
        off(weight),
        bias.hostFloats(),
        off(bias),
        r.rows(),
        r.cols(),
        eps);
  }

  @Override
  public void softmax(Tensor out, Tensor x, SoftmaxMask mask) {
    OpChecks.softmax(out, x, mask);
    Residency.requireHost("softmax", "out,x", out, x);
    OpChecks.Rows r = OpChecks.rows("softmax", "x", x);
    int[] lengths = null;
    int lengthsOff = 0;
    if (mask.lengths() != null) {
      Residency.requireHost("softmax", "mask.lengths", mask.lengths());
      lengths = mask.lengths().hostInts();
      lengthsOff = off(mask.lengths());
    }
    Softmax.softmaxReference(
        x.dtype(),
        out.hostFloats(),
        off(out),
        ld(out),
        x.hostFloats(),
        off(x),
        ld(x),
        lengths,
        lengthsOff,
        r.rows(),
        r.cols(),
        mask.causalQueries(),
        mask.causalOffset(),
        mask.rowsPerLength());
  }

  @Override
  public void silu(Tensor out, Tensor x) {
    activation(Activations.Kind.SILU, "silu", out, x);
  }

  @Override
  public void geluTanh(Tensor out, Tensor x) {
    activation(Activations.Kind.GELU_TANH, "geluTanh", out, x);
  }

  @Override
  public void geluErf(Tensor out, Tensor x) {
    activation(Activations.Kind.GELU_ERF, "geluErf", out, x);
  }

  private void activation(Activations.Kind kind, String name, Tensor out, Tensor x) {
    OpChecks.elementwise(name, out, x);
    Residency.requireHost(name, "out,x", out, x);
    Activations.activationReference(
        kind, out.dtype(), out.hostFloats(), off(out), x.hostFloats(), off(x), (int) x.numel());
  }

  @Override
  public void swiglu(Tensor out, Tensor gate, Tensor up) {
    OpChecks.Rows[] r = OpChecks.swiglu(out, gate, up);
    Residency.requireHost("swiglu", "out,gate,up", out, gate, up);
    Activations.swigluReference(
        out.dtype(),
        out.hostFloats(),
        off(out),
        (int) r[0].rowStride(),
        gate.hostFloats(),
        off(gate),
        (int) r[1].rowStride(),
        up.hostFloats(),
        off(up),
        (int) r[2].rowStride(),
        r[0].rows(),
        r[0].cols());
  }

  @Override
  public void rope(Tensor x, Tensor positions, RopeConfig config) {
    OpChecks.rope(x, positions, config);
    Residency.requireHost("rope", "x,positions", x, positions);
    Rope.ropeReference(
        x.dtype(),
        x.hostFloats(),
        off(x),
        positions.hostInts(),
        off(positions),
        config.inverseFrequencies(),
        x.dim(0),
        x.dim(1),
        config.rotaryDim(),
        (int) x.stride(0),
        (int) x.stride(1),
        config.layout() == RopeConfig.Layout.INTERLEAVED);
  }

  @Override
  public void ropeKvAppend(
      Tensor qOut,
      Tensor kCache,
      Tensor vCache,
      Tensor qkv,
      Tensor positions,
      Tensor slots,
      RopeConfig rope) {
    RopeKvChecks.RopeKv r =
        RopeKvChecks.ropeKvAppend(qOut, kCache, vCache, qkv, positions, slots, rope);
    Residency.requireHost(
        "ropeKvAppend",
        "qOut,kCache,vCache,qkv,positions,slots",
        qOut,
        kCache,
        vCache,
        qkv,
        positions,
        slots);
    var shape =
        new RopeKvAppend.Shape(
            r.tokens(),
            r.heads(),
            r.kvHeads(),
            r.headDim(),
            rope.rotaryDim(),
            r.tokenStride(),
            r.cacheSlots(),
            rope.layout() == RopeConfig.Layout.INTERLEAVED);
    float[] q = TensorArrays.output(qOut);
    float[] kc = TensorArrays.floats(kCache);
    float[] vc = TensorArrays.floats(vCache);
    RopeKvAppend.reference(
        qkv.dtype(),
        q,
        kc,
        vc,
        qkv.hostFloats(),
        off(qkv),
        TensorArrays.ints(positions),
        TensorArrays.ints(slots),
        rope.inverseFrequencies(),
        shape);
    TensorArrays.store(qOut, q);
    TensorArrays.writeBack(kCache, kc);
    TensorArrays.writeBack(vCache, vc);
  }

  @Override
  public void matmul(Tensor out, Tensor x, Tensor w) {
    int[] mnk = OpChecks.matmul(out, x, w);
    Residency.requireHost("matmul", "out,x,w", out, x, w);
    Gemv.matmulReference(
        w.dtype(),
        out.dtype(),
        out.hostFloats(),
        off(out),
        ld(out),
        x.hostFloats(),
        off(x),
        ld(x),
        w.hostFloats(),
        off(w),
        ld(w),
        mnk[0],
        mnk[1],
        mnk[2]);
  }

  @Override
  public void quantizedMatmul(Tensor out, Tensor x, QuantizedMatrix w) {
    QuantizedMatmulOps.run(out, x, w);
  }

  @Override
  public void attentionPrefill(
      Tensor out, Tensor q, Tensor k, Tensor v, float scale, boolean causal, int window) {
    AttentionOps.prefill(out, q, k, v, scale, causal, window);
  }

  @Override
  public void attentionDecode(
      Tensor out,
      Tensor q,
      Tensor kCache,
      Tensor vCache,
      Tensor blockTable,
      Tensor contextLengths,
      float scale,
      int window) {
    AttentionOps.decode(out, q, kCache, vCache, blockTable, contextLengths, scale, window);
  }

  @Override
  public void kvAppend(Tensor kCache, Tensor vCache, Tensor k, Tensor v, Tensor slots) {
    AttentionOps.append(kCache, vCache, k, v, slots);
  }

  @Override
  public void sample(
      Tensor out, Tensor logits, Tensor history, SamplingParams params, long seed, long step) {
    SamplingOps.sample(out, logits, history, params, seed, step);
  }

  @Override
  public void topLogprobs(Tensor ids, Tensor logprobs, Tensor logits) {
    SamplingOps.topLogprobs(ids, logprobs, logits);
  }

  @Override
  public void tokenLogprobs(Tensor logprobs, Tensor logits, Tensor tokens) {
    SamplingOps.tokenLogprobs(logprobs, logits, tokens);
  }

  @Override
  public void close() {}

  private static int off(Tensor t) {
    return (int) t.offset();
  }

  private static int ld(Tensor t) {
    return (int) t.rowStride();
  }
}
