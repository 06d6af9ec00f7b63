package dev.kernelj.llm.serving.runtime;

import dev.kernelj.llm.engine.BatchStepRunner;
import dev.kernelj.llm.engine.SamplingSettings;
import dev.kernelj.llm.engine.ServingModel;
import dev.kernelj.llm.serving.TokenLogprob;
import dev.kernelj.llm.serving.sched.ScheduledBatch;
import dev.kernelj.llm.serving.sched.Sequence;
import dev.kernelj.llm.serving.sched.StepExecutor;
import dev.kernelj.llm.serving.sched.StepResult;
import java.util.Arrays;

/**
 * Runs scheduler steps on a {@link ServingModel}: lays a {@link ScheduledBatch} out as a mixed step
 * (one-token entries as decode rows first, then the prefill chunks), gives every sampled row its
 * request's settings, random counter and penalty history, runs it, and reads back the sampled ids
 * and, for requests that asked, the logprobs.
 */
final class ModelStepExecutor implements StepExecutor {
  private final ServingModel model;
  private final BatchStepRunner runner;
  private final StepLayout layout;
  private final int[] sampled;
  private final int[] topIds;
  private final float[] topValues;

  ModelStepExecutor(ServingModel model, int maxSequences) {
    this.model = model;
    this.runner = model.runner();
    this.layout = new StepLayout(maxSequences);
    this.sampled = new int[maxSequences];
    this.topIds = new int[maxSequences * BatchStepRunner.MAX_LOGPROBS];
    this.topValues = new float[maxSequences * BatchStepRunner.MAX_LOGPROBS];
  }

  @Override
  public void execute(ScheduledBatch step, StepResult result) {
    layout.fill(step, runner.begin(step.tokens(), step.size(), step.isDecodeOnly()));
    for (int row = 0; row < layout.logitRows; row++) {
      Sequence s = step.sequence(layout.entryOfRow[row]);
      runner.sampleWith(s.sampling(), s.generated(), history(s));
    }
    runner.run(sampled);
    long device = runner.deviceNanos();
    int n = 0;
    for (int row = 0; row < layout.logitRows; row++) {
      int e = layout.entryOfRow[row];
      result.tokens[e] = sampled[row];
      int asked = step.sequence(e).logprobs();
      n = asked >= 0 ? Math.max(n, Math.max(1, asked)) : n;
    }
    if (n > 0) {
      long start = System.nanoTime();
      readLogprobs(step, result, n);
      device += System.nanoTime() - start;
    }
    result.deviceNanos = device;
  }

  /**
   * The tokens the penalties count: prompt and output for the repetition penalty (Hugging Face's
   * rule); the output only for presence and frequency alone (OpenAI's). The sampler applies all
   * three over one history, so a request with both counts its prompt for all three.
   */
  private static int[] history(Sequence s) {
    SamplingSettings settings = s.sampling();
    if (!settings.penalizes()) {
      return null;
    }
    int from = settings.repetitionPenalty() != 1 ? 0 : s.promptLength();
    return Arrays.copyOfRange(s.tokenArray(), from, s.length());
  }

  private void readLogprobs(ScheduledBatch step, StepResult result, int n) {
    runner.topLogprobs(n, topIds, topValues);
    for (int row = 0; row < layout.logitRows; row++) {
      int e = layout.entryOfRow[row];
      int asked = step.sequence(e).logprobs();
      if (asked < 0) {
        continue;
      }
      int token = result.tokens[e];
      int at = row * n;
      float chosen = Float.NaN;
      for (int i = 0; i < n; i++) {
        if (topIds[at + i] == token) {
          chosen = topValues[at + i];
        }
      }
      if (Float.isNaN(chosen)) {
        // log p(token) = logit(token) - logsumexp = logit(token) - (logit(best) - log p(best))
        chosen = runner.logit(row, token) - (runner.logit(row, topIds[at]) - topValues[at]);
      }
      result.logprobs[e] =
          new TokenLogprob(
              token,
              chosen,
              Arrays.copyOfRange(topIds, at, at + asked),
              Arrays.copyOfRange(topValues, at, at + asked));
    }
  }

  @Override
  public void close() {
    model.close();
  }
}
