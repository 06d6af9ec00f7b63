package dev.kernelj.llm.engine;

import dev.kernelj.llm.config.GenerationConfig;
import dev.kernelj.ops.SamplingParams;

/**
 * How the next token is chosen from the logits, in Hugging Face's order: repetition penalty over
 * every token seen (prompt and generated), then temperature, top-k, top-p and min-p, then a draw.
 *
 * @param temperature divides the logits; {@code <= 0} means greedy (argmax, lowest id on ties)
 * @param topK keep the k most likely tokens; 0 keeps all
 * @param topP keep the smallest most-likely set whose probability reaches p; 1 keeps all
 * @param minP drop tokens less likely than {@code minP * p(most likely)}; 0 keeps all; below 1
 * @param repetitionPenalty seen tokens: positive logits divided, negative multiplied; 1 is off
 * @param seed seeds the draw; the same seed, prompt and settings give the same tokens, alone or in
 *     a batch (each sequence draws from its own Philox stream: key {@code seed}, counter = tokens
 *     generated so far)
 * @param presencePenalty subtracted once from the logit of every token already generated (OpenAI's
 *     {@code presence_penalty}); 0 is off
 * @param frequencyPenalty subtracted from a generated token's logit once per time it was generated
 *     (OpenAI's {@code frequency_penalty}); 0 is off
 */
public record SamplingSettings(
    double temperature,
    int topK,
    double topP,
    double minP,
    double repetitionPenalty,
    long seed,
    double presencePenalty,
    double frequencyPenalty) {
  public SamplingSettings {
    if (Double.isNaN(temperature)
        || topK < 0
        || !(topP > 0 && topP <= 1)
        || !(minP >= 0 && minP < 1)
        || !(repetitionPenalty > 0)
        || !Double.isFinite(presencePenalty)
        || !Double.isFinite(frequencyPenalty)) {
      throw new EngineException(
          "sampling settings out of range: temperature "
              + temperature
              + " (>= 0), top-k "
              + topK
              + " (>= 0), top-p "
              + topP
              + " (in (0, 1]), min-p "
              + minP
              + " (in [0, 1)), repetition penalty "
              + repetitionPenalty
              + " (> 0), presence penalty "
              + presencePenalty
              + " and frequency penalty "
              + frequencyPenalty
              + " (finite)");
    }
  }

  /** Settings without presence and frequency penalties. */
  public SamplingSettings(
      double temperature, int topK, double topP, double minP, double repetitionPenalty, long seed) {
    this(temperature, topK, topP, minP, repetitionPenalty, seed, 0, 0);
  }

  /** Argmax every step. */
  public static SamplingSettings greedy() {
    return new SamplingSettings(0, 0, 1, 0, 1, 0);
  }

  /** The model's defaults from {@code generation_config.json} (greedy when it does not sample). */
  public static SamplingSettings fromGenerationConfig(GenerationConfig g, long seed) {
    if (!g.doSample()) {
      return new SamplingSettings(0, 0, 1, 0, g.repetitionPenalty(), seed);
    }
    return new SamplingSettings(
        g.temperature(), Math.max(0, g.topK()), g.topP(), 0, g.repetitionPenalty(), seed);
  }

  public boolean isGreedy() {
    return temperature <= 0;
  }

  /**
   * Whether a penalty changes any logit (so the sequence's history must reach the sampler). The
   * static-batch engine counts the prompt and the output for every penalty; the serving engine
   * counts only the output for presence and frequency penalties when no repetition penalty is set.
   */
  public boolean penalizes() {
    return repetitionPenalty != 1 || presencePenalty != 0 || frequencyPenalty != 0;
  }

  /** These settings as the ops' sampling parameters (greedy: temperature 0). */
  public SamplingParams toParams() {
    float t = isGreedy() ? 0f : (float) temperature;
    try {
      return SamplingParams.of(t, topK, (float) topP, (float) minP)
          .withPenalties(
              (float) repetitionPenalty, (float) presencePenalty, (float) frequencyPenalty);
    } catch (IllegalArgumentException e) {
      throw new EngineException(
          "sampling settings "
              + this
              + " do not fit the sampler's float parameters: "
              + e.getMessage());
    }
  }

  public SamplingSettings withTemperature(double t) {
    return new SamplingSettings(
        t, topK, topP, minP, repetitionPenalty, seed, presencePenalty, frequencyPenalty);
  }

  public SamplingSettings withTopK(int k) {
    return new SamplingSettings(
        temperature, k, topP, minP, repetitionPenalty, seed, presencePenalty, frequencyPenalty);
  }

  public SamplingSettings withTopP(double p) {
    return new SamplingSettings(
        temperature, topK, p, minP, repetitionPenalty, seed, presencePenalty, frequencyPenalty);
  }

  public SamplingSettings withMinP(double p) {
    return new SamplingSettings(
        temperature, topK, topP, p, repetitionPenalty, seed, presencePenalty, frequencyPenalty);
  }

  public SamplingSettings withRepetitionPenalty(double r) {
    return new SamplingSettings(
        temperature, topK, topP, minP, r, seed, presencePenalty, frequencyPenalty);
  }

  public SamplingSettings withSeed(long s) {
    return new SamplingSettings(
        temperature, topK, topP, minP, repetitionPenalty, s, presencePenalty, frequencyPenalty);
  }

  public SamplingSettings withPresencePenalty(double p) {
    return new SamplingSettings(
        temperature, topK, topP, minP, repetitionPenalty, seed, p, frequencyPenalty);
  }

  public SamplingSettings withFrequencyPenalty(double f) {
    return new SamplingSettings(
        temperature, topK, topP, minP, repetitionPenalty, seed, presencePenalty, f);
  }
}
