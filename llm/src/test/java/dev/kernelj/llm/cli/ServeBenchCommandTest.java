package dev.kernelj.llm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kernelj.llm.model.TinyLlama;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

  /** {@code bench --serve} of the tiny model with small limits; {@code extra} overrides them. */
  static EngineCommandsTest.Run bench(String... extra) {
    List<String> args = new ArrayList<>(List.of("bench", "--serve", "--model", model.toString()));
    String[][] defaults = {
      {"--device", "cpu"},
      {"--max-num-seqs", "8"},
      {"--max-num-batched-tokens", "64"},
      {"--block-size", "8"},
      {"--num-kv-blocks", "64"}
    };
    for (String[] option : defaults) {
      if (!List.of(extra).contains(option[0])) {
        args.addAll(List.of(option));
      }
    }
    args.addAll(List.of(extra));
    return EngineCommandsTest.run(args.toArray(new String[0]));
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
    EngineCommandsTest.Run mixed = bench("--batch-size", "4");
    assertEquals(ExitCodes.USAGE, mixed.code());
    assertTrue(mixed.err().contains("--batch-size is for the static-batch bench"), mixed.err());
  }

  /** Every value out of range is a usage error naming the option, before the model loads. */
  @Test
  void outOfRangeValuesAreUsageErrors() {
    String[][] rows = {
      {"--request-rate fast", "--request-rate must be a number of requests per second"},
      {"--request-rate 0", "--request-rate must be a number"},
      {"--request-rate NaN", "--request-rate must be a number"},
      {"--num-prompts 0", "--num-prompts must be at least 1"},
      {"--input-len 0", "--input-len must be at least 1"},
      {"--output-len -2", "--output-len must be at least 1"},
      {"--range-ratio 1", "--range-ratio must be in [0, 1) but is 1"},
      {"--prefix-len -1", "--prefix-len must be at least 0"},
      {"--max-concurrency -1", "--max-concurrency must be at least 0"},
      {"--max-num-seqs 0", "--max-num-seqs must be 1 to 4096"},
      {"--max-num-seqs 100000", "--max-num-seqs must be 1 to 4096"},
      {"--max-num-batched-tokens 4", "--max-num-batched-tokens must be at least 8"},
      {"--block-size 0", "--block-size must be 1 to 1024"},
      {"--num-kv-blocks -1", "--num-kv-blocks must be at least 0"},
      {"--max-model-len -1", "--max-model-len must be at least 0"},
    };
    for (String[] row : rows) {
      EngineCommandsTest.Run r = bench(row[0].split(" "));
      assertEquals(ExitCodes.USAGE, r.code(), row[0] + ": " + r.err());
      List<String> lines = r.err().strip().lines().toList();
      assertEquals(1, lines.size(), row[0] + ": one line: " + r.err());
      assertTrue(lines.get(0).contains(row[1]), row[0] + ": " + r.err());
    }
  }
}
