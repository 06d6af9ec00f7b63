package dev.kernelj.llm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /metrics}: vLLM's metric set under {@code kernelj:}, counting what was served. */
class MetricsTest {
  @TempDir static Path dir;

  @Test
  void countersAndHistogramsAddUpToTheRequestsServed() throws Exception {
    try (TestServer s = TestServer.start(dir)) {
      int[] maxTokens = {3, 5, 7};
      int prompt = 0;
      for (int m : maxTokens) {
        HttpResponse<String> r =
            RawHttp.post(
                s.url() + "/v1/completions",
                "{\"prompt\": \"count me\", \"max_tokens\": "
                    + m
                    + ", \"ignore_eos\": true,"
                    + " \"stream\": true}");
        assertEquals(200, r.statusCode());
        prompt += new Oracle(s).textIds("count me").length;
      }
      HttpResponse<String> r = RawHttp.get(s.url() + "/metrics");
      assertEquals(200, r.statusCode());
      assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
      Map<String, Double> m = samples(r.body());
      String model = "model_name=\"" + TestServer.MODEL_NAME + "\"";
      assertEquals(prompt, m.get("kernelj:prompt_tokens_total{" + model + "}"));
      assertEquals(15.0, m.get("kernelj:generation_tokens_total{" + model + "}"));
      assertEquals(
          3.0, m.get("kernelj:request_success_total{finished_reason=\"length\"," + model + "}"));
      assertEquals(3.0, m.get("kernelj:time_to_first_token_seconds_count{" + model + "}"));
      assertEquals(3.0, m.get("kernelj:e2e_request_latency_seconds_count{" + model + "}"));
      assertEquals(
          (3 - 1) + (5 - 1) + (7 - 1),
          m.get("kernelj:inter_token_latency_seconds_count{" + model + "}"),
          "one gap between each two tokens");
      assertEquals(15.0, m.get("kernelj:request_generation_tokens_sum{" + model + "}"));
      for (String gauge :
          new String[] {
            "num_requests_running",
            "num_requests_waiting",
            "kv_cache_blocks_used",
            "kv_cache_usage_perc",
            "prefix_cache_hit_rate"
          }) {
        assertEquals(0.0, m.get("kernelj:" + gauge + "{" + model + "}"), gauge);
      }
      assertTrue(m.get("kernelj:kv_cache_blocks_total{" + model + "}") > 0);
      for (String counter :
          new String[] {
            "prefix_cache_queries_total", "prefix_cache_hits_total", "num_preemptions_total"
          }) {
        assertTrue(m.containsKey("kernelj:" + counter + "{" + model + "}"), counter);
      }
    }
  }

  static Map<String, Double> samples(String text) {
    Map<String, Double> out = new HashMap<>();
    for (String line : text.split("\n")) {
      if (!line.startsWith("#") && !line.isBlank()) {
        int space = line.lastIndexOf(' ');
        out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
      }
    }
    return out;
  }
}
