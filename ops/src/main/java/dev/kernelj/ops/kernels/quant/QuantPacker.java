package dev.kernelj.ops.kernels.quant;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Writes a quantized weight into the packed form of {@link QuantLayout}: the codes tile by tile,
 * the scales and zeros chunk by chunk. The sources are read through small interfaces, so a loader
 * can pack straight from a checkpoint's own words without building an intermediate matrix. Row
 * tiles are packed in parallel, so the sources are read from several threads at once.
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
    int[] slots = QuantLayout.codeSlots(bits);
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
   * {@link #packCodes} from codes already packed along the input, {@code 32 / bits} per int with
   * the first in the lowest bits: word {@code w} of row {@code r} is {@code
   * rowWords[r][rowOffsets[r] + w * wordStrides[r]]} (stride 1 for rows stored whole, the row count
   * for GPTQ's {@code qweight} as stored). Each tile's words are gathered first (whole words when
   * the inputs keep their order, code by code along {@link InputOrder#map()} otherwise), then moved
   * into the layout with shifts: what loading a 7-billion-weight model needs.
   */
  public static int[] packRowWords(
      int bits, int rows, InputOrder order, int[][] rowWords, int[] rowOffsets, int[] wordStrides) {
    int tileK = QuantLayout.tileK(bits);
    int kTiles = order.packedInputs() / tileK;
    int perWord = 32 / bits;
    int tileWordsPerRow = tileK / perWord; // 8 for both widths
    int realWords = order.inFeatures() / perWord;
    int storedWords = (order.inFeatures() + perWord - 1) / perWord; // the last one maybe partial
    // Where each lane's step reads in the gathered words (rows g and g + 8 of the tile, 4
    // consecutive inputs): the word of row g, and the shift of its first input's code.
    int steps = QuantLayout.stepsPerTile(bits);
    int[] stepWord = new int[QuantLayout.LANES * steps];
    int[] stepShift = new int[QuantLayout.LANES * steps];
    for (int lane = 0; lane < QuantLayout.LANES; lane++) {
      for (int s = 0; s < steps; s++) {
        int first = QuantLayout.stepInput(s, lane % 4);
        stepWord[lane * steps + s] = (lane / 4) * tileWordsPerRow + first / perWord;
        stepShift[lane * steps + s] = bits * (first % perWord);
      }
    }
    int otherRow = 8 * tileWordsPerRow;
    int[] words = new int[Math.toIntExact(codeWords(bits, rows, order.packedInputs()))];
    IntStream tiles = IntStream.range(0, QuantLayout.rowTiles(rows));
    if ((long) rows * order.packedInputs() > 1 << 20) {
      tiles = tiles.parallel();
    }
    tiles.forEach(
        nt -> {
          int firstRow = nt * QuantLayout.TILE_ROWS;
          int tileRows = Math.min(QuantLayout.TILE_ROWS, rows - firstRow);
          // The tile's 16 rows x 8 words of one input tile, gathered first (rows inner: one cache
          // line per word when the words are stored input-major), zero past the matrix.
          int[] gathered = new int[QuantLayout.TILE_ROWS * tileWordsPerRow];
          // A permuted order reads the codes of an input tile from words all over the row: the
          // row tile's words are copied out once, in storage order, and read from there.
          int[] staged =
              order.permuted()
                  ? stageRows(firstRow, tileRows, storedWords, rowWords, rowOffsets, wordStrides)
                  : null;
          for (int kt = 0; kt < kTiles; kt++) {
            int firstWord = kt * tileWordsPerRow;
            int tileWords = Math.max(0, Math.min(tileWordsPerRow, realWords - firstWord));
            if (order.permuted()
                || tileRows < QuantLayout.TILE_ROWS
                || tileWords < tileWordsPerRow) {
              Arrays.fill(gathered, 0);
            }
            if (order.permuted()) {
              gatherPermuted(bits, order, kt, tileRows, staged, gathered);
            } else {
              for (int j = 0; j < tileWords; j++) {
                for (int r = 0; r < tileRows; r++) {
                  int row = firstRow + r;
                  gathered[r * tileWordsPerRow + j] =
                      rowWords[row][rowOffsets[row] + (firstWord + j) * wordStrides[row]];
                }
              }
            }
            int out = (nt * kTiles + kt) * QuantLayout.TILE_WORDS;
            if (bits == 4) {
              // One word per step: 4 codes of row g and 4 of row g + 8, interleaved by nibble.
              for (int i = 0; i < stepWord.length; i++) {
                int a = gathered[stepWord[i]] >>> stepShift[i];
                int b = gathered[stepWord[i] + otherRow] >>> stepShift[i];
                words[out + i] = spread(a & 0xFFFF) | spread(b & 0xFFFF) << 4;
              }
            } else {
              // Two words per step: the 4 codes of row g and of row g + 8, byte by byte.
              for (int i = 0; i < stepWord.length; i++) {
                int a = gathered[stepWord[i]];
                int b = gathered[stepWord[i] + otherRow];
                words[out + 2 * i] =
                    bytes(a, 0) | bytes(b, 0) << 8 | bytes(a, 1) << 16 | bytes(b, 1) << 24;
                words[out + 2 * i + 1] =
                    bytes(a, 2) | bytes(b, 2) << 8 | bytes(a, 3) << 16 | bytes(b, 3) << 24;
              }
            }
          }
        });
    return words;
  }

  /**
   * The {@code words} words of rows {@code firstRow .. firstRow + tileRows - 1}, word by word
   * ({@code staged[w * 16 + r]}), read word index outer and row inner: for GPTQ's input-major
   * {@code qweight} that walks the memory in order, and a code's 16 rows sit in one cache line.
   */
  private static int[] stageRows(
      int firstRow,
      int tileRows,
      int words,
      int[][] rowWords,
      int[] rowOffsets,
      int[] wordStrides) {
    int[] staged = new int[words * QuantLayout.TILE_ROWS];
    for (int w = 0; w < words; w++) {
      for (int r = 0; r < tileRows; r++) {
        int row = firstRow + r;
        staged[w * QuantLayout.TILE_ROWS + r] =
            rowWords[row][rowOffsets[row] + w * wordStrides[row]];
      }
    }
    return staged;
  }

  /**
   * Input tile {@code kt} of a row tile's rows for a permuted order: each packed input's code taken
   * from the staged word holding its original input ({@link #stageRows}) and placed where in-order
   * words would hold it (0 for padding).
   */
  private static void gatherPermuted(
      int bits, InputOrder order, int kt, int tileRows, int[] staged, int[] gathered) {
    int tileK = QuantLayout.tileK(bits);
    int perWord = 32 / bits;
    int tileWordsPerRow = tileK / perWord;
    int mask = (1 << bits) - 1;
    for (int kk = 0; kk < tileK; kk++) {
      int input = order.input(kt * tileK + kk);
      if (input < 0) {
        continue;
      }
      int shift = bits * (input % perWord);
      int at = kk / perWord;
      int placed = bits * (kk % perWord);
      int from = input / perWord * QuantLayout.TILE_ROWS;
      for (int r = 0; r < tileRows; r++) {
        int code = (staged[from + r] >>> shift) & mask;
        gathered[r * tileWordsPerRow + at] |= code << placed;
      }
    }
  }

  /**
   * Nibbles {@code n0..n3} (bits 0-15) placed as the layout's 4-bit step word wants a row's codes:
   * n0 at bit 0, n1 at 16, n2 at 8, n3 at 24 (the other row's go 4 bits higher). The shift copies
   * n1 to bit 16 and n3 to bit 24; the mask keeps n0 and n2 where they were.
   */
  static int spread(int nibbles) {
    return (nibbles | nibbles << 12) & 0x0F0F0F0F;
  }

  private static int bytes(int word, int i) {
    return (word >>> (8 * i)) & 0xFF;
  }

  /** The packed scales and zeros of a weight with {@code rows} rows, {@link #metaWords} long. */
  public static int[] packMeta(int rows, InputOrder order, Meta meta) {
    int groups = order.groupCount();
    int chunks = QuantLayout.chunks(groups);
    int[] words = new int[Math.toIntExact(metaWords(rows, groups))];
    IntStream tiles = IntStream.range(0, QuantLayout.rowTiles(rows));
    if ((long) rows * groups > 1 << 16) {
      tiles = tiles.parallel();
    }
    tiles.forEach(
        nt -> {
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
        });
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
