package dev.kernelj.ops.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.F16;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.DTypes;
import dev.kernelj.ops.Float16;
import dev.kernelj.ops.kernels.attention.Bf16;
import dev.kernelj.ops.kernels.attention.GpuTestBed;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Both GEMV kernels on the GPU against the reference twin: fresh random inputs, odd sizes, padded
 * row strides and an x view shifted off its 16-byte boundary (which must fall back to the CUDA-core
 * kernel), outputs and the padding after each output row poisoned with NaN. The padding must stay
 * NaN, every output must be finite, and ||out - ref|| / ||ref|| must be within the output dtype's
 * rounding. Skips with the reason when there is no GPU.
 */
@Tag("gpu")
class GemvGpuTest {
  final SplittableRandom random = new SplittableRandom(System.nanoTime());

  @ParameterizedTest(name = "w {0} x {1} out {2}, {3}x{4}x{5}, ldx +{6}, ldw +{7}, x shift {8}")
  @CsvSource({
    "BF16, BF16, BF16, 1, 4096, 4096, 0, 0, 0", // tensor cores, decode shape
    "BF16, BF16, BF16, 8, 4096, 4096, 0, 0, 0",
    "BF16, F32, F32, 8, 1001, 1008, 0, 0, 0", // partial last tile
    "BF16, F32, BF16, 3, 1001, 1008, 8, 16, 0", // padded strides, still aligned
    "BF16, BF16, F32, 5, 129, 2056, 0, 0, 0", // k not a multiple of a warp step
    "BF16, BF16, BF16, 7, 33, 8, 0, 0, 0", // one chunk of k
    "F16, F16, F16, 2, 333, 4104, 0, 0, 0",
    "F16, F32, F32, 8, 260, 1024, 0, 0, 0",
    "BF16, BF16, BF16, 3, 1001, 1003, 0, 0, 0", // odd k: CUDA-core kernel
    "BF16, BF16, F32, 4, 515, 1024, 0, 0, 1", // x shifted by one element: CUDA-core kernel
    "F32, F32, F32, 6, 257, 520, 0, 4, 0", // f32 weights: CUDA-core kernel
  })
  void matchesTheReference(
      DType w, DType x, DType out, int rows, int n, int k, int padX, int padW, int shiftX)
      throws Exception {
    int ldx = k + padX, ldw = k + padW, ldo = n + 3;
    float[] xs = randoms(shiftX + rows * ldx, x), ws = randoms(n * ldw, w);
    float[] expected = new float[rows * ldo];
    Gemv.matmulReference(w, out, expected, 0, ldo, xs, shiftX, ldx, ws, 0, ldw, rows, n, k);
    try (GpuTestBed gpu = GpuTestBed.open()) {
      GemvKernels.Cuda kernels = gpu.load(GemvKernels.Cuda.class);
      Ptr<?> dx = upload(gpu, x, xs), dw = upload(gpu, w, ws);
      int outCount = rows * ldo;
      Ptr<?> dout = gpu.poisoned(element(out), outCount);
      Gemv.gemv(
          kernels,
          StreamRef.DEFAULT,
          FakeTensors.at(out, dout.address()),
          FakeTensors.at(x, dx.address() + (long) shiftX * x.byteSize()),
          FakeTensors.at(w, dw.address()),
          rows,
          n,
          k,
          ldx,
          ldw,
          ldo);
      float[] got = download(gpu, out, dout, outCount);
      double num = 0, den = 0;
      for (int r = 0; r < rows; r++) {
        for (int j = 0; j < ldo; j++) {
          float g = got[r * ldo + j];
          if (j >= n) {
            assertTrue(Float.isNaN(g), "row " + r + " padding column " + j + " was written");
            continue;
          }
          assertTrue(Float.isFinite(g), "out[" + r + ", " + j + "] = " + g);
          double e = expected[r * ldo + j];
          num += (g - e) * (g - e);
          den += e * e;
        }
      }
      double rel = Math.sqrt(num / den), tolerance = out == DType.F32 ? 1e-5 : 6e-3;
      assertTrue(rel < tolerance, "relative error " + rel + " over " + tolerance);
    }
  }

  float[] randoms(int count, DType type) {
    float[] v = new float[count];
    for (int i = 0; i < count; i++) {
      v[i] = DTypes.round(type, (float) random.nextDouble(-1, 1));
    }
    return v;
  }

  static Class<? extends dev.kernelj.dsl.Element> element(DType t) {
    return switch (t) {
      case BF16 -> BF16.class;
      case F16 -> F16.class;
      default -> F32.class;
    };
  }

  static Ptr<?> upload(GpuTestBed gpu, DType t, float[] values) {
    return switch (t) {
      case BF16 -> gpu.upload(BF16.class, Bf16.encode(values));
      case F16 -> {
        short[] bits = new short[values.length];
        for (int i = 0; i < bits.length; i++) {
          bits[i] = Float16.fromFloat(values[i]);
        }
        yield gpu.upload(F16.class, bits);
      }
      default -> gpu.upload(F32.class, values);
    };
  }

  static float[] download(GpuTestBed gpu, DType t, Ptr<?> buffer, int count) {
    if (t == DType.F32) {
      return gpu.download(buffer, new float[count]);
    }
    short[] bits = gpu.download(buffer, new short[count]);
    float[] v = new float[count];
    for (int i = 0; i < count; i++) {
      v[i] = t == DType.BF16 ? Bf16.decode(bits[i]) : Float16.toFloat(bits[i]);
    }
    return v;
  }
}
