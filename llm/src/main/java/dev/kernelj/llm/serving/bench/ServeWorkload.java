package dev.kernelj.llm.serving.bench;

import dev.kernelj.llm.engine.EngineException;
import java.util.Random;

/**
 * What {@code kernelj bench --serve} sends, as vLLM's random dataset: {@code numPrompts} prompts of
 * random token ids, each {@code prefixLen} shared tokens then an input length drawn uniformly from
 * {@code [inputLen * (1 - rangeRatio), inputLen * (1 + rangeRatio)]}, asking for an output length
 * drawn the same way around {@code outputLen} (EOS ignored); arrivals Poisson at {@code
 * requestRate} per second (infinite: all at once), at most {@code maxConcurrency} in flight (0: no
 * cap).
 */
public record ServeWorkload(
    int numPrompts,
    int inputLen,
    int outputLen,
    double rangeRatio,
    int prefixLen,
    double requestRate,
    int maxConcurrency,
    long seed) {
  public ServeWorkload {
    if (numPrompts < 1 || inputLen < 1 || outputLen < 1 || prefixLen < 0 || maxConcurrency < 0) {
      throw new EngineException(
          "--num-prompts, --input-len and --output-len must be >= 1, --prefix-len and"
              + " --max-concurrency >= 0; got "
              + numPrompts
              + ", "
              + inputLen
              + ", "
              + outputLen
              + ", "
              + prefixLen
              + ", "
              + maxConcurrency);
    }
    if (!(rangeRatio >= 0 && rangeRatio < 1)) {
      throw new EngineException("--range-ratio must be in [0, 1), got " + rangeRatio);
    }
    if (!(requestRate > 0)) {
      throw new EngineException("--request-rate must be > 0 or inf, got " + requestRate);
    }
  }

  /** The longest prompt + output this workload can draw. */
  public int longestRequest() {
    return prefixLen + upper(inputLen) + upper(outputLen);
  }

  int upper(int length) {
    return (int) (length * (1 + rangeRatio));
  }

  int lower(int length) {
    return Math.max(1, (int) (length * (1 - rangeRatio)));
  }

  /** A length around {@code length} as the range ratio allows. */
  int draw(Random random, int length) {
    int lo = lower(length);
    return lo + random.nextInt(upper(length) - lo + 1);
  }

  /** Seconds from one arrival to the next: exponential at the request rate, 0 when infinite. */
  double gap(Random random) {
    return Double.isInfinite(requestRate) ? 0 : -Math.log(1 - random.nextDouble()) / requestRate;
  }
}
