package dev.kernelj.ops.cuda;

import static dev.kernelj.ops.TestTensors.assertClose;
import static dev.kernelj.ops.TestTensors.random;
import static dev.kernelj.ops.TestTensors.rtol;
import static dev.kernelj.ops.TestTensors.toDouble;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.RopeConfig;
import dev.kernelj.ops.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Ops#ropeKvAppend} on CUDA against the reference backend: both RoPE layouts, partial rotary
 * dims, llama3 scaling, qkv rows at a wider stride, slots that skip tokens (negative, past the
 * cache), outputs poisoned with NaN.
 */
class RopeKvAppendGpuTest extends CudaGpuTest {
  final SplittableRandom random = new SplittableRandom(System.nanoTime());

  Tensor[] both(DType outType, int[] outShape, Tensor[] inputs, TwoBackends.OpCall op) {
    return TwoBackends.run(reference, cuda, outType, outShape, inputs, op);
  }

  @ParameterizedTest
  @EnumSource(RopeConfig.Layout.class)
  void ropeKvAppend(RopeConfig.Layout layout) {
    RopeConfig[] configs = {
      new RopeConfig(64, 64, 500000, layout, new RopeConfig.Llama3(32, 1, 4, 8192)),
      new RopeConfig(128, 96, 10000, layout, new RopeConfig.NoScaling()),
    };
    for (RopeConfig c : configs) {
      for (DType t : new DType[] {DType.BF16, DType.F32}) {
        int tokens = 5, heads = 6, kvHeads = 2, d = c.headDim(), blocks = 4, blockSize = 16;
        // qkv rows inside a wider buffer (3 more heads per token): the op must honour the token
        // stride
        Tensor wide = random(random, t, 2, tokens, heads + 2 * kvHeads + 3, d);
        Tensor caches = random(random, t, 1, 2, blocks, blockSize, kvHeads, d);
        int[] pos = new int[tokens];
        for (int i = 0; i < tokens; i++) {
          pos[i] = random.nextInt(0, 100000);
        }
        Tensor positions = Tensor.fromInts(pos, tokens);
        Tensor slots =
            Tensor.fromInts(
                new int[] {0, 17, -1, blocks * blockSize - 1, blocks * blockSize}, tokens);
        for (int which = 0; which < 3; which++) {
          int part = which;
          int[] shape =
              part == 0 ? new int[] {tokens, heads, d} : new int[] {blocks, blockSize, kvHeads, d};
          Tensor[] r =
              both(
                  t,
                  shape,
                  new Tensor[] {wide, caches, positions, slots},
                  (o, out, in) -> {
                    Tensor qkv = in[0].slice(1, 0, heads + 2 * kvHeads);
                    Tensor k = in[1].select(0, 0);
                    Tensor v = in[1].select(0, 1);
                    try (Tensor q = o.empty(t, tokens, heads, d)) {
                      o.ropeKvAppend(q, k, v, qkv, in[2], in[3], c);
                      o.copy(out, part == 0 ? q : part == 1 ? k : v);
                    }
                  });
          assertClose(
              "ropeKvAppend " + c + " " + t + " part " + part,
              toDouble(r[0].toFloatArray()),
              r[1].toFloatArray(),
              rtol(t),
              t == DType.F32 ? 2e-5 : 1e-2);
        }
      }
    }
  }
}
