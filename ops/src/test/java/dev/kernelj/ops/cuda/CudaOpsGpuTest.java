package dev.kernelj.ops.cuda;

import static dev.kernelj.ops.TestTensors.assertClose;
import static dev.kernelj.ops.TestTensors.random;
import static dev.kernelj.ops.TestTensors.rtol;
import static dev.kernelj.ops.TestTensors.toDouble;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.RopeConfig;
import dev.kernelj.ops.SoftmaxMask;
import dev.kernelj.ops.Tensor;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every CUDA op against the reference backend on fresh random inputs, at odd and power-of-two
 * sizes, with outputs poisoned with NaN before each run (so an unwritten element fails), tolerance
 * per dtype; NaN never passes. Each backend gets its own copy of the inputs ({@link TwoBackends}),
 * so in-place ops compare one application with one application.
 */
class CudaOpsGpuTest extends CudaGpuTest {
  final SplittableRandom random = new SplittableRandom(System.nanoTime());

  /** Runs {@code op} on both backends, each on its own copy of the inputs; outputs start as NaN. */
  Tensor[] both(DType outType, int[] outShape, Tensor[] inputs, TwoBackends.OpCall op) {
    return TwoBackends.run(reference, cuda, outType, outShape, inputs, op);
  }

  void expectSame(String what, DType t, Tensor[] refAndGot) {
    assertClose(
        what,
        toDouble(refAndGot[0].toFloatArray()),
        refAndGot[1].toFloatArray(),
        rtol(t),
        t == DType.F32 ? 1e-6 : 1e-3);
  }

  @ParameterizedTest
  @CsvSource({"F32,1", "F32,7", "F16,1000", "BF16,4096", "BF16,100003", "F32,1048583"})
  void elementwise(DType t, int n) {
    Tensor a = random(random, t, 3, n), b = random(random, t, 3, n);
    expectSame(
        "add " + n,
        t,
        both(t, new int[] {n}, new Tensor[] {a, b}, (o, out, in) -> o.add(out, in[0], in[1])));
    expectSame(
        "mul " + n,
        t,
        both(t, new int[] {n}, new Tensor[] {a, b}, (o, out, in) -> o.mul(out, in[0], in[1])));
    expectSame(
        "scale " + n,
        t,
        both(t, new int[] {n}, new Tensor[] {a}, (o, out, in) -> o.scale(out, in[0], -1.75f)));
    expectSame(
        "silu " + n,
        t,
        both(t, new int[] {n}, new Tensor[] {a}, (o, out, in) -> o.silu(out, in[0])));
    expectSame(
        "geluTanh " + n,
        t,
        both(t, new int[] {n}, new Tensor[] {a}, (o, out, in) -> o.geluTanh(out, in[0])));
    expectSame(
        "geluErf " + n,
        t,
        both(t, new int[] {n}, new Tensor[] {a}, (o, out, in) -> o.geluErf(out, in[0])));
    for (DType to : new DType[] {DType.F32, DType.F16, DType.BF16}) {
      expectSame(
          "cast " + t + ">" + to,
          to,
          both(to, new int[] {n}, new Tensor[] {a}, (o, out, in) -> o.cast(out, in[0])));
    }
  }

  @ParameterizedTest
  @CsvSource({"F32,1,8", "BF16,5,24", "BF16,3,4097", "F16,2,4096", "F32,17,11"})
  void biasAddAndSwigluOnStridedHalves(DType t, int rows, int cols) {
    Tensor a = random(random, t, 3, rows, cols), bias = random(random, t, 1, cols);
    expectSame(
        "bias add",
        t,
        both(
            t,
            new int[] {rows, cols},
            new Tensor[] {a, bias},
            (o, out, in) -> o.add(out, in[0], in[1])));
    Tensor fused = random(random, t, 4, rows, 2 * cols);
    expectSame(
        "swiglu",
        t,
        both(
            t,
            new int[] {rows, cols},
            new Tensor[] {fused},
            (o, out, in) ->
                o.swiglu(out, in[0].slice(1, 0, cols), in[0].slice(1, cols, 2 * cols))));
  }

  @ParameterizedTest
  @CsvSource({"F32,1,4096", "BF16,7,4096", "BF16,3,4099", "F16,2,5120", "F32,33,1", "BF16,1,8192"})
  void norms(DType t, int rows, int cols) {
    Tensor x = random(random, t, 2, rows, cols),
        w = random(random, t, 1, cols),
        b = random(random, t, 1, cols);
    float eps = 1e-5f;
    expectSame(
        "rmsNorm",
        t,
        both(
            t,
            new int[] {rows, cols},
            new Tensor[] {x, w},
            (o, out, in) -> o.rmsNorm(out, in[0], in[1], eps)));
    expectSame(
        "layerNorm",
        t,
        both(
            t,
            new int[] {rows, cols},
            new Tensor[] {x, w, b},
            (o, out, in) -> o.layerNorm(out, in[0], in[1], in[2], eps)));
    Tensor residual = random(random, t, 2, rows, cols);
    // the fused op writes two outputs: compare the updated residual, then the normalised output
    Tensor[] res =
        both(
            t,
            new int[] {rows, cols},
            new Tensor[] {residual, x, w},
            (o, out, in) -> {
              Tensor scratch = o.empty(t, rows, cols);
              o.rmsNormResidual(scratch, in[0], in[1], in[2], eps);
              o.copy(out, in[0]);
              scratch.close();
            });
    expectSame("rmsNormResidual residual", t, res);
    expectSame(
        "rmsNormResidual out",
        t,
        both(
            t,
            new int[] {rows, cols},
            new Tensor[] {residual, x, w},
            (o, out, in) -> o.rmsNormResidual(out, in[0], in[1], in[2], eps)));
  }

  @ParameterizedTest
  @CsvSource({"F32,6,9", "BF16,64,1000", "F32,3,152064", "F16,12,129"})
  void softmaxMasked(DType t, int rows, int cols) {
    Tensor x = random(random, t, 8, rows, cols);
    Tensor lengths = Tensor.fromInts(new int[] {cols - 1, 1, 0}, 3);
    int perLength = (rows + 2) / 3;
    expectSame(
        "softmax",
        t,
        both(
            t,
            new int[] {rows, cols},
            new Tensor[] {x},
            (o, out, in) -> o.softmax(out, in[0], SoftmaxMask.none())));
    expectSame(
        "causal softmax",
        t,
        both(
            t,
            new int[] {rows, cols},
            new Tensor[] {x},
            (o, out, in) -> o.softmax(out, in[0], SoftmaxMask.causal(3, Math.max(0, cols - 5)))));
    expectSame(
        "length softmax",
        t,
        both(
            t,
            new int[] {rows, cols},
            new Tensor[] {x, lengths},
            (o, out, in) -> o.softmax(out, in[0], SoftmaxMask.lengths(in[1], perLength))));
  }

  @ParameterizedTest
  @CsvSource({"BF16,BF16,5,4096", "F32,BF16,3,1000", "F32,F32,2,64", "BF16,F32,4,768"})
  void embedding(DType tableType, DType outType, int vocab, int dim) {
    Tensor table = random(random, tableType, 1, vocab, dim);
    Tensor ids = Tensor.fromInts(new int[] {vocab - 1, 0, vocab, -3, 1 % vocab}, 5);
    expectSame(
        "embedding",
        outType,
        both(
            outType,
            new int[] {5, dim},
            new Tensor[] {table, ids},
            (o, out, in) -> o.embedding(out, in[0], in[1])));
  }

  @ParameterizedTest
  @EnumSource(RopeConfig.Layout.class)
  void rope(RopeConfig.Layout layout) {
    RopeConfig[] configs = {
      new RopeConfig(128, 128, 500000, layout, new RopeConfig.Llama3(8, 1, 4, 8192)),
      new RopeConfig(64, 32, 10000, layout, new RopeConfig.Linear(4)),
      new RopeConfig(80, 80, 1e6, layout, new RopeConfig.NoScaling()),
    };
    for (RopeConfig c : configs) {
      for (DType t : new DType[] {DType.F32, DType.BF16}) {
        int tokens = 13, heads = 5;
        Tensor x = random(random, t, 2, tokens, heads, c.headDim());
        int[] pos = new int[tokens];
        for (int i = 0; i < tokens; i++) {
          pos[i] = random.nextInt(0, 131072);
        }
        Tensor positions = Tensor.fromInts(pos, tokens);
        BiConsumer<Ops, Tensor[]> apply = (o, in) -> o.rope(in[0], in[1], c);
        Tensor[] r =
            both(
                t,
                new int[] {tokens, heads, c.headDim()},
                new Tensor[] {x, positions},
                (o, out, in) -> {
                  apply.accept(o, in);
                  o.copy(out, in[0]);
                });
        // angles up to ~1.3e5 rad: sin/cos of the same f32 angle agree to a few f32 ulps of the
        // angle's size
        assertClose(
            "rope " + c + " " + t,
            toDouble(r[0].toFloatArray()),
            r[1].toFloatArray(),
            rtol(t),
            t == DType.F32 ? 2e-5 : 1e-2);
      }
    }
  }

  @ParameterizedTest
  @CsvSource({
    "BF16,F32,F32,1,4096,4096", "BF16,BF16,BF16,8,1024,4096", "BF16,F32,BF16,3,1000,1001",
        "F16,F16,F32,2,333,4104",
    "F32,F32,F32,5,129,257", "BF16,BF16,F32,9,1000,4096", "BF16,F32,F32,64,4097,1024",
        "F16,F16,F16,33,64,96",
    // bf16 out with rows of multiples of 8 goes through cuBLASLt; an odd row length through
    // cublasGemmEx
    "BF16,BF16,BF16,17,1024,4096", "BF16,BF16,BF16,13,1001,4096"
  })
  void matmulGemvAndCublas(DType w, DType x, DType out, int m, int n, int k) {
    Tensor xs = random(random, x, 1, m, k), ws = random(random, w, 1, n, k);
    Tensor[] r =
        both(
            out,
            new int[] {m, n},
            new Tensor[] {xs, ws},
            (o, o2, in) -> o.matmul(o2, in[0], in[1]));
    // f32 accumulation over k terms of size <= 1 versus f64: allow k * 2^-23 * sqrt(k) absolute
    double atol = Math.sqrt(k) * k * 0x1p-23 + (out == DType.F32 ? 0 : 1e-2);
    assertClose(
        "matmul " + m + "x" + n + "x" + k,
        toDouble(r[0].toFloatArray()),
        r[1].toFloatArray(),
        rtol(out),
        atol);
  }
}
