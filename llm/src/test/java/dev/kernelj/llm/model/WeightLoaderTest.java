package dev.kernelj.llm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.llm.config.ModelConfigReader;
import dev.kernelj.llm.safetensors.SafetensorsCheckpoint;
import dev.kernelj.llm.util.ModelFormatException;
import dev.kernelj.llm.util.ProgressListener;
import dev.kernelj.ops.LinearWeight;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.cuda.CudaOps;
import dev.kernelj.ops.cuda.DevicePort;
import dev.kernelj.ops.reference.ReferenceOps;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WeightLoader}: the fused q/k/v and gate/up layout, raw byte copies where the dtype is
 * kept, the shape checks, and freeing what was allocated when a load fails. The CUDA path runs here
 * over a device port that hands out addresses and counts bytes, without a device.
 */
class WeightLoaderTest {
  @TempDir Path dir;

  private static LlamaWeights load(Path model, DType activation, Ops ops) {
    ModelConfig config = ModelConfigReader.read(model);
    try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(model)) {
      return WeightLoader.load(checkpoint, config, activation, ops, ProgressListener.NONE);
    }
  }

  private static float[] concat(float[]... parts) {
    int n = 0;
    for (float[] p : parts) {
      n += p.length;
    }
    float[] out = new float[n];
    int at = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  @Test
  void theWeightsTheModelMultipliesByAreTheProjectionsAndThePrefillsRowBlocks() throws IOException {
    TinyLlama.Written m = TinyLlama.write(dir.resolve("mult"), TinyLlama.LLAMA, 3);
    try (LlamaWeights w = load(m.dir(), DType.F32, new ReferenceOps())) {
      List<LinearWeight> multiplied = w.multipliedByLlamaModel();
      assertEquals(7 * TinyLlama.LLAMA.layers(), multiplied.size());
      for (LayerWeights layer : w.layers()) {
        for (LinearWeight each :
            List.of(
                layer.wqkv(),
                layer.wq(),
                layer.wk(),
                layer.wv(),
                layer.wo(),
                layer.wGateUp(),
                layer.wDown())) {
          assertTrue(multiplied.stream().anyMatch(x -> x == each), "missing " + each);
        }
      }
      assertTrue(multiplied.containsAll(w.projections()));
    }
  }

  @Test
  void fusedTensorsHoldTheCheckpointRowsInOrderAndTheOldAccessorsAreViewsOfThem()
      throws IOException {
    for (TinyLlama.Spec spec : List.of(TinyLlama.QWEN2.withDtype("BF16"), TinyLlama.LLAMA)) {
      TinyLlama.Written m = TinyLlama.write(dir.resolve(spec.name() + spec.dtype()), spec, 3);
      DType activation = spec.dtype().equals("BF16") ? DType.BF16 : DType.F32;
      try (LlamaWeights w = load(m.dir(), activation, new ReferenceOps())) {
        for (int l = 0; l < spec.layers(); l++) {
          String p = "model.layers." + l + ".";
          LayerWeights layer = w.layers().get(l);
          assertArrayEquals(
              concat(
                  m.w(p + "self_attn.q_proj.weight"),
                  m.w(p + "self_attn.k_proj.weight"),
                  m.w(p + "self_attn.v_proj.weight")),
              dense(layer.wqkv()).toFloatArray(),
              p + "wqkv");
          assertArrayEquals(
              concat(m.w(p + "mlp.gate_proj.weight"), m.w(p + "mlp.up_proj.weight")),
              dense(layer.wGateUp()).toFloatArray(),
              p + "wGateUp");
          assertArrayEquals(
              m.w(p + "self_attn.k_proj.weight"), dense(layer.wk()).toFloatArray(), p + "wk view");
          assertArrayEquals(
              m.w(p + "mlp.up_proj.weight"), dense(layer.wUp()).toFloatArray(), p + "wUp view");
          assertArrayEquals(
              m.w(p + "mlp.down_proj.weight"), dense(layer.wDown()).toFloatArray(), p + "wDown");
          assertSame(
              dense(layer.wqkv()).storage(), dense(layer.wv()).storage(), "wv is a view of wqkv");
          assertSame(
              dense(layer.wGateUp()).storage(),
              dense(layer.wGate()).storage(),
              "wGate is a view of wGateUp");
          assertEquals(activation, dense(layer.wqkv()).dtype());
          if (spec.qkvBias()) {
            assertArrayEquals(
                concat(
                    m.w(p + "self_attn.q_proj.bias"),
                    m.w(p + "self_attn.k_proj.bias"),
                    m.w(p + "self_attn.v_proj.bias")),
                layer.bqkv().toFloatArray(),
                p + "bqkv");
            assertArrayEquals(
                m.w(p + "self_attn.v_proj.bias"), layer.bv().toFloatArray(), p + "bv view");
          } else {
            assertNull(layer.bqkv());
            assertNull(layer.bq());
          }
        }
        assertArrayEquals(m.w("model.embed_tokens.weight"), w.embedding().toFloatArray());
        assertArrayEquals(m.w("lm_head.weight"), w.lmHead().toFloatArray());
      }
    }
  }

  @Test
  void aBf16CheckpointGoesToTheDeviceAsItsOwnBytesThroughTwoPinnedBuffers() throws IOException {
    TinyLlama.Written m = TinyLlama.write(dir, TinyLlama.QWEN2_H64, 5);
    CountingPort port = new CountingPort();
    CudaOps cuda = new CudaOps(port.proxy());
    long fileTensorBytes;
    try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(m.dir())) {
      fileTensorBytes = checkpoint.tensorBytes();
    }
    try (LlamaWeights w = load(m.dir(), DType.BF16, cuda)) {
      assertEquals(
          fileTensorBytes, port.hostToDeviceBytes.get(), "every stored byte once, nothing widened");
      assertEquals(fileTensorBytes, w.bytes());
      int tensorsPerLayer = 7; // norms, wqkv, bqkv, wo, wGateUp, wDown
      assertEquals(
          3 + TinyLlama.QWEN2_H64.layers() * tensorsPerLayer,
          port.allocations.get(),
          "fused allocations");
    }
    assertEquals(
        port.allocations.get(), port.frees.get(), "closing the weights frees every allocation");
    assertEquals(
        2, port.pinnedAllocations.get(), "staging buffers are reused, not pinned per tensor");
    cuda.close();
  }

  @Test
  void aShapeMismatchNamesTheTensorAndFreesWhatWasAlreadyAllocated() throws IOException {
    TinyLlama.Written m = TinyLlama.write(dir, TinyLlama.LLAMA, 7);
    // Two kv heads were written; claim one, so k_proj [32, 64] meets a config implying [16, 64].
    Path config = m.dir().resolve("config.json");
    Files.writeString(
        config,
        Files.readString(config)
            .replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 1"));
    CountingPort port = new CountingPort();
    CudaOps cuda = new CudaOps(port.proxy());
    ModelFormatException e =
        assertThrows(ModelFormatException.class, () -> load(m.dir(), DType.F32, cuda));
    assertTrue(e.getMessage().contains("model.layers.0.self_attn.k_proj.weight"), e.getMessage());
    assertTrue(
        e.getMessage().contains("has shape [32, 64] but config.json implies [16, 64]"),
        e.getMessage());
    assertTrue(port.allocations.get() >= 2, "the embedding and a norm were loaded first");
    assertEquals(
        port.allocations.get(), port.frees.get(), "everything allocated before the error is freed");
    cuda.close();
  }

  /**
   * A {@link DevicePort} without a device: addresses from a counter, copies counted, nothing run.
   */
  private static final class CountingPort {
    final AtomicLong allocations = new AtomicLong();
    final AtomicLong frees = new AtomicLong();
    final AtomicLong pinnedAllocations = new AtomicLong();
    final AtomicLong hostToDeviceBytes = new AtomicLong();
    private long nextAddress = 0x10000;

    DevicePort proxy() {
      Map<Class<?>, Object> zeros =
          Map.of(int.class, 0, long.class, 0L, float.class, 0f, boolean.class, false);
      return (DevicePort)
          Proxy.newProxyInstance(
              DevicePort.class.getClassLoader(),
              new Class<?>[] {DevicePort.class},
              (proxy, method, args) ->
                  switch (method.getName()) {
                    case "deviceName" -> "counting";
                    case "stream" -> StreamRef.DEFAULT;
                    case "allocate" -> {
                      allocations.incrementAndGet();
                      long address = nextAddress;
                      nextAddress += ((long) args[0] + 255) / 256 * 256;
                      yield address;
                    }
                    case "free" -> {
                      frees.incrementAndGet();
                      yield null;
                    }
                    case "allocatePinned" -> {
                      pinnedAllocations.incrementAndGet();
                      yield ByteBuffer.allocateDirect(Math.toIntExact((long) args[0]));
                    }
                    case "copyHostToDeviceAsync" -> {
                      hostToDeviceBytes.addAndGet((long) args[2]);
                      yield null;
                    }
                    case "memoryInfo" -> new long[] {1L << 30, 1L << 30};
                    default -> zeros.get(method.getReturnType());
                  });
    }
  }

  /** The tensor of a dense projection (this checkpoint is not quantized). */
  private static dev.kernelj.ops.Tensor dense(dev.kernelj.ops.LinearWeight w) {
    return ((dev.kernelj.ops.DenseWeight) w).tensor();
  }
}
