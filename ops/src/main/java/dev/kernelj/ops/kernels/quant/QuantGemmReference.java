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

  /** The decoded codes and meta of one row tile. */
  private record Tile(byte[][] codes, float[][] scales, int[][] zeros) {}

  /**
   * The GEMM over {@code m} rows of x ({@code geo.gemmInputs()} columns, already gathered when the
   * weight is permuted) into {@code out [m, geo.rows()]}.
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
    int kx = geo.gemmInputs();
    int groupSize = geo.groupSize();
    tiles.forEach(
        nt -> {
          Tile tile = decode(geo, codes, codesOff, meta, metaOff, nt);
          for (int r = 0; r < QuantLayout.TILE_ROWS; r++) {
            int row = nt * QuantLayout.TILE_ROWS + r;
            if (row >= geo.rows()) {
              break;
            }
            byte[] c = tile.codes()[r];
            for (int i = 0; i < m; i++) {
              int xRow = Math.toIntExact(xOff + i * ldx);
              double sum = 0;
              for (int g = 0; g < geo.groupCount(); g++) {
                int from = g * groupSize;
                int to = Math.min(kx, from + groupSize);
                int zero = tile.zeros()[g][r];
                double part = 0;
                for (int j = from; j < to; j++) {
                  part += (double) ((c[j] & 0xFF) - zero) * x[xRow + j];
                }
                sum += part * tile.scales()[g][r];
              }
              out[Math.toIntExact(outOff + i * ldo + row)] = DTypes.round(outType, (float) sum);
            }
          }
        });
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
    for (int nt = row0 / QuantLayout.TILE_ROWS; nt * QuantLayout.TILE_ROWS < row0 + rows; nt++) {
      Tile tile = decode(geo, codes, codesOff, meta, metaOff, nt);
      for (int r = 0; r < QuantLayout.TILE_ROWS; r++) {
        int row = nt * QuantLayout.TILE_ROWS + r;
        if (row < row0 || row >= row0 + rows) {
          continue;
        }
        for (int j = 0; j < geo.packedInputs(); j++) {
          int g = j / geo.groupSize();
          float scale = g < geo.groupCount() ? tile.scales()[g][r] : 0f;
          int zero = g < geo.groupCount() ? tile.zeros()[g][r] : 0;
          float value = ((tile.codes()[r][j] & 0xFF) - zero) * scale;
          dense[Math.toIntExact(denseOff + (row - row0) * ldd + j)] = DTypes.round(outType, value);
        }
      }
    }
  }

  /** Codes, scales and zeros of row tile {@code nt}, read back from the packed words. */
  private static Tile decode(
      QuantGeometry geo, int[] codes, int codesOff, int[] meta, int metaOff, int nt) {
    int bits = geo.bits();
    int tileK = QuantLayout.tileK(bits);
    int mask = (1 << bits) - 1;
    byte[][] c = new byte[QuantLayout.TILE_ROWS][geo.packedInputs()];
    long tileBase = codesOff + nt * geo.codeWordsPerRowTile();
    for (int kt = 0; kt < geo.kTiles(); kt++) {
      int base = Math.toIntExact(tileBase + (long) kt * QuantLayout.TILE_WORDS);
      for (int r = 0; r < QuantLayout.TILE_ROWS; r++) {
        for (int kk = 0; kk < tileK; kk++) {
          int slot = QuantLayout.codeSlot(bits, r, kk);
          c[r][kt * tileK + kk] = (byte) ((codes[base + (slot >>> 8)] >>> (slot & 0xFF)) & mask);
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
    return new Tile(c, scales, zeros);
  }
}
