package dev.kernelj.llm.serving.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.Delta;
import dev.kernelj.llm.serving.RequestHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A finished request as its stream delivered it, checked against its completion. */
record Served(Completion completion, List<Delta> deltas) {
  /** Reads every delta of {@code h} and checks that they add up to its completion. */
  static Served drain(RequestHandle h) throws Exception {
    return drain(h, List.of());
  }

  /** {@link #drain(RequestHandle)} of a request whose first deltas were already taken. */
  static Served drain(RequestHandle h, List<Delta> taken) throws Exception {
    List<Delta> deltas = new ArrayList<>(taken);
    while (deltas.isEmpty() || deltas.get(deltas.size() - 1).finishReason() == null) {
      Delta d = h.poll(60, TimeUnit.SECONDS);
      assertNotNull(d, "request " + h.id() + " stalled");
      deltas.add(d);
    }
    Completion c = h.completion().get(10, TimeUnit.SECONDS);
    StringBuilder text = new StringBuilder();
    List<Integer> tokens = new ArrayList<>();
    for (Delta d : deltas) {
      text.append(d.text());
      for (int t : d.tokenIds()) {
        tokens.add(t);
      }
    }
    assertArrayEquals(
        c.tokenIds(), tokens.stream().mapToInt(Integer::intValue).toArray(), "streamed tokens");
    assertEquals(c.text(), text.toString(), "streamed text");
    assertEquals(deltas.get(deltas.size() - 1).finishReason(), c.finishReason());
    return new Served(c, deltas);
  }

  int[] tokens() {
    return completion.tokenIds();
  }
}
