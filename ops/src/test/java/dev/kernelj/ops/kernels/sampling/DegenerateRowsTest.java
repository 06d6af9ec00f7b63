package dev.kernelj.ops.kernels.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The sampler never throws on a degenerate row: non-finite logits and fully masked rows come back
 * as their sentinel ids, a temperature that overflows {@code logit / T} samples like greedy, and
 * partly masked or huge logits still give a valid, unmasked id.
 */
class DegenerateRowsTest {
  @ParameterizedTest(name = "vocab {0}")
  @ValueSource(ints = {1, 2, 17, 1000})
  void degenerateRowsGiveSentinelsOrValidIds(int vocab) {
    DegenerateRows rows = new DegenerateRows(vocab, new Random(vocab));
    for (int step = 0; step < 8; step++) {
      int[] tokens = rows.sampleOnTheHost(step);
      for (int r = 0; r < DegenerateRows.ROWS; r++) {
        int expected = DegenerateRows.EXPECTED[r];
        if (r == 3 && vocab == 1) {
          expected = 0;
        }
        if (expected == -3) {
          int id = tokens[r];
          assertTrue(id >= 0 && id < vocab, "row " + r + " drew " + id);
          assertTrue(
              rows.logits[r * vocab + id] != Float.NEGATIVE_INFINITY, "row " + r + " drew masked");
        } else {
          assertEquals(expected, tokens[r], "row " + r);
        }
      }
      // A temperature that overflows logit / T is greedy: the argmax, lowest id on ties.
      int argmax = 0;
      for (int i = 1; i < vocab; i++) {
        if (rows.logits[4 * vocab + i] > rows.logits[4 * vocab + argmax]) {
          argmax = i;
        }
      }
      assertEquals(argmax, tokens[4], "tiny temperature");
    }
  }
}
