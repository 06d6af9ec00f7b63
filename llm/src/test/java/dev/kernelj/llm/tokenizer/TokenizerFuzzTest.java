package dev.kernelj.llm.tokenizer;

import dev.kernelj.llm.model.TinyLlama;
import dev.kernelj.llm.testing.FuzzHarness;
import dev.kernelj.llm.testing.JsonMutator;
import dev.kernelj.llm.testing.JsonShapes;
import dev.kernelj.llm.testing.Mutator;
import dev.kernelj.llm.testing.TinyModels;
import dev.kernelj.llm.util.ModelFormatException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Fuzzes the tokenizer.json reader with 3,000 mutated files (300 tries x 10) derived from a
 * byte-level and two SentencePiece-style tokenizers: byte mutations, structure-aware JSON edits,
 * and values of extreme shape (thousands of levels deep, 50,000 members wide, megabyte strings,
 * 2,000-digit numbers) placed anywhere. A file is either rejected with a typed error naming it or
 * read into a tokenizer that then encodes and decodes text without failing; nothing may hang.
 */
class TokenizerFuzzTest {
  private static final int PER_TRY = 10;
  private static final Path FILE = Path.of("tokenizer.json");
  private static final String SAMPLE = "Hello, w\u00f6rld! 12 \u2581x <s></s>\n\ttabs";
  private static final FuzzHarness HARNESS =
      new FuzzHarness(List.of(TokenizerFormatException.class, ModelFormatException.class));
  private static final List<String> SEEDS =
      List.of(
          TinyLlama.tokenizerJson(),
          TinyModels.tokenizerJson(TinyModels.Family.LLAMA2),
          TinyModels.tokenizerJson(TinyModels.Family.QWEN2_5));

  @Property(tries = 300)
  void mutatedTokenizersFailOnlyWithTypedErrors(@ForAll long seed) {
    Random random = new Random(seed);
    List<FuzzHarness.Case> batch = new ArrayList<>(PER_TRY);
    for (int i = 0; i < PER_TRY; i++) {
      byte[] input = mutate(SEEDS.get(random.nextInt(SEEDS.size())), random);
      batch.add(
          FuzzHarness.Case.of(() -> readAndUse(input), new String(input, StandardCharsets.UTF_8)));
    }
    HARNESS.runBatch(batch);
  }

  private static void readAndUse(byte[] input) {
    TokenizerJson json = TokenizerJson.read(input, FILE, new TableCache(null));
    Tokenizer tokenizer = Tokenizer.of(json, TokenizerConfig.EMPTY);
    int[] ids = tokenizer.encode(SAMPLE, true);
    tokenizer.decode(ids, false);
    StreamingDecoder stream = tokenizer.streamingDecoder(true);
    for (int id : ids) {
      stream.push(id);
    }
    stream.flush();
  }

  private static byte[] mutate(String seed, Random random) {
    return switch (random.nextInt(5)) {
      case 0, 1 -> Mutator.mutate(seed.getBytes(StandardCharsets.UTF_8), random);
      case 2, 3 -> JsonMutator.mutate(seed, random).getBytes(StandardCharsets.UTF_8);
      default ->
          JsonMutator.inject(seed, JsonShapes.extreme(random), random)
              .getBytes(StandardCharsets.UTF_8);
    };
  }

  @AfterContainer
  static void enoughCasesRan() {
    HARNESS.assertEnoughRan(300L * PER_TRY, 0.25);
  }
}
