package dev.kernelj.ops.kernels.quant;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.BFloat16;
import dev.kernelj.ops.DTypes;
import dev.kernelj.ops.Float16;
import java.util.stream.IntStream;

/**
 * Reference twins of the quantized kernels, reading the same packed words ({@link QuantLayout}):
 * the mixed-input GEMM, the activation gather and the dequantization of the cuBLAS path. The GEMM
 * computes {@code out[r, n] = sum_g scale(g, n) * sum_{j in g} (code(n, j) - zero(g, n)) * x[r, j]}
 * in f64 and rounds once to the output dtype; the kernel forms the same sums in f32 (codes minus
 * zeros are exact in f16/bf16, the tensor cores accumulate each group in f32, the scale is applied
 * to the group's sum).
 */
public final class QuantGemmReference {
  private QuantGemmReference() {}

  /**
   * The decoded codes and meta of one row tile: code {@code (r, j)} at {@code codes[r * stride +
   * j]}, {@code stride} the packed inputs.
   */
  private record Tile(byte[] codes, int stride, float[][] scales, int[][] zeros) {}

  /** Weight rows whose sums one pass over a row of x carries side by side. */
  private static final int ROWS_AT_ONCE = 4;

  /** Rows of x a pass over a tile's codes covers, so that they stay in cache meanwhile. */
  private static final int X_ROWS_AT_ONCE = 16;

  /**
   * The GEMM over {@code m} rows of x ({@code geo.gemmInputs()} columns, already gathered when the
   * weight is permuted) into {@code out [m, geo.rows()]}.
   *
   * <p>Each output is its own chain of f64 additions in input order, so the result does not depend
   * on how the loops are arranged: four weight rows go side by side (four independent chains keep
   * the adder busy where one would wait on its own latency), over blocks of x's rows that stay in
   * cache while a tile's codes are read.
   */
  public static void gemm(
      DType outType,
      float[] out,
      int outOff,
      long ldo,
      float[] x,
      int xOff,
      long ldx,
      int m,
      QuantGeometry geo,
      int[] codes,
      int codesOff,
      int[] meta,
      int metaOff) {
    IntStream tiles = IntStream.range(0, geo.rowTiles());
    if ((long) m * geo.rows() * geo.gemmInputs() > 1 << 20) {
      tiles = tiles.parallel();
    }
    int[] places = codePlaces(geo);
    tiles.forEach(
        nt -> {
          Tile tile = decode(geo, places, codes, codesOff, meta, metaOff, nt);
          for (int i0 = 0; i0 < m; i0 += X_ROWS_AT_ONCE) {
            for (int r = 0; r < QuantLayout.TILE_ROWS; r += ROWS_AT_ONCE) {
              for (int i = i0; i < Math.min(m, i0 + X_ROWS_AT_ONCE); i++) {
                double[] sums = new double[ROWS_AT_ONCE];
                fourRows(tile, r, geo, x, Math.toIntExact(xOff + i * ldx), sums);
                for (int q = 0; q < ROWS_AT_ONCE; q++) {
                  int row = nt * QuantLayout.TILE_ROWS + r + q;
                  if (row < geo.rows()) {
                    out[Math.toIntExact(outOff + i * ldo + row)] =
                        DTypes.round(outType, (float) sums[q]);
                  }
                }
              }
            }
          }
        });
  }

  /**
   * The sums of tile rows {@code r .. r + 3} against one row of x: {@code sum_g scale * sum_j (code
   * - zero) * x[j]}, each in f64 in input order. Rows past the matrix hold code 0 and scale 0.
   */
  private static void fourRows(
      Tile tile, int r, QuantGeometry geo, float[] x, int xRow, double[] sums) {
    byte[] c = tile.codes();
    int at0 = r * tile.stride();
    int at1 = at0 + tile.stride();
    int at2 = at1 + tile.stride();
    int at3 = at2 + tile.stride();
    int kx = geo.gemmInputs();
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    for (int g = 0; g < geo.groupCount(); g++) {
      int from = g * geo.groupSize();
      int to = Math.min(kx, from + geo.groupSize());
      int[] zeros = tile.zeros()[g];
      int z0 = zeros[r];
      int z1 = zeros[r + 1];
      int z2 = zeros[r + 2];
      int z3 = zeros[r + 3];
      double p0 = 0;
      double p1 = 0;
      double p2 = 0;
      double p3 = 0;
      for (int j = from; j < to; j++) {
        double v = x[xRow + j];
        p0 += (double) ((c[at0 + j] & 0xFF) - z0) * v;
        p1 += (double) ((c[at1 + j] & 0xFF) - z1) * v;
        p2 += (double) ((c[at2 + j] & 0xFF) - z2) * v;
        p3 += (double) ((c[at3 + j] & 0xFF) - z3) * v;
      }
      float[] scales = tile.scales()[g];
      s0 += p0 * scales[r];
      s1 += p1 * scales[r + 1];
      s2 += p2 * scales[r + 2];
      s3 += p3 * scales[r + 3];
    }
    sums[0] = s0;
    sums[1] = s1;
    sums[2] = s2;
    sums[3] = s3;
  }

  /**
   * The gather of the activations into packed input order: {@code out[r, j] = x[r, map[j]]}, 0
   * where {@code map[j] < 0}, for {@code j < map.length}.
   */
  public static void gather(
      float[] out,
      int outOff,
      long ldo,
      float[] x,
      int xOff,
      long ldx,
      int m,
      int[] map,
      int mapOff,
      int packedInputs) {
    for (int r = 0; r < m; r++) {
      for (int j = 0; j < packedInputs; j++) {
        int src = map[mapOff + j];
        out[Math.toIntExact(outOff + r * ldo + j)] =
            src >= 0 ? x[Math.toIntExact(xOff + r * ldx + src)] : 0f;
      }
    }
  }

  /**
   * The dense weight rows {@code [row0, row0 + rows)}, {@code (code - zero) * scale} computed in
   * f32 and rounded once to {@code outType}, row stride {@code ldd}, all packed inputs.
   */
  public static void dequantize(
      DType outType,
      float[] dense,
      int denseOff,
      long ldd,
      QuantGeometry geo,
      int[] codes,
      int codesOff,
      int[] meta,
      int metaOff,
      int row0,
      int rows) {
    int[] places = codePlaces(geo);
    for (int nt = row0 / QuantLayout.TILE_ROWS; nt * QuantLayout.TILE_ROWS < row0 + rows; nt++) {
      Tile tile = decode(geo, places, codes, codesOff, meta, metaOff, nt);
      for (int r = 0; r < QuantLayout.TILE_ROWS; r++) {
        int row = nt * QuantLayout.TILE_ROWS + r;
        if (row < row0 || row >= row0 + rows) {
          continue;
        }
        for (int j = 0; j < geo.packedInputs(); j++) {
          int g = j / geo.groupSize();
          float scale = g < geo.groupCount() ? tile.scales()[g][r] : 0f;
          int zero = g < geo.groupCount() ? tile.zeros()[g][r] : 0;
          float value = ((tile.codes()[r * tile.stride() + j] & 0xFF) - zero) * scale;
          dense[Math.toIntExact(denseOff + (row - row0) * ldd + j)] = DTypes.round(outType, value);
        }
      }
    }
  }

  /**
   * Where each code of a tile's words goes in a decoded {@link Tile}: entry {@code word * (32 /
   * bits) + position} (the code at bit {@code position * bits}) holds {@code r * packedInputs +
   * kk}, the inverse of {@link QuantLayout#codeSlot}.
   */
  private static int[] codePlaces(QuantGeometry geo) {
    int bits = geo.bits();
    int tileK = QuantLayout.tileK(bits);
    int[] places = new int[QuantLayout.TILE_WORDS * (32 / bits)];
    for (int r = 0; r < QuantLayout.TILE_ROWS; r++) {
      for (int kk = 0; kk < tileK; kk++) {
        int slot = QuantLayout.codeSlot(bits, r, kk);
        places[(slot >>> 8) * (32 / bits) + (slot & 0xFF) / bits] = r * geo.packedInputs() + kk;
      }
    }
    return places;
  }

  /**
   * Codes, scales and zeros of row tile {@code nt}, read back from the packed words word by word
   * ({@code places}: {@link #codePlaces}).
   */
  private static Tile decode(
      QuantGeometry geo, int[] places, int[] codes, int codesOff, int[] meta, int metaOff, int nt) {
    int bits = geo.bits();
    int tileK = QuantLayout.tileK(bits);
    int perWord = 32 / bits;
    int mask = (1 << bits) - 1;
    byte[] c = new byte[QuantLayout.TILE_ROWS * geo.packedInputs()];
    long tileBase = codesOff + nt * geo.codeWordsPerRowTile();
    for (int kt = 0; kt < geo.kTiles(); kt++) {
      int base = Math.toIntExact(tileBase + (long) kt * QuantLayout.TILE_WORDS);
      int first = kt * tileK;
      for (int w = 0; w < QuantLayout.TILE_WORDS; w++) {
        int word = codes[base + w];
        for (int p = 0; p < perWord; p++) {
          c[places[w * perWord + p] + first] = (byte) ((word >>> (p * bits)) & mask);
        }
      }
    }
    float[][] scales = new float[geo.groupCount()][QuantLayout.TILE_ROWS];
    int[][] zeros = new int[geo.groupCount()][QuantLayout.TILE_ROWS];
    long metaBase = metaOff + nt * geo.metaWordsPerRowTile();
    for (int g = 0; g < geo.groupCount(); g++) {
      int base =
          Math.toIntExact(
              metaBase + (long) (g / QuantLayout.GROUPS_PER_CHUNK) * QuantLayout.TILE_WORDS);
      for (int r = 0; r < QuantLayout.TILE_ROWS; r++) {
        int word = meta[base + QuantLayout.metaSlot(g % QuantLayout.GROUPS_PER_CHUNK, r)];
        short bitsOfScale = (short) (word & 0xFFFF);
        scales[g][r] =
            geo.scaleBf16() ? BFloat16.toFloat(bitsOfScale) : Float16.toFloat(bitsOfScale);
        zeros[g][r] = word >>> 16;
      }
    }
    return new Tile(c, geo.packedInputs(), scales, zeros);
  }
}
