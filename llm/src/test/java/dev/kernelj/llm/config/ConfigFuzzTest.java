package dev.kernelj.llm.config;

import dev.kernelj.llm.json.JsonFields;
import dev.kernelj.llm.json.StrictJson;
import dev.kernelj.llm.quant.QuantizationConfigReader;
import dev.kernelj.llm.testing.FuzzHarness;
import dev.kernelj.llm.testing.JsonMutator;
import dev.kernelj.llm.testing.Mutator;
import dev.kernelj.llm.testing.TinyModels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Fuzzes the config.json / generation_config.json / quantization_config readers with 50,000 mutated
 * texts (2,000 tries x 25) derived from every family's config: byte mutations and structure-aware
 * JSON edits. Only {@link dev.kernelj.llm.util.ModelFormatException} may come out, and nothing may
 * hang.
 */
class ConfigFuzzTest {
  private static final int PER_TRY = 25;
  private static final Path CONFIG = Path.of("config.json");
  private static final Path GENERATION = Path.of("generation_config.json");
  private static final FuzzHarness HARNESS = new FuzzHarness();
  private static final List<String> SEEDS = seeds();
  private static final String GENERATION_SEED =
      """
            {"bos_token_id": 128000, "eos_token_id": [128001, 128009], "do_sample": true, "temperature": 0.6,
             "top_p": 0.9, "top_k": 40, "max_new_tokens": 256, "repetition_penalty": 1.1}""";

  private static List<String> seeds() {
    List<String> seeds = new ArrayList<>();
    Arrays.stream(TinyModels.Family.values()).forEach(f -> seeds.add(TinyModels.configJson(f)));
    seeds.add(
        TinyModels.configJson(TinyModels.Family.LLAMA2)
            .replaceFirst(
                "\\{",
                """
                {"quantization_config": {"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": true,
                  "sym": true, "checkpoint_format": "gptq_v2"},"""));
    seeds.add(
        TinyModels.configJson(TinyModels.Family.MISTRAL)
            .replaceFirst(
                "\\{",
                """
                {"quantization_config": {"quant_method": "awq", "bits": 4, "group_size": 128, "version": "gemm",
                  "zero_point": true, "modules_to_not_convert": ["lm_head"]},"""));
    return List.copyOf(seeds);
  }

  @Property(tries = 2000)
  void mutatedConfigsFailOnlyWithTypedErrors(@ForAll long seed) {
    Random random = new Random(seed);
    List<FuzzHarness.Case> batch = new ArrayList<>(PER_TRY);
    for (int i = 0; i < PER_TRY; i++) {
      String config = mutate(SEEDS.get(random.nextInt(SEEDS.size())), random);
      String generation =
          random.nextInt(4) == 0 ? mutate(GENERATION_SEED, random) : GENERATION_SEED;
      batch.add(
          new FuzzHarness.Case() {
            @Override
            public void run() {
              ModelConfigReader.parse(config, CONFIG, generation, GENERATION);
              JsonFields fields =
                  JsonFields.of(StrictJson.parseObject(config, CONFIG, "(root)"), CONFIG);
              JsonFields quant = fields.objectOrNull("quantization_config");
              if (quant != null) {
                QuantizationConfigReader.parse(quant, null);
              }
            }

            @Override
            public String describe() {
              return config + "\n--- generation_config.json:\n" + generation;
            }
          });
    }
    HARNESS.runBatch(batch);
  }

  private static String mutate(String seed, Random random) {
    if (random.nextBoolean()) {
      return JsonMutator.mutate(seed, random);
    }
    // Byte mutations may produce invalid UTF-8; decoding replaces it, as reading a file would fail
    // before.
    return new String(
        Mutator.mutate(seed.getBytes(StandardCharsets.UTF_8), random), StandardCharsets.UTF_8);
  }

  @AfterContainer
  static void enoughCasesRan() {
    HARNESS.assertEnoughRan(2000L * PER_TRY, 0.25);
  }
}
