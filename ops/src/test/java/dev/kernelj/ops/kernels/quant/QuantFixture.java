package dev.kernelj.ops.kernels.quant;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.BFloat16;
import dev.kernelj.ops.Float16;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.QuantizedMatrix;
import dev.kernelj.ops.Tensor;
import java.util.SplittableRandom;

/**
 * A random quantized weight in plain arrays (codes per row and input, scales and zeros per group
 * and row, a group per input), packed with {@link QuantPacker}, and its float64 product computed
 * from the plain arrays only: the independent reference for the twin and the kernels.
 */
public final class QuantFixture {
  public final int bits;
  public final int rows;
  public final int inputs;
  final int groups;
  final int groupInputs;
  final boolean scaleBf16;
  final byte[][] codes;
  final float[][] scales;
  final int[][] zeros;
  final int[] groupIndex;
  public final InputOrder order;
  public final QuantGeometry geo;
  final int[] codeWords;
  final int[] metaWords;

  /** How scales, zeros and codes are drawn. */
  public enum Kind {
    /** Random codes, zeros in [0, 2^bits], scales around 0.01. */
    RANDOM,
    /** Scales from 2^-14 to 2^15 (f16) or 2^-60 to 2^60 (bf16), one per group and row. */
    EXTREME_SCALES,
    /** Half the groups hold codes equal to their zero point (weights exactly 0), or scale 0. */
    ZERO_GROUPS
  }

  public QuantFixture(
      SplittableRandom random,
      int bits,
      int rows,
      int inputs,
      int groupSize,
      boolean actOrder,
      boolean scaleBf16,
      Kind kind) {
    this.bits = bits;
    this.rows = rows;
    this.inputs = inputs;
    this.scaleBf16 = scaleBf16;
    int gs = groupSize == -1 ? inputs : groupSize;
    this.groupInputs = gs;
    this.groups = (inputs + gs - 1) / gs;
    int maxq = (1 << bits) - 1;
    groupIndex = new int[inputs];
    int[] order = identity(inputs);
    if (actOrder) {
      for (int i = inputs - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    for (int k = 0; k < inputs; k++) {
      groupIndex[order[k]] = k / gs; // GPTQ act-order: group k / gs in quantization order
    }
    codes = new byte[rows][inputs];
    scales = new float[groups][rows];
    zeros = new int[groups][rows];
    for (int g = 0; g < groups; g++) {
      for (int r = 0; r < rows; r++) {
        zeros[g][r] = random.nextInt(maxq + 2); // GPTQ v1 can store a zero point of 2^bits
        double s =
            switch (kind) {
              case EXTREME_SCALES ->
                  Math.scalb(1.0, scaleBf16 ? random.nextInt(-60, 61) : random.nextInt(-14, 16));
              case ZERO_GROUPS -> g % 2 == 0 && r % 3 == 0 ? 0.0 : random.nextDouble(0.001, 0.02);
              default -> random.nextDouble(0.001, 0.02);
            };
        scales[g][r] = roundScale((float) s);
      }
    }
    for (int r = 0; r < rows; r++) {
      for (int i = 0; i < inputs; i++) {
        int g = groupIndex[i];
        boolean zeroGroup = kind == Kind.ZERO_GROUPS && g % 2 == 1;
        codes[r][i] = (byte) (zeroGroup ? Math.min(zeros[g][r], maxq) : random.nextInt(maxq + 1));
        if (zeroGroup && zeros[g][r] > maxq) {
          zeros[g][r] = maxq;
        }
      }
    }
    this.order = InputOrder.of(bits, groupIndex, groups, groupSize);
    this.geo = QuantGeometry.of(bits, rows, this.order, scaleBf16);
    this.codeWords =
        QuantPacker.packCodes(bits, rows, this.order, (row, in) -> codes[row][in] & 0xFF);
    this.metaWords =
        QuantPacker.packMeta(
            rows,
            this.order,
            new QuantPacker.Meta() {
              @Override
              public short scaleBits(int g, int row) {
                return scaleBf16
                    ? BFloat16.fromFloat(scales[g][row])
                    : Float16.fromFloat(scales[g][row]);
              }

              @Override
              public int zero(int g, int row) {
                return zeros[g][row];
              }
            });
  }

  /** The weight as a {@link QuantizedMatrix} in {@code ops}'s memory. */
  public QuantizedMatrix on(Ops ops) {
    Tensor c = ops.upload(Tensor.fromInts(codeWords, codeWords.length));
    Tensor m = ops.upload(Tensor.fromInts(metaWords, metaWords.length));
    Tensor map =
        order.permuted() ? ops.upload(Tensor.fromInts(order.map(), order.map().length)) : null;
    return QuantizedMatrix.of(geo, inputs, c, m, map);
  }

  /** The dense weight {@code [rows, inputs]} in {@code t} (for stacking with quantized parts). */
  public Tensor dense(DType t) {
    float[] w = new float[rows * inputs];
    for (int r = 0; r < rows; r++) {
      for (int i = 0; i < inputs; i++) {
        w[r * inputs + i] = (float) weight(r, i);
      }
    }
    return Tensor.fromFloats(t, w, rows, inputs);
  }

  private float roundScale(float s) {
    return scaleBf16 ? BFloat16.round(s) : Float16.round(s);
  }

  static int[] identity(int n) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    return a;
  }

  /** W[row][input] as the checkpoint defines it. */
  double weight(int row, int input) {
    int g = groupIndex[input];
    return (double) ((codes[row][input] & 0xFF) - zeros[g][row]) * scales[g][row];
  }

  /** {@code x [m, inputs] . W^T} in float64, from the plain arrays. */
  public double[] product(float[] x, int m) {
    double[] out = new double[m * rows];
    for (int i = 0; i < m; i++) {
      for (int r = 0; r < rows; r++) {
        double s = 0;
        for (int k = 0; k < inputs; k++) {
          s += weight(r, k) * x[i * inputs + k];
        }
        out[i * rows + r] = s;
      }
    }
    return out;
  }

  /** x as the GEMM reads it: gathered into the packed order when the weight is permuted. */
  float[] gemmInput(float[] x, int m) {
    if (!order.permuted()) {
      return x;
    }
    float[] out = new float[m * order.packedInputs()];
    QuantGemmReference.gather(
        out, 0, order.packedInputs(), x, 0, inputs, m, order.map(), 0, order.packedInputs());
    return out;
  }

  /**
   * What a code offset adds to the f32 rounding of output {@code [xRow, row]}: the kernels sum
   * {@code (offset + q) x} and take {@code (offset + zero) sum x} off, so a group's partial sums
   * run up to {@code (offset + zero) sum |x|} before they cancel. 4-bit: offset at most 1024 and
   * zero at most 16 (QuantGemmSource's Offset4). 8-bit: the one-row streaming kernel's f16 codes
   * carry 1024 and zeros reach 256 (the GEMM kernel's 8-bit codes carry none, which this bound then
   * overstates). A first-order bound on the rounding of {@code 4 * steps + 32} f32 additions per
   * group at that magnitude (truncating or round-to-nearest; the host emulator's mma adds its 16
   * products one by one), times the group's scale.
   */
  public double offsetRounding(float[] x, int xRow, int row) {
    int offset = bits == 4 ? 1040 : 1280;
    int steps = groupInputs / QuantLayout.STEP_K + 1;
    double weighted = 0;
    for (int k = 0; k < inputs; k++) {
      weighted += Math.abs(scales[groupIndex[k]][row] * x[xRow * inputs + k]);
    }
    return offset * weighted * (4 * steps + 32) * 0x1p-23;
  }

  /** Largest |W| . |x| row sum: the scale errors are measured against. */
  public double magnitude(float[] x, int m) {
    return java.util.stream.IntStream.range(0, rows)
        .parallel()
        .mapToDouble(
            r -> {
              double worst = 0;
              for (int i = 0; i < m; i++) {
                double s = 0;
                for (int k = 0; k < inputs; k++) {
                  s += Math.abs(weight(r, k) * x[i * inputs + k]);
                }
                worst = Math.max(worst, s);
              }
              return worst;
            })
        .max()
        .orElse(0);
  }
}
