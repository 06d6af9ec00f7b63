package dev.kernelj.ops.cuda;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.BFloat16;
import dev.kernelj.ops.Capabilities;
import dev.kernelj.ops.CapturedGraph;
import dev.kernelj.ops.DTypes;
import dev.kernelj.ops.DeviceAllocation;
import dev.kernelj.ops.Float16;
import dev.kernelj.ops.HostEncoding;
import dev.kernelj.ops.LinearWeight;
import dev.kernelj.ops.MemoryInfo;
import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.OpsOptions;
import dev.kernelj.ops.QuantizedMatrix;
import dev.kernelj.ops.Residency;
import dev.kernelj.ops.RopeConfig;
import dev.kernelj.ops.SamplingParams;
import dev.kernelj.ops.Shape;
import dev.kernelj.ops.SoftmaxMask;
import dev.kernelj.ops.StackedWeight;
import dev.kernelj.ops.StepIo;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.TokenSampler;
import dev.kernelj.ops.kernels.Activations;
import dev.kernelj.ops.kernels.BlasMatmul;
import dev.kernelj.ops.kernels.Casts;
import dev.kernelj.ops.kernels.Elementwise;
import dev.kernelj.ops.kernels.Embedding;
import dev.kernelj.ops.kernels.GemmCall;
import dev.kernelj.ops.kernels.Gemv;
import dev.kernelj.ops.kernels.LayerNorm;
import dev.kernelj.ops.kernels.OpChecks;
import dev.kernelj.ops.kernels.RmsNorm;
import dev.kernelj.ops.kernels.Rope;
import dev.kernelj.ops.kernels.Softmax;
import dev.kernelj.ops.kernels.quant.QuantLayout;
import dev.kernelj.ops.kernels.sampling.Sampling;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * The CUDA backend: device tensors, the ops' DSL kernels and cuBLAS, all on one stream of a {@link
 * DevicePort}. Checks every argument (shape, dtype, device) before it queues anything.
 */
public final class CudaOps implements Ops {
  /**
   * bf16 attention with head size 64 or 128 (the kernels' tiles); the GEMV kernel up to {@link
   * Gemv#MAX_ROWS} rows, except in batch-invariant mode, where every row count takes one GEMM;
   * quantized weights of every packed width with f16 or bf16 activations (the mixed-input GEMM's
   * mma types); graphs; device memory.
   */
  private static Capabilities capabilities(OpsOptions options) {
    return new Capabilities(
        "CUDA",
        true,
        true,
        DType.BF16,
        Set.of(DType.BF16),
        Set.of(64, 128),
        DTypes.FLOATING,
        QuantLayout.BITS,
        Set.of(DType.F16, DType.BF16),
        options.batchInvariant() ? 0 : Gemv.MAX_ROWS,
        options.batchInvariant());
  }

  /** Host bytes staged per pinned download ({@link #toHost}). */
  private static final int STAGING_BYTES = 32 << 20;

  private final DevicePort port;
  private final OpsOptions options;
  private final Capabilities capabilities;
  private final LoadedKernels kernels;
  private final StreamRef stream;
  private final Residency.OnDevice residency;
  private final Map<RopeConfig, Tensor> ropeTables = new HashMap<>();
  private final DeviceScratch scratch;
  private final AttentionOps attention;
  private final SamplingOps sampling;
  private final RopeKvAppendOps ropeKvAppend;
  private final PinnedUploads uploads;
  private final QuantizedMatmulOps quantized;
  private final InvariantMatmulOps invariant;
  private volatile boolean capturing;

  /** The backend on {@code port} with the default options. */
  public CudaOps(DevicePort port) {
    this(port, OpsOptions.defaults());
  }

  /** The backend on {@code port}; {@code options} select e.g. the batch-invariant kernels. */
  public CudaOps(DevicePort port, OpsOptions options) {
    this.port = port;
    this.options = java.util.Objects.requireNonNull(options, "options");
    this.capabilities = capabilities(options);
    this.kernels = new LoadedKernels(port);
    this.stream = port.stream();
    this.residency = new Residency.OnDevice(this, name());
    this.scratch = new DeviceScratch(port);
    this.attention = new AttentionOps(residency, port, kernels, scratch, options);
    this.sampling = new SamplingOps(residency, port, kernels, scratch);
    this.ropeKvAppend = new RopeKvAppendOps(residency, kernels, stream);
    this.uploads = new PinnedUploads(port);
    this.quantized = new QuantizedMatmulOps(residency, port, kernels, scratch);
    this.invariant = new InvariantMatmulOps(this, port, kernels, scratch);
  }

  /** Opens device {@code ordinal} through the first registered {@link DevicePort.Provider}. */
  public static CudaOps open(int ordinal) {
    return open(ordinal, OpsOptions.defaults());
  }

  /**
   * Opens device {@code ordinal} with {@code options}.
   *
   * @throws OpArgumentException when a {@code -Dkernelj...} tuning switch has a value it does not
   *     know (the device is closed again)
   */
  public static CudaOps open(int ordinal, OpsOptions options) {
    DevicePort port = openPort(ordinal);
    try {
      return new CudaOps(port, options);
    } catch (RuntimeException | Error e) {
      port.close();
      throw e;
    }
  }

  /**
   * The backend, or empty with the reason in {@code whyNot[0]} when no GPU can be used here: one
   * line, e.g. {@code "no usable CUDA device: libcuda cannot be loaded (...)"}, for tests that skip
   * and CLIs that fall back to the reference backend.
   */
  public static Optional<CudaOps> tryOpen(int ordinal, String[] whyNot) {
    return tryOpen(ordinal, OpsOptions.defaults(), whyNot);
  }

  /** {@link #tryOpen(int, String[])} with {@code options}. */
  public static Optional<CudaOps> tryOpen(int ordinal, OpsOptions options, String[] whyNot) {
    try {
      return Optional.of(open(ordinal, options));
    } catch (OpArgumentException e) {
      throw e; // a bad tuning switch is the caller's to fix, not a missing GPU
    } catch (RuntimeException | LinkageError e) {
      String message = e.getMessage() != null ? e.getMessage() : e.getClass().getName();
      whyNot[0] = message.strip().replaceAll("\\s*\\R\\s*", "; ");
      return Optional.empty();
    }
  }

  static DevicePort openPort(int ordinal) {
    for (DevicePort.Provider provider : ServiceLoader.load(DevicePort.Provider.class)) {
      return provider.open(ordinal);
    }
    throw new IllegalStateException(
        "no DevicePort.Provider is registered (META-INF/services/"
            + DevicePort.Provider.class.getName()
            + "); the runtime adapter is not on the class path");
  }

  /** The port this backend runs on (for benchmarks that time with events). */
  public DevicePort port() {
    return port;
  }

  @Override
  public String name() {
    return "cuda:" + port.deviceName();
  }

  @Override
  public Capabilities capabilities() {
    return capabilities;
  }

  /** The options this backend was opened with. */
  public OpsOptions options() {
    return options;
  }

  // ---------------------------------------------------------------- the step machinery

  @Override
  public MemoryInfo memory() {
    long[] info = port.memoryInfo();
    return new MemoryInfo(info[0], info[1], false);
  }

  @Override
  public StepIo stepIo(int capacityInts, int capacityFloats) {
    return new PinnedStepIo(port, this, capacityInts, capacityFloats);
  }

  @Override
  public TokenSampler tokenSampler(TokenSampler.Shape shape, StepIo io) {
    return new BlockTokenSampler(this, new Sampling(kernels.sampling()), io, shape);
  }

  /** Empty where the port cannot capture (a test port); the caller then runs the body itself. */
  @Override
  public Optional<CapturedGraph> captureGraph(Runnable body) {
    capturing = true;
    try {
      return Optional.of(port.captureGraph(body));
    } catch (UnsupportedOperationException e) {
      return Optional.empty();
    } finally {
      capturing = false;
    }
  }

  /** Whether {@link #captureGraph} is recording (nothing may wait for the device then). */
  boolean capturing() {
    return capturing;
  }

  // ---------------------------------------------------------------- memory

  @Override
  public Tensor empty(DType dtype, int... shape) {
    Shape s = Shape.of(shape);
    long bytes = Math.max(16, (s.numel() * dtype.byteSize() + 15) / 16 * 16);
    long address = port.allocate(bytes);
    return Tensor.onDevice(dtype, s, new DeviceAllocation(address, bytes, this, port::free));
  }

  /**
   * Encodes the host tensor's elements straight into the pinned staging buffers that {@link
   * #copyFromHost} streams through (kept across calls, filled while the previous chunk's copy
   * runs). Returns once the host tensor has been read; the last copy may still be queued, ahead of
   * anything later queued on the stream.
   */
  @Override
  public Tensor upload(Tensor host) {
    if (!host.isHost()) {
      throw new OpArgumentException("upload", "host", host + " is not a host tensor");
    }
    requireNotCapturing("upload");
    Tensor src = host.isContiguous() ? host : host.contiguousCopy();
    Tensor dst = empty(src.dtype(), src.shape().toArray());
    int size = src.dtype().byteSize();
    try {
      uploads.copy(
          dst.address(),
          src.numel() * size,
          (from, chunk) -> HostEncoding.encode(src, from / size, chunk.remaining() / size, chunk));
    } catch (RuntimeException | Error e) {
      dst.close();
      throw e;
    }
    return dst;
  }

  @Override
  public Tensor toHost(Tensor tensor) {
    residency.require("toHost", "tensor", tensor);
    OpChecks.contiguous("toHost", "tensor", tensor);
    Tensor out = Tensor.zeros(tensor.dtype(), tensor.shape().toArray());
    int size = out.dtype().byteSize();
    long total = out.numel();
    int perChunk = STAGING_BYTES / size;
    ByteBuffer staging = port.allocatePinned((long) Math.min(total, perChunk) * size + 16);
    try {
      for (long from = 0; from < total; from += perChunk) {
        int count = (int) Math.min(perChunk, total - from);
        staging.clear();
        port.copyDeviceToHostAsync(staging, tensor.address() + from * size, (long) count * size);
        port.synchronize();
        HostEncoding.decode(staging, out, from, count);
      }
    } finally {
      port.freePinned(staging);
    }
    return out;
  }

  @Override
  public void copy(Tensor dst, Tensor src) {
    residency.require("copy", "dst,src", dst, src);
    OpChecks.sameDtype("copy", "dst", dst, src);
    OpChecks.sameShape("copy", "dst", dst, "src", src);
    OpChecks.contiguous("copy", "dst", dst);
    OpChecks.contiguous("copy", "src", src);
    port.copyDeviceToDeviceAsync(
        dst.address(), src.address(), src.numel() * src.dtype().byteSize());
  }

  @Override
  public void copyFromHost(Tensor dst, ByteBuffer bytes) {
    residency.require("copyFromHost", "dst", dst);
    OpChecks.copyFromHost(dst, bytes);
    requireNotCapturing("copyFromHost");
    uploads.copy(dst.address(), bytes);
  }

  /**
   * Host copies go through staging buffers that are refilled after each copy: captured in a graph,
   * a replay would copy whatever a staging buffer holds by then.
   */
  private void requireNotCapturing(String op) {
    if (capturing) {
      throw new IllegalStateException(
          op
              + ": a copy from host memory cannot be captured in a CUDA graph (a replay would copy"
              + " whatever its staging buffer holds then); copy before capturing");
    }
  }

  @Override
  public void fill(Tensor tensor, float value) {
    residency.require("fill", "tensor", tensor);
    OpChecks.contiguous("fill", "tensor", tensor);
    long n = tensor.numel();
    switch (tensor.dtype()) {
      case F32 -> port.memsetD32Async(tensor.address(), Float.floatToRawIntBits(value), n);
      case I32 -> port.memsetD32Async(tensor.address(), (int) value, n);
      case F16 -> port.memsetD16Async(tensor.address(), Float16.fromFloat(value), n);
      case BF16 -> port.memsetD16Async(tensor.address(), BFloat16.fromFloat(value), n);
      default -> port.memsetD8Async(tensor.address(), (byte) (int) value, n);
    }
  }

  @Override
  public void synchronize() {
    port.synchronize();
  }

  // ---------------------------------------------------------------- elementwise

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
    residency.require(name, "out,a,b", out, a, b);
    Elementwise.binary(kernels.elementwise(), stream, op, out, a, b, a.numel(), bcols);
  }

  @Override
  public void scale(Tensor out, Tensor x, float s) {
    OpChecks.elementwise("scale", out, x);
    residency.require("scale", "out,x", out, x);
    Elementwise.scale(kernels.elementwise(), stream, out, x, s, x.numel());
  }

  @Override
  public void cast(Tensor out, Tensor in) {
    OpChecks.cast(out, in);
    residency.require("cast", "out,in", out, in);
    if (out.dtype() == in.dtype()) {
      copy(out, in);
      return;
    }
    Casts.cast(kernels.casts(), stream, out, in, in.numel());
  }

  // ---------------------------------------------------------------- model ops

  @Override
  public void embedding(Tensor out, Tensor table, Tensor ids) {
    OpChecks.Rows r = OpChecks.embedding(out, table, ids);
    residency.require("embedding", "out,table,ids", out, table, ids);
    Embedding.lookup(
        kernels.embedding(), stream, out, table, ids, r.rows(), table.dim(0), r.cols());
  }

  @Override
  public void rmsNorm(Tensor out, Tensor x, Tensor weight, float eps) {
    OpChecks.Rows r = OpChecks.norm("rmsNorm", out, x, weight);
    residency.require("rmsNorm", "out,x,weight", out, x, weight);
    RmsNorm.rmsNorm(
        kernels.rmsNorm(),
        stream,
        out,
        x,
        weight,
        r.rows(),
        r.cols(),
        r.rowStride(),
        out.rowStride(),
        eps);
  }

  @Override
  public void rmsNormResidual(Tensor out, Tensor residual, Tensor x, Tensor weight, float eps) {
    OpChecks.Rows r = OpChecks.norm("rmsNormResidual", out, x, weight);
    OpChecks.sameDtype("rmsNormResidual", "residual", residual, x);
    OpChecks.sameShape("rmsNormResidual", "residual", residual, "x", x);
    OpChecks.rows("rmsNormResidual", "residual", residual);
    residency.require("rmsNormResidual", "out,residual,x,weight", out, residual, x, weight);
    RmsNorm.rmsNormResidual(
        kernels.rmsNorm(),
        stream,
        out,
        residual,
        x,
        weight,
        r.rows(),
        r.cols(),
        r.rowStride(),
        residual.rowStride(),
        out.rowStride(),
        eps);
  }

  @Override
  public void layerNorm(Tensor out, Tensor x, Tensor weight, Tensor bias, float eps) {
    OpChecks.Rows r = OpChecks.norm("layerNorm", out, x, weight);
    OpChecks.norm("layerNorm", out, x, bias);
    residency.require("layerNorm", "out,x,weight,bias", out, x, weight, bias);
    LayerNorm.layerNorm(
        kernels.layerNorm(),
        stream,
        out,
        x,
        weight,
        bias,
        r.rows(),
        r.cols(),
        r.rowStride(),
        out.rowStride(),
        eps);
  }

  @Override
  public void softmax(Tensor out, Tensor x, SoftmaxMask mask) {
    OpChecks.softmax(out, x, mask);
    residency.require("softmax", "out,x", out, x);
    Tensor lengths = mask.lengths();
    if (lengths != null) {
      residency.require("softmax", "mask.lengths", lengths);
    }
    OpChecks.Rows r = OpChecks.rows("softmax", "x", x);
    Softmax.softmax(
        kernels.softmax(),
        stream,
        out,
        x,
        lengths,
        r.rows(),
        r.cols(),
        r.rowStride(),
        out.rowStride(),
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
    residency.require(name, "out,x", out, x);
    Activations.activation(kernels.activations(), stream, kind, out, x, x.numel());
  }

  @Override
  public void swiglu(Tensor out, Tensor gate, Tensor up) {
    OpChecks.Rows[] r = OpChecks.swiglu(out, gate, up);
    residency.require("swiglu", "out,gate,up", out, gate, up);
    Activations.swiglu(
        kernels.activations(),
        stream,
        out,
        gate,
        up,
        r[0].rows(),
        r[0].cols(),
        r[1].rowStride(),
        r[2].rowStride(),
        r[0].rowStride());
  }

  @Override
  public void rope(Tensor x, Tensor positions, RopeConfig config) {
    OpChecks.rope(x, positions, config);
    residency.require("rope", "x,positions", x, positions);
    Tensor table = ropeTable(config);
    Rope.rope(
        kernels.rope(),
        stream,
        x,
        positions,
        table,
        x.dim(0),
        x.dim(1),
        config.headDim(),
        config.rotaryDim(),
        x.stride(0),
        x.stride(1),
        config.layout() == RopeConfig.Layout.INTERLEAVED);
  }

  /** The inverse frequencies of {@code config} on the device, uploaded once per config. */
  private Tensor ropeTable(RopeConfig config) {
    synchronized (ropeTables) {
      return ropeTables.computeIfAbsent(
          config,
          c -> {
            float[] inv = c.inverseFrequencies();
            return upload(Tensor.fromFloats(DType.F32, inv, inv.length));
          });
    }
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
    ropeKvAppend.launch(qOut, kCache, vCache, qkv, positions, slots, rope, this::ropeTable);
  }

  @Override
  public void matmul(Tensor out, Tensor x, Tensor w) {
    int[] mnk = OpChecks.matmul(out, x, w);
    residency.require("matmul", "out,x,w", out, x, w);
    int m = mnk[0];
    if (m == 0 || mnk[1] == 0) {
      return;
    }
    // Batch-invariant: no GEMV below some row count; one summation order for every count (our
    // GEMM for few rows and the pinned cuBLASLt algorithm for many, which agree bit for bit; or
    // one of them for every count).
    if (options.batchInvariant() && invariant.tryRun(out, x, w, m, mnk[1], mnk[2])) {
      return;
    }
    if (m <= Gemv.MAX_ROWS && !options.batchInvariant()) {
      Gemv.gemv(
          kernels.gemv(),
          stream,
          out,
          x,
          w,
          m,
          mnk[1],
          mnk[2],
          x.rowStride(),
          w.rowStride(),
          out.rowStride());
      return;
    }
    java.util.function.Consumer<GemmCall> gemm =
        options.batchInvariant()
            ? call -> port.gemmBatchInvariant(call, options.gemmPlanRows())
            : port::gemm;
    if (x.dtype() == w.dtype()) {
      gemm.accept(
          BlasMatmul.plan(
              out, x, w, m, mnk[1], mnk[2], x.rowStride(), w.rowStride(), out.rowStride()));
      return;
    }
    // cuBLAS multiplies A and B of one type: round x into w's dtype first, as the op's semantics
    // say.
    OpChecks.contiguous("matmul", "x (cast to w's dtype for cuBLAS)", x);
    try (Tensor xw = empty(w.dtype(), m, mnk[2])) {
      Casts.cast(kernels.casts(), stream, xw, x, (long) m * mnk[2]);
      gemm.accept(
          BlasMatmul.plan(out, xw, w, m, mnk[1], mnk[2], mnk[2], w.rowStride(), out.rowStride()));
    }
  }

  /**
   * The pinned cuBLASLt product of batch-invariant mode for x and w of one dtype ({@link
   * InvariantMatmulOps} compares its own GEMM against it).
   */
  void pinnedInvariantMatmul(Tensor out, Tensor x, Tensor w, int m, int n, int k) {
    port.gemmBatchInvariant(
        BlasMatmul.plan(out, x, w, m, n, k, x.rowStride(), w.rowStride(), out.rowStride()),
        options.gemmPlanRows());
  }

  @Override
  public void quantizedMatmul(Tensor out, Tensor x, QuantizedMatrix w) {
    quantized.run(out, x, w);
  }

  @Override
  public long reserveLinearScratch(List<LinearWeight> weights, int rows, DType dtype) {
    List<QuantizedMatrix> matrices = new ArrayList<>();
    for (LinearWeight w : weights) {
      quantizedParts(w, matrices);
    }
    return quantized.reserve(matrices, rows, dtype);
  }

  private static void quantizedParts(LinearWeight w, List<QuantizedMatrix> into) {
    if (w instanceof QuantizedMatrix q) {
      into.add(q);
    } else if (w instanceof StackedWeight stacked) {
      stacked.parts().forEach(part -> quantizedParts(part, into));
    }
  }

  /** The quantized matmul with its paths exposed (for benchmarks that compare them). */
  public QuantizedMatmulOps quantized() {
    return quantized;
  }

  // ---------------------------------------------------------------- attention and sampling

  @Override
  public void attentionPrefill(
      Tensor out, Tensor q, Tensor k, Tensor v, float scale, boolean causal, int window) {
    attention.prefill(out, q, k, v, scale, causal, window);
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
    attention.decode(out, q, kCache, vCache, blockTable, contextLengths, scale, window);
  }

  @Override
  public void kvAppend(Tensor kCache, Tensor vCache, Tensor k, Tensor v, Tensor slots) {
    attention.append(kCache, vCache, k, v, slots);
  }

  @Override
  public void sample(
      Tensor out, Tensor logits, Tensor history, SamplingParams params, long seed, long step) {
    sampling.sample(out, logits, history, params, seed, step);
  }

  @Override
  public void topLogprobs(Tensor ids, Tensor logprobs, Tensor logits) {
    sampling.topLogprobs(ids, logprobs, logits);
  }

  @Override
  public void tokenLogprobs(Tensor logprobs, Tensor logits, Tensor tokens) {
    sampling.tokenLogprobs(logprobs, logits, tokens);
  }

  /** Waits for queued work, then frees cached tables and scratch, and closes the port. */
  @Override
  public void close() {
    try {
      port.synchronize();
      uploads.close();
      sampling.close();
      scratch.close();
      synchronized (ropeTables) {
        ropeTables.values().forEach(Tensor::close);
        ropeTables.clear();
      }
    } finally {
      port.close();
    }
  }
}
