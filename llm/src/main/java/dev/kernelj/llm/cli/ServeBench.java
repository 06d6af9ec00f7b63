package dev.kernelj.llm.cli;

import dev.kernelj.llm.serving.ServingEngine;
import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.serving.bench.ServeBenchmark;
import dev.kernelj.llm.serving.bench.ServeResult;
import dev.kernelj.llm.serving.bench.ServeWorkload;
import dev.kernelj.llm.serving.runtime.ContinuousBatchingEngine;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code kernelj bench --serve}: opens the serving engine, runs the workload, prints the metrics.
 */
final class ServeBench {
  private ServeBench() {}

  static int run(
      EngineMixin engine,
      ServeBenchOptions o,
      CommandSpec spec,
      boolean json,
      PrintWriter out,
      PrintWriter err)
      throws InterruptedException {
    o.validate(spec, BenchCommand.MAX_BATCH);
    ServeWorkload w = o.workload(spec);
    ServingOptions options = o.options(engine.serving(err), w);
    long openStart = System.nanoTime();
    try (ContinuousBatchingEngine e = ServingEngine.open(engine.model, options)) {
      double openSeconds = (System.nanoTime() - openStart) / 1e9;
      ServeResult r = ServeBenchmark.run(e, e.config().vocabSize(), w);
      var stats = e.stats();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("device", e.deviceName());
      m.put("model", engine.model.toString());
      m.put("max_num_seqs", options.maxNumSeqs());
      m.put("max_num_batched_tokens", options.maxNumBatchedTokens());
      m.put("max_model_len", e.maxModelLength());
      m.put("prefix_caching", options.prefixCaching());
      m.put("kv_blocks", stats.kvBlocksTotal());
      m.put("block_size", stats.blockSize());
      m.put("load_s", openSeconds);
      m.putAll(r.toMap());
      if (json) {
        out.println(JsonOutput.toJson(m));
      } else {
        out.printf(
            Locale.ROOT,
            "%s%n%-40s%s%n%-40s%d blocks x %d tokens%n%-40s%d seqs, %d tokens a step%n%s",
            "=".repeat(16) + " Serving Benchmark Result " + "=".repeat(16),
            "Device:",
            e.deviceName(),
            "KV pool:",
            stats.kvBlocksTotal(),
            stats.blockSize(),
            "Scheduler limits:",
            options.maxNumSeqs(),
            options.maxNumBatchedTokens(),
            r.describe());
      }
    }
    return ExitCodes.OK;
  }
}
