package dev.kernelj.ops.cuda;

import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.Residency;
import dev.kernelj.ops.RopeConfig;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.kernels.RopeKvAppend;
import dev.kernelj.ops.kernels.RopeKvChecks;
import java.util.function.Function;

/** {@link Ops#ropeKvAppend} on CUDA: the shared checks, then one {@link RopeKvAppend} launch. */
final class RopeKvAppendOps {
  private final Residency.OnDevice residency;
  private final LoadedKernels kernels;
  private final StreamRef stream;

  RopeKvAppendOps(Residency.OnDevice residency, LoadedKernels kernels, StreamRef stream) {
    this.residency = residency;
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
    residency.require(
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
        kernels.ropeKvAppend(), stream, qOut, kCache, vCache, qkv, positions, slots, table, shape);
  }
}
