package dev.kernelj.llm.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * HF tokenizers' own Rust core through DJL, set up to add nothing of its own (no truncation, no
 * padding).
 */
final class HfOracle implements AutoCloseable {

  private final HuggingFaceTokenizer hf;

  HfOracle(Path dir) {
    try {
      hf =
          HuggingFaceTokenizer.newInstance(
              dir.resolve("tokenizer.json"),
              Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "false"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  int[] encode(String text, boolean addSpecial) {
    return Arrays.stream(hf.encode(text, addSpecial, false).getIds())
        .mapToInt(l -> (int) l)
        .toArray();
  }

  String decode(int[] ids, boolean skipSpecial) {
    return hf.decode(Arrays.stream(ids).asLongStream().toArray(), skipSpecial);
  }

  HuggingFaceTokenizer raw() {
    return hf;
  }

  @Override
  public void close() {
    hf.close();
  }
}
