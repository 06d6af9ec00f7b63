package dev.kernelj.ops.backend;

import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.RopeConfig;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.kernels.RopeKvAppend;
import java.util.function.Function;

/** {@link Ops#ropeKvAppend} on CUDA: the shared checks, then one {@link RopeKvAppend} launch. */
final class CudaRopeKvAppend {
  private final CudaOps ops;
  private final CudaKernels kernels;
  private final StreamRef stream;

  CudaRopeKvAppend(CudaOps ops, CudaKernels kernels, StreamRef stream) {
    this.ops = ops;
    this.kernels = kernels;
    this.stream = stream;
  }

  /**
   * @param tables the device's inverse frequencies of a RoPE config, uploaded at first use (after
   *     the checks)
   */
  void launch(
      Tensor qOut,
      Tensor kCache,
      Tensor vCache,
      Tensor qkv,
      Tensor positions,
      Tensor slots,
      RopeConfig rope,
      Function<RopeConfig, Tensor> tables) {
    RopeKvChecks.RopeKv r =
        RopeKvChecks.ropeKvAppend(qOut, kCache, vCache, qkv, positions, slots, rope);
    ops.device(
        "ropeKvAppend",
        "qOut,kCache,vCache,qkv,positions,slots",
        qOut,
        kCache,
        vCache,
        qkv,
        positions,
        slots);
    Tensor table = tables.apply(rope);
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
    RopeKvAppend.launch(
        kernels.ropeKvAppend(),
        stream,
        qkv.dtype(),
        qOut.address(),
        kCache.address(),
        vCache.address(),
        qkv.address(),
        positions.address(),
        slots.address(),
        table.address(),
        shape);
  }
}
