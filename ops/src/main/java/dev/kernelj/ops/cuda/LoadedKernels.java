package dev.kernelj.ops.cuda;

import dev.kernelj.ops.kernels.Activations;
import dev.kernelj.ops.kernels.Casts;
import dev.kernelj.ops.kernels.Elementwise;
import dev.kernelj.ops.kernels.Embedding;
import dev.kernelj.ops.kernels.GemvKernels;
import dev.kernelj.ops.kernels.LayerNorm;
import dev.kernelj.ops.kernels.RmsNormKernels;
import dev.kernelj.ops.kernels.Rope;
import dev.kernelj.ops.kernels.RopeKvAppend;
import dev.kernelj.ops.kernels.Softmax;
import dev.kernelj.ops.kernels.attention.KvCacheAppendKernels;
import dev.kernelj.ops.kernels.attention.PagedDecodeAttentionKernels;
import dev.kernelj.ops.kernels.attention.PrefillAttentionKernels;
import dev.kernelj.ops.kernels.invariant.InvariantGemmKernels;
import dev.kernelj.ops.kernels.quant.QuantGemmKernels;
import dev.kernelj.ops.kernels.sampling.SamplingKernels;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** The loaded op kernels of one device, each interface loaded at its first use. */
final class LoadedKernels {
  private final DevicePort port;
  private final ConcurrentMap<Class<?>, Object> loaded = new ConcurrentHashMap<>();

  LoadedKernels(DevicePort port) {
    this.port = port;
  }

  private <K> K get(Class<K> kernelInterface) {
    return kernelInterface.cast(loaded.computeIfAbsent(kernelInterface, k -> port.loadKernels(k)));
  }

  Elementwise.Cuda elementwise() {
    return get(Elementwise.Cuda.class);
  }

  Casts.Cuda casts() {
    return get(Casts.Cuda.class);
  }

  Embedding.Cuda embedding() {
    return get(Embedding.Cuda.class);
  }

  RmsNormKernels.Cuda rmsNorm() {
    return get(RmsNormKernels.Cuda.class);
  }

  LayerNorm.Cuda layerNorm() {
    return get(LayerNorm.Cuda.class);
  }

  Softmax.Cuda softmax() {
    return get(Softmax.Cuda.class);
  }

  Activations.Cuda activations() {
    return get(Activations.Cuda.class);
  }

  Rope.Cuda rope() {
    return get(Rope.Cuda.class);
  }

  GemvKernels.Cuda gemv() {
    return get(GemvKernels.Cuda.class);
  }

  RopeKvAppend.Cuda ropeKvAppend() {
    return get(RopeKvAppend.Cuda.class);
  }

  PrefillAttentionKernels prefillAttention() {
    return get(PrefillAttentionKernels.class);
  }

  PagedDecodeAttentionKernels pagedDecodeAttention() {
    return get(PagedDecodeAttentionKernels.class);
  }

  KvCacheAppendKernels kvCacheAppend() {
    return get(KvCacheAppendKernels.class);
  }

  InvariantGemmKernels.Cuda invariantGemm() {
    return get(InvariantGemmKernels.Cuda.class);
  }

  QuantGemmKernels.Cuda quantGemm() {
    return get(QuantGemmKernels.Cuda.class);
  }

  SamplingKernels sampling() {
    return get(SamplingKernels.class);
  }
}
