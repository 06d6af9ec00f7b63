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
 * each mma step of the tile. Steps come in pairs, each pair covering 32 consecutive inputs ({@link
 * #PAIR_K}); in a pair, lane t's k slots {@code (2t, 2t+1, 2t+8, 2t+9)} hold the inputs {@code 8t
 * .. 8t+3} in the first step and {@code 8t+4 .. 8t+7} in the second (the mma sums over k, so any
 * permutation applied to both operands gives the same product; {@link #stepInput}). So a lane reads
 * its x operand for both steps of a pair with one 16-byte load: a warp's load instruction fetches
 * the B fragments of two steps where it fetched one's. The 8 codes of a lane's step form 4 pairs
 * {@code p}: pair 0 is row g, the step's first two inputs; pair 1 row g+8, same inputs; pair 2 row
 * g, its last two inputs; pair 3 row g+8, its last two. 4-bit: step {@code s} is word {@code s} of
 * the lane, the pair's first code at bit {@code 4p}, its second at bit {@code 16 + 4p}, so {@code
 * (word >> 4p) & 0x000F000F} puts both into the mantissas of a half pair. 8-bit: step {@code s} is
 * words {@code 2s} (pairs 0 and 1) and {@code 2s + 1} (pairs 2 and 3), bytes {@code [p0 first, p1
 * first, p0 second, p1 second]}. Tiles are stored row tile by row tile, each row tile's tiles in
 * input order, so a warp streams contiguous memory along k.
 *
 * <p><b>Scales and zeros</b> ("meta"), 4 bytes per output and group: the scale's f16 or bf16 bits
 * in the low half, the zero point (an integer, 0 to 256) in the high half. Eight consecutive groups
 * of a row tile form a 512-byte chunk, again 32 lanes x 16 bytes: lane {@code (g, t)} holds groups
 * {@code 2t} and {@code 2t+1} of the chunk for rows g and g+8, so a warp reads 8 groups' worth in
 * one load and hands each lane its two values with two shuffles.
 *
 * <p>Groups are runs of {@code groupSize} consecutive inputs of the packed order (a multiple of 32,
 * so a group never splits a pair of mma steps); rows past n and inputs past the real ones hold code
 * 0 and scale 0.
 */
public final class QuantLayout {
  private QuantLayout() {}

  /** Rows (outputs) per tile: the mma's M. */
  public static final int TILE_ROWS = 16;

  /** Inputs per mma step: the mma's K. */
  public static final int STEP_K = 16;

  /** Inputs a pair of mma steps covers (and the multiple every group's length is). */
  public static final int PAIR_K = 32;

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
   * The first of the 4 consecutive inputs of a tile that the k slots of lane {@code (g, t)} hold in
   * mma step {@code step}: {@code 32 (step / 2) + 8t + 4 (step % 2)}.
   */
  public static int stepInput(int step, int t) {
    return PAIR_K * (step / 2) + 8 * t + 4 * (step % 2);
  }

  /**
   * Where the code of row {@code r} (0..15) and input {@code kk} (0..tileK-1) of a tile lives:
   * {@code wordInTile << 8 | bitShift}, word 0..127 (the inverse of {@link #stepInput}).
   */
  public static int codeSlot(int bits, int r, int kk) {
    int inPair = kk % PAIR_K;
    int t = inPair / 8;
    int step = 2 * (kk / PAIR_K) + (inPair % 8) / 4;
    int e = kk % 4;
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

  /**
   * {@link #codeSlot} for every row and input of a tile: entry {@code r * tileK(bits) + kk}. For
   * loops that visit every code of many tiles, which the slot's arithmetic would otherwise
   * dominate.
   */
  public static int[] codeSlots(int bits) {
    int tileK = tileK(bits);
    int[] slots = new int[TILE_ROWS * tileK];
    for (int r = 0; r < TILE_ROWS; r++) {
      for (int kk = 0; kk < tileK; kk++) {
        slots[r * tileK + kk] = codeSlot(bits, r, kk);
      }
    }
    return slots;
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
