package dev.kernelj.ops.kernels.quant;

import java.util.Set;

/**
 * Where each code, scale and zero of a quantized weight {@code W [n, kp]} lives in the packed form
 * the mixed-input GEMM streams ({@link QuantGemm}). The packer ({@link QuantPacker}), the reference
 * twin ({@link QuantGemmReference}) and the CUDA C all follow this one definition.
 *
 * <p><b>Codes.</b> W is cut into tiles of 16 rows (outputs) by {@link #tileK} inputs: 64 for 4-bit,
 * 32 for 8-bit, i.e. 512 bytes. A tile is stored as 32 lanes x 16 bytes, so one warp reads it with
 * one coalesced 16-byte load per lane, and lane {@code (g, t) = (lane / 4, lane % 4)} then holds
 * exactly the A fragments of {@code mma.m16n8k16} it needs: rows {@code g} and {@code g + 8}, for
 * each 16-input step of the tile. Within a step the tensor core's k slots {@code (2t, 2t+1, 2t+8,
 * 2t+9)} are mapped to the consecutive inputs {@code 4t .. 4t+3} (the mma sums over k, so any
 * permutation applied to both operands gives the same product), which lets the lane read its x
 * operand as one 8-byte load. The 8 codes of a lane's step form 4 pairs {@code p}: pair 0 is row g,
 * inputs 4t and 4t+1; pair 1 row g+8, same inputs; pair 2 row g, inputs 4t+2 and 4t+3; pair 3 row
 * g+8, inputs 4t+2 and 4t+3. 4-bit: step {@code s} is word {@code s} of the lane, the pair's first
 * code at bit {@code 4p}, its second at bit {@code 16 + 4p}, so {@code (word >> 4p) & 0x000F000F}
 * puts both into the mantissas of a half pair. 8-bit: step {@code s} is words {@code 2s} (pairs 0
 * and 1) and {@code 2s + 1} (pairs 2 and 3), bytes {@code [p0 first, p1 first, p0 second, p1
 * second]}. Tiles are stored row tile by row tile, each row tile's tiles in input order, so a warp
 * streams contiguous memory along k.
 *
 * <p><b>Scales and zeros</b> ("meta"), 4 bytes per output and group: the scale's f16 or bf16 bits
 * in the low half, the zero point (an integer, 0 to 256) in the high half. Eight consecutive groups
 * of a row tile form a 512-byte chunk, again 32 lanes x 16 bytes: lane {@code (g, t)} holds groups
 * {@code 2t} and {@code 2t+1} of the chunk for rows g and g+8, so a warp reads 8 groups' worth in
 * one load and hands each lane its two values with two shuffles.
 *
 * <p>Groups are runs of {@code groupSize} consecutive inputs of the packed order (a multiple of 16,
 * so a group never splits an mma step); rows past n and inputs past the real ones hold code 0 and
 * scale 0.
 */
public final class QuantLayout {
  private QuantLayout() {}

  /** Rows (outputs) per tile: the mma's M. */
  public static final int TILE_ROWS = 16;

  /** Inputs per mma step: the mma's K. */
  public static final int STEP_K = 16;

  /** Lanes of a warp; each holds 16 bytes of a tile. */
  public static final int LANES = 32;

  /** 32-bit words per tile (and per meta chunk): 32 lanes x 4 words. */
  public static final int TILE_WORDS = 128;

  /** Groups per meta chunk. */
  public static final int GROUPS_PER_CHUNK = 8;

  /** Inputs per tile: 64 for 4-bit codes, 32 for 8-bit. */
  /** The code widths the layout packs (and the kernels and the reference twin read). */
  public static final Set<Integer> BITS = Set.of(4, 8);

  public static int tileK(int bits) {
    return switch (bits) {
      case 4 -> 64;
      case 8 -> 32;
      default -> throw new IllegalArgumentException("bits must be 4 or 8, not " + bits);
    };
  }

  /** mma steps per tile. */
  public static int stepsPerTile(int bits) {
    return tileK(bits) / STEP_K;
  }

  /** Row tiles covering {@code n} rows. */
  public static int rowTiles(int n) {
    return (n + TILE_ROWS - 1) / TILE_ROWS;
  }

  /** Meta chunks covering {@code groups} groups. */
  public static int chunks(int groups) {
    return (groups + GROUPS_PER_CHUNK - 1) / GROUPS_PER_CHUNK;
  }

  /**
   * Where the code of row {@code r} (0..15) and input {@code kk} (0..tileK-1) of a tile lives:
   * {@code wordInTile << 8 | bitShift}, word 0..127.
   */
  public static int codeSlot(int bits, int r, int kk) {
    int step = kk / STEP_K;
    int inStep = kk % STEP_K;
    int t = inStep / 4;
    int e = inStep % 4;
    int g = r % 8;
    int half = r / 8;
    int pair = half + 2 * (e >> 1);
    int second = e & 1;
    int lane = g * 4 + t;
    int word;
    int shift;
    if (bits == 4) {
      word = step;
      shift = 4 * pair + 16 * second;
    } else {
      word = 2 * step + (pair >> 1);
      shift = 8 * ((pair & 1) + 2 * second);
    }
    return (lane * 4 + word) << 8 | shift;
  }

  /** Index of the meta word of group {@code j} (0..7) of a chunk for tile row {@code r}. */
  public static int metaSlot(int j, int r) {
    int lane = (r % 8) * 4 + (j >> 1);
    int word = (j & 1) * 2 + r / 8;
    return lane * 4 + word;
  }

  /** A meta word: the scale's 16-bit pattern and the zero point. */
  public static int metaWord(short scaleBits, int zero) {
    if (zero < 0 || zero > 0xFFFF) {
      throw new IllegalArgumentException("zero point " + zero + " does not fit 16 bits");
    }
    return zero << 16 | (scaleBits & 0xFFFF);
  }
}
