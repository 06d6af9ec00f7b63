package dev.kernelj.llm.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.quant.QuantizedProjectionLoader.Prepared;
import dev.kernelj.llm.quant.QuantizedProjectionLoader.Request;
import dev.kernelj.llm.util.ModelFormatException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class RepackAheadTest {
  private static List<Request> requests(int count) {
    List<Request> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(new Request(64, List.of("model.layers." + i + ".mlp.down_proj"), new int[] {16}));
    }
    return out;
  }

  @Test
  void eachRequestGetsItsOwnPreparationInOrder() {
    List<Request> requests = requests(9);
    Map<Request, Prepared> made = new ConcurrentHashMap<>();
    Function<Request, Prepared> prepare =
        r -> made.computeIfAbsent(r, x -> new Prepared(List.of()));
    try (RepackAhead ahead = new RepackAhead(prepare, requests, 3, 2)) {
      for (Request r : requests) {
        Prepared p = ahead.take(r);
        assertSame(made.get(r), p, "the preparation of " + r.modules());
      }
    }
    assertEquals(9, made.size());
  }

  @Test
  void noMoreThanAheadArePreparedBeforeTheirTurn() throws InterruptedException {
    List<Request> requests = requests(8);
    AtomicInteger started = new AtomicInteger();
    Function<Request, Prepared> prepare =
        r -> {
          started.incrementAndGet();
          return new Prepared(List.of());
        };
    try (RepackAhead ahead = new RepackAhead(prepare, requests, 3, 2)) {
      awaitThenStays(started, 3);
      ahead.take(requests.get(0));
      ahead.take(requests.get(1));
      awaitThenStays(started, 5);
    }
  }

  /** Waits (10 s at most) until {@code count} reaches {@code n}, then checks it goes no further. */
  private static void awaitThenStays(AtomicInteger count, int n) throws InterruptedException {
    for (int i = 0; i < 1000 && count.get() < n; i++) {
      Thread.sleep(10);
    }
    Thread.sleep(100); // room for a preparation the bound should have held back
    assertEquals(n, count.get());
  }

  @Test
  void aBadCheckpointFailsAtTheProjectionItNamesWithItsOwnError() {
    List<Request> requests = requests(5);
    ModelFormatException bad =
        new ModelFormatException(Path.of("model.safetensors"), "tensor 'x'", "is broken");
    Function<Request, Prepared> prepare =
        r -> {
          if (r == requests.get(3)) {
            throw bad;
          }
          return new Prepared(List.of());
        };
    try (RepackAhead ahead = new RepackAhead(prepare, requests, 3, 2)) {
      for (int i = 0; i < 3; i++) {
        ahead.take(requests.get(i)); // prepared although a later one failed
      }
      assertSame(bad, assertThrows(ModelFormatException.class, () -> ahead.take(requests.get(3))));
    }
  }

  @Test
  void takingOutOfOrderIsAProgrammingError() {
    List<Request> requests = requests(3);
    try (RepackAhead ahead = new RepackAhead(r -> new Prepared(List.of()), requests, 2, 1)) {
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> ahead.take(requests.get(1)));
      assertTrue(e.getMessage().contains("layers.1"), e.getMessage());
    }
  }
}
