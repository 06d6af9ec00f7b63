package dev.kernelj.ops.kernels.quant;

import java.util.stream.IntStream;

/**
 * Writes a quantized weight into the packed form of {@link QuantLayout}: the codes tile by tile,
 * the scales and zeros chunk by chunk. The sources are read through small interfaces, so a loader
 * can pack straight from a checkpoint's own words without building an intermediate matrix. Row
 * tiles are packed in parallel.
 */
public final class QuantPacker {
  private QuantPacker() {}

  /** The code (0 .. 2^bits - 1) of weight row {@code row} and original input {@code input}. */
  public interface Codes {
    int code(int row, int input);
  }

  /** The scale (as its f16 or bf16 bits) and the zero point of a row in a group. */
  public interface Meta {
    short scaleBits(int group, int row);

    int zero(int group, int row);
  }

  /** The packed codes of a {@code [rows, order.inFeatures()]} weight, {@link #codeWords} long. */
  public static int[] packCodes(int bits, int rows, InputOrder order, Codes codes) {
    int tileK = QuantLayout.tileK(bits);
    int kTiles = order.packedInputs() / tileK;
    int[] slots = new int[QuantLayout.TILE_ROWS * tileK];
    for (int r = 0; r < QuantLayout.TILE_ROWS; r++) {
      for (int kk = 0; kk < tileK; kk++) {
        slots[r * tileK + kk] = QuantLayout.codeSlot(bits, r, kk);
      }
    }
    int mask = (1 << bits) - 1;
    int[] words = new int[Math.toIntExact(codeWords(bits, rows, order.packedInputs()))];
    IntStream tiles = IntStream.range(0, QuantLayout.rowTiles(rows));
    if ((long) rows * order.packedInputs() > 1 << 20) {
      tiles = tiles.parallel();
    }
    tiles.forEach(
        nt -> {
          for (int kt = 0; kt < kTiles; kt++) {
            int base = (nt * kTiles + kt) * QuantLayout.TILE_WORDS;
            for (int r = 0; r < QuantLayout.TILE_ROWS; r++) {
              int row = nt * QuantLayout.TILE_ROWS + r;
              if (row >= rows) {
                break;
              }
              for (int kk = 0; kk < tileK; kk++) {
                int input = order.input(kt * tileK + kk);
                if (input < 0) {
                  continue;
                }
                int code = codes.code(row, input);
                if ((code & ~mask) != 0) {
                  throw new IllegalArgumentException(
                      "code "
                          + code
                          + " of row "
                          + row
                          + ", input "
                          + input
                          + " has more than "
                          + bits
                          + " bits");
                }
                int slot = slots[r * tileK + kk];
                words[base + (slot >>> 8)] |= code << (slot & 0xFF);
              }
            }
          }
        });
    return words;
  }

  /**
   * {@link #packCodes} for inputs kept in order ({@code order.map() == null}) from codes already
   * packed along the input, {@code 32 / bits} per int with the first in the lowest bits (GPTQ's
   * {@code qweight} transposed): row {@code r}'s words start at {@code rowWords[r][rowOffsets[r]]}.
   * Whole words move with shifts and a table instead of one call per code: what loading a
   * 7-billion-weight model needs.
   */
  public static int[] packRowWords(
      int bits, int rows, InputOrder order, int[][] rowWords, int[] rowOffsets) {
    if (order.permuted()) {
      throw new IllegalArgumentException("row words are packed only in the inputs' own order");
    }
    int tileK = QuantLayout.tileK(bits);
    int kTiles = order.packedInputs() / tileK;
    int realWords = order.inFeatures() / (32 / bits);
    int[] words = new int[Math.toIntExact(codeWords(bits, rows, order.packedInputs()))];
    IntStream tiles = IntStream.range(0, QuantLayout.rowTiles(rows));
    if ((long) rows * order.packedInputs() > 1 << 20) {
      tiles = tiles.parallel();
    }
    tiles.forEach(
        nt -> {
          for (int lane = 0; lane < QuantLayout.LANES; lane++) {
            int g = lane / 4;
            int t = lane % 4;
            int rowA = nt * QuantLayout.TILE_ROWS + g;
            int rowB = rowA + 8;
            for (int kt = 0; kt < kTiles; kt++) {
              int base = ((nt * kTiles + kt) * QuantLayout.LANES + lane) * 4;
              for (int s = 0; s < QuantLayout.stepsPerTile(bits); s++) {
                int first = kt * tileK + QuantLayout.stepInput(s, t); // 4 consecutive inputs
                int a = fourCodes(bits, rowWords, rowOffsets, rows, realWords, rowA, first);
                int b = fourCodes(bits, rowWords, rowOffsets, rows, realWords, rowB, first);
                if (bits == 4) {
                  words[base + s] = SPREAD[a] | SPREAD[b] << 4;
                } else {
                  words[base + 2 * s] =
                      bytes(a, 0) | bytes(b, 0) << 8 | bytes(a, 1) << 16 | bytes(b, 1) << 24;
                  words[base + 2 * s + 1] =
                      bytes(a, 2) | bytes(b, 2) << 8 | bytes(a, 3) << 16 | bytes(b, 3) << 24;
                }
              }
            }
          }
        });
    return words;
  }

  /**
   * Nibbles {@code n0..n3} (bits 0-15) placed as the layout's 4-bit step word wants a row's codes:
   * n0 at bit 0, n1 at 16, n2 at 8, n3 at 24 (the other row's go 4 bits higher).
   */
  private static final int[] SPREAD = new int[1 << 16];

  static {
    for (int v = 0; v < SPREAD.length; v++) {
      SPREAD[v] =
          (v & 0xF) | ((v >> 4) & 0xF) << 16 | ((v >> 8) & 0xF) << 8 | ((v >> 12) & 0xF) << 24;
    }
  }

  private static int bytes(int word, int i) {
    return (word >>> (8 * i)) & 0xFF;
  }

  /** The codes of inputs {@code first .. first + 3} of a row (0 outside the matrix), packed. */
  private static int fourCodes(
      int bits, int[][] rowWords, int[] rowOffsets, int rows, int realWords, int row, int first) {
    if (row >= rows) {
      return 0;
    }
    int perWord = 32 / bits;
    int word = first / perWord;
    if (word >= realWords) {
      return 0;
    }
    int w = rowWords[row][rowOffsets[row] + word];
    return bits == 4 ? (w >>> (4 * (first % 8))) & 0xFFFF : w;
  }

  /** The packed scales and zeros of a weight with {@code rows} rows, {@link #metaWords} long. */
  public static int[] packMeta(int rows, InputOrder order, Meta meta) {
    int groups = order.groupCount();
    int chunks = QuantLayout.chunks(groups);
    int[] words = new int[Math.toIntExact(metaWords(rows, groups))];
    for (int nt = 0; nt < QuantLayout.rowTiles(rows); nt++) {
      for (int g = 0; g < groups; g++) {
        int base = (nt * chunks + g / QuantLayout.GROUPS_PER_CHUNK) * QuantLayout.TILE_WORDS;
        for (int r = 0; r < QuantLayout.TILE_ROWS; r++) {
          int row = nt * QuantLayout.TILE_ROWS + r;
          if (row < rows) {
            words[base + QuantLayout.metaSlot(g % QuantLayout.GROUPS_PER_CHUNK, r)] =
                QuantLayout.metaWord(meta.scaleBits(g, row), meta.zero(g, row));
          }
        }
      }
    }
    return words;
  }

  /** Words of packed codes for {@code rows} rows and {@code packedInputs} inputs. */
  public static long codeWords(int bits, int rows, int packedInputs) {
    return (long) QuantLayout.rowTiles(rows)
        * (packedInputs / QuantLayout.tileK(bits))
        * QuantLayout.TILE_WORDS;
  }

  /** Words of packed scales and zeros for {@code rows} rows and {@code groups} groups. */
  public static long metaWords(int rows, int groups) {
    return (long) QuantLayout.rowTiles(rows) * QuantLayout.chunks(groups) * QuantLayout.TILE_WORDS;
  }
}
