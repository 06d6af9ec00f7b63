package dev.kernelj.ops.kernels.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.DTypes;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The packed layout and the reference twins against products computed from the plain arrays: every
 * code slot is used once, the twin reads back exactly the weight that was packed (any bits, group
 * size, act-order, odd sizes, extreme scales), the gather and the dequantization agree with it.
 */
class QuantGemmReferenceTest {
  @ParameterizedTest(name = "{0}-bit code slots are a bijection")
  @CsvSource({"4", "8"})
  void everyCodeHasItsOwnSlot(int bits) {
    Set<Integer> seen = new HashSet<>();
    for (int r = 0; r < 16; r++) {
      for (int kk = 0; kk < QuantLayout.tileK(bits); kk++) {
        int slot = QuantLayout.codeSlot(bits, r, kk);
        int word = slot >>> 8;
        int shift = slot & 0xFF;
        assertTrue(word < QuantLayout.TILE_WORDS && shift % bits == 0 && shift < 32);
        for (int b = 0; b < bits; b++) {
          assertTrue(seen.add(word * 32 + shift + b), "bit reused at r=" + r + " kk=" + kk);
        }
      }
    }
    assertEquals(QuantLayout.TILE_WORDS * 32, seen.size());
  }

  @Test
  void metaSlotsCoverTheChunk() {
    Set<Integer> seen = new HashSet<>();
    for (int j = 0; j < 8; j++) {
      for (int r = 0; r < 16; r++) {
        assertTrue(seen.add(QuantLayout.metaSlot(j, r)));
      }
    }
    assertEquals(QuantLayout.TILE_WORDS, seen.size());
  }

  @Test
  void plainGroupsKeepTheInputOrder() {
    int[] g = new int[256];
    for (int i = 0; i < g.length; i++) {
      g[i] = i / 32;
    }
    InputOrder order = InputOrder.of(4, g, 8, 32);
    assertNull(order.map());
    assertEquals(256, order.packedInputs());
    assertEquals(32, order.groupSize());
    InputOrder single = InputOrder.of(8, new int[72], 1, -1);
    assertNull(single.map());
    assertEquals(96, single.packedInputs());
    assertEquals(96, single.groupSize());
  }

  @Test
  void actOrderSortsInputsByGroupWithoutPadding() {
    SplittableRandom random = new SplittableRandom(3);
    QuantFixture f =
        new QuantFixture(random, 4, 16, 512, 128, true, false, QuantFixture.Kind.RANDOM);
    int[] map = f.order.map();
    assertEquals(512, map.length);
    assertEquals(128, f.order.groupSize());
    for (int j = 0; j < map.length; j++) {
      assertEquals(j / 128, f.groupIndex[map[j]], "packed input " + j + " sits in its group");
    }
  }

  @Test
  void unevenGroupsArePaddedAndPathologicalOnesRefused() {
    int[] g = {0, 0, 0, 1, 1, 0, 2, 2};
    InputOrder order = InputOrder.of(4, g, 3, 2);
    assertEquals(32, order.groupSize()); // groups are whole pairs of mma steps
    assertEquals(128, order.packedInputs());
    assertEquals(0, order.map()[0]);
    assertEquals(5, order.map()[3]);
    assertEquals(-1, order.map()[4]);
    assertEquals(3, order.map()[32]);
    int[] lopsided = new int[1024];
    for (int i = 0; i < 64; i++) {
      lopsided[i] = 1 + i;
    }
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> InputOrder.of(4, lopsided, 65, 16));
    assertTrue(e.getMessage().contains("too uneven"), e.getMessage());
  }

  @ParameterizedTest(name = "{0}-bit {1}x{2} group {3} act-order {4} bf16 scales {5} {6} m={7}")
  @CsvSource({
    "4, 48, 256, 128, false, false, RANDOM, 1",
    "4, 40, 320, 32, true, false, RANDOM, 5",
    "4, 16, 64, -1, false, true, RANDOM, 8",
    "4, 33, 136, 16, false, false, RANDOM, 3",
    "4, 64, 512, 64, true, true, EXTREME_SCALES, 16",
    "4, 17, 384, 128, false, false, ZERO_GROUPS, 2",
    "8, 48, 256, 128, false, false, RANDOM, 1",
    "8, 24, 224, 32, true, true, RANDOM, 9",
    "8, 16, 100, -1, false, false, EXTREME_SCALES, 4",
    "8, 80, 192, 64, false, false, ZERO_GROUPS, 33",
    "4, 32, 1024, 256, true, false, RANDOM, 64"
  })
  void twinReadsBackTheWeight(
      int bits,
      int rows,
      int inputs,
      int groupSize,
      boolean actOrder,
      boolean scaleBf16,
      QuantFixture.Kind kind,
      int m) {
    SplittableRandom random = new SplittableRandom(rows * 31L + inputs);
    QuantFixture f =
        new QuantFixture(random, bits, rows, inputs, groupSize, actOrder, scaleBf16, kind);
    float[] x = activations(random, m, inputs, DType.BF16);
    double[] expected = f.product(x, m);
    float[] xg = f.gemmInput(x, m);
    float[] out = new float[m * rows + 7];
    QuantGemmReference.gemm(
        DType.F32,
        out,
        3,
        rows,
        xg,
        0,
        f.geo.gemmInputs(),
        m,
        f.geo,
        f.codeWords,
        0,
        f.metaWords,
        0);
    assertClose(expected, out, 3, 1e-6 * f.magnitude(x, m) + 1e-30, "twin");

    float[] dense = new float[rows * f.geo.packedInputs()];
    QuantGemmReference.dequantize(
        DType.F32, dense, 0, f.geo.packedInputs(), f.geo, f.codeWords, 0, f.metaWords, 0, 0, rows);
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < f.geo.packedInputs(); j++) {
        int input = f.order.input(j);
        float want = input < 0 ? 0f : (float) f.weight(r, input);
        float got = dense[r * f.geo.packedInputs() + j];
        if (input >= 0 && Math.abs(got - want) > 1e-6 * Math.abs(want)) {
          fail("dequantized W[" + r + "][" + input + "] = " + got + ", expected " + want);
        }
      }
    }
  }

  @Test
  void rowSlicesAreViewsOfWholeTiles() {
    SplittableRandom random = new SplittableRandom(9);
    QuantFixture f =
        new QuantFixture(random, 4, 80, 128, 64, false, false, QuantFixture.Kind.RANDOM);
    float[] x = activations(random, 2, 128, DType.BF16);
    double[] all = f.product(x, 2);
    QuantGeometry part = f.geo.rows(32, 72);
    float[] out = new float[2 * 40];
    QuantGemmReference.gemm(
        DType.F32,
        out,
        0,
        40,
        x,
        0,
        128,
        2,
        part,
        f.codeWords,
        (int) (2 * f.geo.codeWordsPerRowTile()),
        f.metaWords,
        (int) (2 * f.geo.metaWordsPerRowTile()));
    for (int i = 0; i < 2; i++) {
      for (int r = 0; r < 40; r++) {
        assertEquals(all[i * 80 + 32 + r], out[i * 40 + r], 1e-6 * Math.abs(all[i * 80 + 32 + r]));
      }
    }
    assertThrows(IllegalArgumentException.class, () -> f.geo.rows(8, 40));
  }

  @ParameterizedTest(
      name =
          "{0}-bit {1}x{2}, input-major {3}, {4} act-order groups: whole-word packing equals"
              + " code-by-code packing")
  @CsvSource({
    "4, 40, 200, false, 0",
    "4, 16, 64, false, 0",
    "8, 33, 100, false, 0",
    "8, 64, 4096, false, 0",
    "4, 40, 200, true, 0",
    "4, 48, 4096, true, 0",
    "8, 33, 100, true, 0",
    "4, 40, 256, true, 8",
    "4, 17, 512, false, 4",
    "8, 33, 128, true, 4",
    "8, 48, 96, false, 3"
  })
  void rowWordsPackLikeCodes(int bits, int rows, int inputs, boolean inputMajor, int actGroups) {
    SplittableRandom random = new SplittableRandom(rows + inputs);
    int perWord = 32 / bits;
    int[] canonical = new int[rows * inputs / perWord];
    for (int i = 0; i < canonical.length; i++) {
      canonical[i] = random.nextInt();
    }
    InputOrder order;
    if (actGroups == 0) {
      order = InputOrder.of(bits, new int[inputs], 1, -1);
    } else {
      // g_idx as act-order writes it: equal groups, inputs shuffled among them; one input moved
      // to the next group, so that the groups are uneven and padded.
      int[] groups = new int[inputs];
      for (int i = 0; i < inputs; i++) {
        groups[i] = i * actGroups / inputs;
      }
      for (int i = inputs - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = groups[i];
        groups[i] = groups[j];
        groups[j] = t;
      }
      for (int i = 0; i < inputs; i++) {
        if (groups[i] == 0) {
          groups[i] = 1;
          break;
        }
      }
      order = InputOrder.of(bits, groups, actGroups, inputs / actGroups);
      assertTrue(order.permuted());
    }
    int wordsPerRow = inputs / perWord;
    // Input-major: the same words stored as GPTQ's qweight, [in / perWord][rows].
    int[] transposed = new int[canonical.length];
    for (int r = 0; r < rows; r++) {
      for (int w = 0; w < wordsPerRow; w++) {
        transposed[w * rows + r] = canonical[r * wordsPerRow + w];
      }
    }
    int[][] arrays = new int[rows][];
    int[] offsets = new int[rows];
    int[] strides = new int[rows];
    for (int r = 0; r < rows; r++) {
      arrays[r] = inputMajor ? transposed : canonical;
      offsets[r] = inputMajor ? r : r * wordsPerRow;
      strides[r] = inputMajor ? rows : 1;
    }
    int mask = (1 << bits) - 1;
    int[] byCode =
        QuantPacker.packCodes(
            bits,
            rows,
            order,
            (row, in) ->
                (canonical[row * wordsPerRow + in / perWord] >>> (bits * (in % perWord))) & mask);
    assertArrayEquals(
        byCode, QuantPacker.packRowWords(bits, rows, order, arrays, offsets, strides));
  }

  static float[] activations(SplittableRandom random, int m, int k, DType t) {
    float[] x = new float[m * k];
    for (int i = 0; i < x.length; i++) {
      x[i] = DTypes.round(t, (float) random.nextDouble(-2, 2));
    }
    return x;
  }

  static void assertClose(double[] expected, float[] actual, int offset, double atol, String what) {
    for (int i = 0; i < expected.length; i++) {
      double err = Math.abs(expected[i] - actual[offset + i]);
      if (!(err <= atol)) {
        fail(what + ": element " + i + " is " + actual[offset + i] + ", expected " + expected[i]);
      }
    }
  }
}
