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
