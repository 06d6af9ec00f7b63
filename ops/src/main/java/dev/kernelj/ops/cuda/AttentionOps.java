package dev.kernelj.ops.cuda;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.I32;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.OpsOptions;
import dev.kernelj.ops.Residency;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.kernels.attention.AttentionChecks;
import dev.kernelj.ops.kernels.attention.KvCacheAppend;
import dev.kernelj.ops.kernels.attention.PagedDecodeAttention;
import dev.kernelj.ops.kernels.attention.PrefillAttention;

/**
 * The attention ops of {@link CudaOps}: the tensor checks shared with the reference backend, then
 * what only the kernels require (bf16, head size 64 or 128, 16-byte aligned rows), then the op
 * files' launch math. Split-KV decode takes its partial results from {@link DeviceScratch}, sized
 * by a plan that depends on the shapes alone so that a captured graph stays valid.
 */
final class AttentionOps {
  private final Residency.OnDevice residency;
  private final DevicePort port;
  private final LoadedKernels kernels;
  private final DeviceScratch scratch;
  private final StreamRef stream;
  private final OpsOptions options;
  private PrefillAttention prefill;
  private PagedDecodeAttention decode;
  private KvCacheAppend append;

  AttentionOps(
      Residency.OnDevice residency,
      DevicePort port,
      LoadedKernels kernels,
      DeviceScratch scratch,
      OpsOptions options) {
    this.options = options;
    this.residency = residency;
    this.port = port;
    this.kernels = kernels;
    this.scratch = scratch;
    this.stream = port.stream();
  }

  void prefill(Tensor out, Tensor q, Tensor k, Tensor v, float scale, boolean causal, int window) {
    String op = "attentionPrefill";
    AttentionChecks.Prefill p = AttentionChecks.prefill(out, q, k, v, scale, causal, window);
    residency.require(op, "out,q,k,v", out, q, k, v);
    kernelLimits(op, "q", q, p.headDim());
    aligned(op, "out,q,k,v", out, q, k, v);
    var shape =
        new PrefillAttention.Shape(
            p.batch(),
            p.seqQ(),
            p.seqKv(),
            p.heads(),
            p.kvHeads(),
            p.headDim(),
            causal,
            scale,
            window);
    PrefillAttention.launchFor(shape, stream); // grid limits, before anything is queued
    if (prefill == null) {
      prefill = new PrefillAttention(kernels.prefillAttention());
    }
    prefill.forward(
        stream,
        q.constPtr(BF16.class),
        k.constPtr(BF16.class),
        v.constPtr(BF16.class),
        out.ptr(BF16.class),
        shape);
  }

  void decode(
      Tensor out,
      Tensor q,
      Tensor kCache,
      Tensor vCache,
      Tensor blockTable,
      Tensor contextLengths,
      float scale,
      int window) {
    String op = "attentionDecode";
    AttentionChecks.Decode d =
        AttentionChecks.decode(out, q, kCache, vCache, blockTable, contextLengths, scale, window);
    residency.require(
        op,
        "out,q,kCache,vCache,blockTable,contextLengths",
        out,
        q,
        kCache,
        vCache,
        blockTable,
        contextLengths);
    kernelLimits(op, "q", q, d.headDim());
    aligned(op, "out,q,kCache,vCache", out, q, kCache, vCache);
    var shape =
        new PagedDecodeAttention.Shape(
            d.batch(),
            d.heads(),
            d.kvHeads(),
            d.headDim(),
            d.numBlocks(),
            d.blockSize(),
            d.maxBlocksPerSeq(),
            scale,
            window);
    // Planned for the block table's capacity (or the window, when smaller), not the current
    // lengths: partitions past a sequence's length return at once, and the launch shape never
    // changes between steps. Batch-invariant mode cuts every sequence at fixed partitions instead
    // of sizing them from the batch.
    int capacity = (int) Math.min(d.capacity(), Integer.MAX_VALUE);
    var plan =
        options.batchInvariant()
            ? PagedDecodeAttention.Plan.fixed(shape, capacity, options.decodePartitionTokens())
            : PagedDecodeAttention.Plan.choose(shape, capacity, port.multiprocessorCount());
    int warps = PagedDecodeAttention.warps(shape, port.sharedMemoryPerBlock());
    PagedDecodeAttention.partitionLaunch(shape, plan, warps, stream); // refuses bad grids first
    PagedDecodeAttention.Workspace workspace = null;
    if (plan.maxPartitions() > 1) {
      // One buffer, three 256-byte aligned parts: the partial outputs, maxima and sums.
      int outs = Math.toIntExact(DeviceScratch.aligned(4 * plan.partialOutElements(shape)) / 4);
      int stats = Math.toIntExact(DeviceScratch.aligned(4 * plan.partialStatElements(shape)) / 4);
      Tensor partials =
          scratch.tensor("attentionDecode.partials", DType.F32, outs + 2L * stats, false);
      workspace =
          new PagedDecodeAttention.Workspace(
              partials.slice(0, 0, outs).ptr(F32.class),
              partials.slice(0, outs, outs + stats).ptr(F32.class),
              partials.slice(0, outs + stats, outs + 2 * stats).ptr(F32.class));
    }
    if (decode == null) {
      decode = new PagedDecodeAttention(kernels.pagedDecodeAttention());
    }
    decode.forward(
        stream,
        q.constPtr(BF16.class),
        kCache.constPtr(BF16.class),
        vCache.constPtr(BF16.class),
        blockTable.constPtr(I32.class),
        contextLengths.constPtr(I32.class),
        out.ptr(BF16.class),
        workspace,
        shape,
        plan,
        warps);
  }

  void append(Tensor kCache, Tensor vCache, Tensor k, Tensor v, Tensor slots) {
    String op = "kvAppend";
    AttentionChecks.Append a = AttentionChecks.append(kCache, vCache, k, v, slots);
    residency.require(op, "kCache,vCache,k,v,slots", kCache, vCache, k, v, slots);
    if (k.dtype() != DType.BF16) {
      throw new OpArgumentException(
          op,
          "k",
          "has dtype "
              + k.dtype()
              + "; the CUDA kernel takes BF16 (the reference backend takes any)");
    }
    if ((a.kvHeads() * a.headDim()) % 8 == 0) {
      aligned(op, "kCache,vCache,k,v", kCache, vCache, k, v);
    }
    var shape =
        new KvCacheAppend.Shape(a.tokens(), a.kvHeads(), a.headDim(), a.numBlocks(), a.blockSize());
    if (append == null) {
      append = new KvCacheAppend(kernels.kvCacheAppend());
    }
    append.append(
        stream,
        k.constPtr(BF16.class),
        v.constPtr(BF16.class),
        kCache.ptr(BF16.class),
        vCache.ptr(BF16.class),
        slots.constPtr(I32.class),
        shape);
  }

  /** What the attention kernels are written for; the reference backend has no such limits. */
  private static void kernelLimits(String op, String arg, Tensor q, int headDim) {
    if (q.dtype() != DType.BF16) {
      throw new OpArgumentException(
          op,
          arg,
          "has dtype "
              + q.dtype()
              + "; the CUDA kernels take BF16 (the reference backend takes any)");
    }
    if (headDim != 64 && headDim != 128) {
      throw new OpArgumentException(
          op,
          arg,
          "has shape " + q.shape() + "; the CUDA kernels take headDim 64 or 128, not " + headDim);
    }
  }

  /** The kernels move rows in 16-byte pieces. */
  private static void aligned(String op, String names, Tensor... tensors) {
    String[] n = names.split(",");
    for (int i = 0; i < tensors.length; i++) {
      if (tensors[i].address() % 16 != 0) {
        throw new OpArgumentException(
            op,
            n[i],
            tensors[i]
                + " starts at a device address that is not 16-byte aligned;"
                + " the CUDA kernels load rows in 16-byte pieces");
      }
    }
  }
}
