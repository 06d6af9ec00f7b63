package dev.kernelj.llm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kernelj.llm.model.TinyLlama;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kernelj bench --serve} on the CPU with a tiny model: the metrics, and its errors. */
class ServeBenchCommandTest {
  @TempDir static Path dir;
  static Path model;

  @BeforeAll
  static void writeModel() throws Exception {
    model = TinyLlama.write(dir.resolve("tiny"), TinyLlama.LLAMA, 3).dir();
  }

  static EngineCommandsTest.Run bench(String... extra) {
    String[] base = {
      "bench",
      "--serve",
      "--model",
      model.toString(),
      "--device",
      "cpu",
      "--max-num-seqs",
      "8",
      "--max-num-batched-tokens",
      "64",
      "--block-size",
      "8",
      "--num-kv-blocks",
      "64"
    };
    String[] args = java.util.Arrays.copyOf(base, base.length + extra.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    return EngineCommandsTest.run(args);
  }

  @Test
  void reportsVllmsServingMetricsAsJson() throws Exception {
    EngineCommandsTest.Run r =
        bench(
            "--num-prompts",
            "12",
            "--input-len",
            "20",
            "--output-len",
            "6",
            "--range-ratio",
            "0.5",
            "--prefix-len",
            "16",
            "--request-rate",
            "200",
            "--seed",
            "3",
            "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals("reference", j.get("device").asText());
    assertEquals(12, j.get("completed").asInt());
    int out = j.get("total_output_tokens").asInt();
    assertTrue(out >= 12 * 3 && out <= 12 * 9, "output lengths within the range: " + out);
    int in = j.get("total_input_tokens").asInt();
    assertTrue(in >= 12 * (16 + 10) && in <= 12 * (16 + 30), "input lengths: " + in);
    for (String metric : new String[] {"ttft", "tpot", "itl", "e2el"}) {
      double mean = j.get("mean_" + metric + "_ms").asDouble();
      double median = j.get("median_" + metric + "_ms").asDouble();
      double p99 = j.get("p99_" + metric + "_ms").asDouble();
      assertTrue(mean > 0 && median > 0 && p99 >= median, metric + ": " + r.out());
    }
    assertTrue(
        j.get("e2el_p99") == null
            && j.get("p99_e2el_ms").asDouble() >= j.get("p99_ttft_ms").asDouble());
    assertTrue(j.get("output_throughput").asDouble() > 0);
    // Every prompt after the first shares the 16-token prefix: its two full blocks hit.
    assertTrue(j.get("prefix_cache_hit_rate").asDouble() > 0.2, r.out());
    assertTrue(j.get("peak_kv_usage").asDouble() > 0, r.out());
  }

  @Test
  void printsTheTableAndHonoursMaxConcurrency() {
    EngineCommandsTest.Run r =
        bench(
            "--num-prompts",
            "6",
            "--input-len",
            "8",
            "--output-len",
            "4",
            "--max-concurrency",
            "2");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("Output token throughput (tok/s):"), r.out());
    assertTrue(r.out().contains("Median TTFT (ms):"), r.out());
    assertTrue(r.out().contains("Prefix cache hit rate:"), r.out());
  }

  @Test
  void badOptionsGetOneLine() {
    EngineCommandsTest.Run rate = bench("--num-prompts", "2", "--request-rate", "fast");
    assertEquals(ExitCodes.BAD_INPUT, rate.code());
    assertTrue(rate.err().contains("--request-rate must be a number"), rate.err());
    EngineCommandsTest.Run mixed = bench("--batch-size", "4");
    assertEquals(ExitCodes.USAGE, mixed.code());
    assertTrue(mixed.err().contains("--batch-size is for the static-batch bench"), mixed.err());
  }
}
