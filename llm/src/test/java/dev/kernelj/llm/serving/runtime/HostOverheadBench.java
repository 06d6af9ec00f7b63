package dev.kernelj.llm.serving.runtime;

import dev.kernelj.llm.engine.SamplingSettings;
import dev.kernelj.llm.model.MixedBatch;
import dev.kernelj.llm.serving.RequestHandle;
import dev.kernelj.llm.serving.ServeRequest;
import dev.kernelj.llm.serving.ServingOptions;
import dev.kernelj.llm.serving.ServingStats;
import dev.kernelj.llm.serving.sched.ScheduledBatch;
import dev.kernelj.llm.serving.sched.StepExecutor;
import dev.kernelj.llm.serving.sched.StepResult;
import dev.kernelj.llm.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The scheduler thread's host cost per step with no device at all: a stand-in executor lays each
 * step out as the model executor does ({@link MixedBatch}) and "samples" instantly, so everything
 * measured is scheduling, packing, stop checks, streaming decode and deltas. Prints nanoseconds per
 * step at 256 decoding sequences (the goal: at most 10% of the GPU step).
 *
 * <pre>java -cp ... dev.kernelj.llm.serving.runtime.HostOverheadBench [tokenizer-dir]</pre>
 */
public final class HostOverheadBench {
  /** Lays each step out as ModelStepExecutor does; samples 'A'..'Z' for the rows. */
  static final class PackingExecutor implements StepExecutor {
    final MixedBatch batch;
    final StepLayout layout;

    PackingExecutor(int tokens, int seqs, int width, int blockSize) {
      batch = new MixedBatch(tokens, seqs, width, blockSize);
      layout = new StepLayout(seqs);
    }

    @Override
    public void execute(ScheduledBatch step, StepResult result) {
      batch.begin(step.tokens(), step.size());
      layout.fill(step, batch);
      batch.finish();
      for (int row = 0; row < layout.logitRows; row++) {
        result.tokens[layout.entryOfRow[row]] = 65 + row % 26;
      }
    }

    @Override
    public void close() {}
  }

  public static void main(String[] args) throws Exception {
    Tokenizer tokenizer = args.length > 0 ? Tokenizer.fromDirectory(Path.of(args[0])) : null;
    int seqs = 256;
    int len = 2048;
    ServingOptions options =
        ServingOptions.builder().maxNumSeqs(seqs).maxNumBatchedTokens(8192).build();
    ServedModel model = new ServedModel(128256, Set.of(), tokenizer, len, 40_000, 16, "none");
    for (int round = 0; round < 3; round++) {
      try (ContinuousBatchingEngine e =
          new ContinuousBatchingEngine(
              new PackingExecutor(8192, seqs, len / 16, 16), model, null, options)) {
        Random random = new Random(round);
        List<RequestHandle> handles = new ArrayList<>();
        for (int i = 0; i < seqs; i++) {
          int[] prompt = random.ints(512, 0, 128256).toArray();
          handles.add(
              e.submit(
                  new ServeRequest(
                      null,
                      prompt,
                      SamplingSettings.greedy(),
                      1024,
                      List.of(),
                      Set.of(),
                      true,
                      -1)));
        }
        ServingStats start = e.stats();
        while (start.running() < seqs && !handles.get(0).completion().isDone()) {
          Thread.sleep(1); // measure the steady state: all sequences admitted
          start = e.stats();
        }
        handles.forEach(h -> h.completion().join());
        ServingStats end = e.stats();
        long steps = end.steps() - start.steps();
        System.out.printf(
            "round %d: %d decode steps, host %.1f us per step at %d sequences (%s tokenizer)%n",
            round,
            steps,
            (end.hostNanos() - start.hostNanos()) / 1e3 / steps,
            seqs,
            tokenizer == null ? "no" : "a");
      }
    }
  }
}
