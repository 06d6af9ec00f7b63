package dev.kernelj.llm.serving.runtime;

import dev.kernelj.llm.engine.BatchStepRunner;
import dev.kernelj.llm.engine.SamplingSettings;
import dev.kernelj.llm.engine.ServingModel;
import dev.kernelj.llm.serving.TokenLogprob;
import dev.kernelj.llm.serving.sched.ScheduledBatch;
import dev.kernelj.llm.serving.sched.Sequence;
import dev.kernelj.llm.serving.sched.StepExecutor;
import dev.kernelj.llm.serving.sched.StepResult;
import dev.kernelj.ops.SampleRow;
import java.util.Arrays;

/**
 * Runs scheduler steps on a {@link ServingModel}: lays a {@link ScheduledBatch} out as a mixed step
 * (one-token entries as decode rows first, then the prefill chunks), gives every sampled row its
 * request's settings, seed, random counter, penalty history and logprobs (one {@link SampleRow}),
 * runs it, and reads back the sampled ids and, for requests that asked, the logprobs. A scored
 * chunk's rows score the prompt's next tokens instead: their logprobs become the prompt logprobs.
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
    this.topIds = new int[BatchStepRunner.MAX_LOGPROBS];
    this.topValues = new float[BatchStepRunner.MAX_LOGPROBS];
  }

  @Override
  public void execute(ScheduledBatch step, StepResult result) {
    layout.fill(step, runner.begin(step.tokens(), step.size(), step.isDecodeOnly()));
    for (int row = 0; row < layout.logitRows; row++) {
      int e = layout.entryOfRow[row];
      Sequence s = step.sequence(e);
      if (!step.scored(e)) {
        runner.sampleWith(sampleRow(s));
        continue;
      }
      int position = step.start(e) + row - layout.logitRowOf[e];
      if (position + 1 < s.promptLength()) {
        runner.scoreWith(SampleRow.PADDING.withLogprobs(s.promptLogprobs()), s.token(position + 1));
      } else {
        // the prompt's last position samples (a chunk recomputed after preemption may go on)
        runner.sampleWith(position == s.length() - 1 ? sampleRow(s) : SampleRow.PADDING);
      }
    }
    runner.run(sampled);
    for (int e = 0; e < step.size(); e++) {
      if (step.scored(e)) {
        result.promptLogprobs[e] = promptLogprobs(step, e);
      }
      if (!step.samples(e)) {
        continue;
      }
      int row = layout.logitRowOf[e] + step.rows(e) - 1; // a sampling entry's last row
      result.tokens[e] = sampled[row];
      int asked = step.sequence(e).logprobs();
      if (asked >= 0 && sampled[row] >= 0) {
        runner.topLogprobs(row, asked, topIds, topValues);
        result.logprobs[e] =
            new TokenLogprob(
                sampled[row],
                runner.sampledLogprob(row),
                Arrays.copyOf(topIds, asked),
                Arrays.copyOf(topValues, asked));
      }
    }
    result.deviceNanos = runner.deviceNanos();
  }

  /** The logprobs of the prompt tokens that entry {@code e}'s positions scored. */
  private TokenLogprob[] promptLogprobs(ScheduledBatch step, int e) {
    Sequence s = step.sequence(e);
    int first = layout.logitRowOf[e];
    int start = step.start(e);
    int scored = Math.min(step.count(e), s.promptLength() - 1 - start);
    int asked = s.promptLogprobs();
    TokenLogprob[] out = new TokenLogprob[scored];
    for (int i = 0; i < scored; i++) {
      int row = first + i;
      runner.topLogprobs(row, asked, topIds, topValues);
      out[i] =
          new TokenLogprob(
              s.token(start + i + 1),
              runner.scoredLogprob(row),
              Arrays.copyOf(topIds, asked),
              Arrays.copyOf(topValues, asked));
    }
    return out;
  }

  /**
   * The row the sampler draws {@code s}'s next token with: its settings and seed, its random
   * counter (tokens generated so far), its penalty history and the logprobs it asked for.
   */
  private static SampleRow sampleRow(Sequence s) {
    SamplingSettings settings = s.sampling();
    SampleRow row = SampleRow.of(settings.toParams(), settings.seed(), s.generated());
    int[] history = history(s);
    if (history != null) {
      row = row.withHistory(history, history.length);
    }
    return s.logprobs() >= 0 ? row.withLogprobs(s.logprobs()) : row;
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

  @Override
  public void close() {
    model.close();
  }
}
