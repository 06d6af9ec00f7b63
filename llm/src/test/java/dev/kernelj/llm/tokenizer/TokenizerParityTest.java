package dev.kernelj.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Exact parity with HF tokenizers (the Rust core, through DJL) on the real tokenizer files of Llama
 * 3 and 3.2, Qwen2.5 and Qwen3, Mistral, Mistral Nemo (Tekken), Llama 2, DeepSeek V3 (the tokenizer
 * of the R1 distills), Yi, InternLM2, Gemma 3 and GPT-4o, plus variants that exercise GPT-2's
 * ByteLevel regex and the Metaspace pre-tokenizer on real vocabularies: every corpus string must
 * encode to the same ids (with and without special tokens) and decode to the same text.
 */
class TokenizerParityTest {

  private static final List<String> CORPUS = ParityCorpus.strings(2100);
  private static final int MAX_REPORTED = 8;

  static Stream<Arguments> tokenizers() {
    return Stream.of(
        named("llama3", TestTokenizers::llama3),
        named("qwen3", TestTokenizers::qwen3),
        named("mistral", TestTokenizers::mistral),
        named("llama2", TestTokenizers::llama2),
        named("qwen2_5", () -> TestTokenizers.lenmlPackage("qwen2_5")),
        named("mistral_nemo", () -> TestTokenizers.lenmlPackage("mistral_nemo")),
        named("deepseek_v3", () -> TestTokenizers.lenmlPackage("deepseek_v3")),
        named("yi", () -> TestTokenizers.lenmlPackage("yi")),
        named("internlm2", () -> TestTokenizers.lenmlPackage("internlm2")),
        named("gemma3", () -> TestTokenizers.lenmlPackage("gemma3")),
        named("llama3_2", () -> TestTokenizers.lenmlPackage("llama3_2")),
        named("gpt4o", () -> TestTokenizers.lenmlPackage("gpt4o")),
        named(
            "llama3 vocab + GPT-2 ByteLevel regex",
            () ->
                TestTokenizers.variant(
                    TestTokenizers.llama3(),
                    "gpt2-bytelevel",
                    j ->
                        j.set(
                            "pre_tokenizer",
                            json(
                                "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true}")))),
        named(
            "llama3 vocab + ByteLevel add_prefix_space",
            () ->
                TestTokenizers.variant(
                    TestTokenizers.llama3(),
                    "gpt2-bytelevel-prefix",
                    j ->
                        j.set(
                            "pre_tokenizer",
                            json(
                                "{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":true,\"use_regex\":true}")))),
        named(
            "qwen3 + lstrip/rstrip/single_word/normalized added tokens",
            TokenizerParityTest::addedTokenFlags),
        named("mistral vocab + Metaspace first", () -> metaspace("first", false)),
        named("mistral vocab + Metaspace always split", () -> metaspace("always", true)));
  }

  private static Arguments named(String name, Supplier<Path> dir) {
    return Arguments.of(name, dir);
  }

  private static JsonNode json(String text) {
    try {
      return new ObjectMapper().readTree(text);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Qwen3 with the added-token flags no shipped file sets, on tokens the corpus uses. */
  private static Path addedTokenFlags() {
    return TestTokenizers.variant(
        TestTokenizers.qwen3(),
        "qwen3-added-token-flags",
        j -> {
          for (JsonNode e : j.get("added_tokens")) {
            ObjectNode t = (ObjectNode) e;
            switch (t.get("content").asText()) {
              case "<think>" -> t.put("lstrip", true);
              case "</think>" -> t.put("rstrip", true);
              case "<tool_call>" -> t.put("single_word", true);
              case "</tool_call>" -> {
                t.put("lstrip", true);
                t.put("rstrip", true);
              }
              case "<|im_start|>" -> t.put("normalized", true);
              default -> {}
            }
          }
        });
  }

  /** Mistral's file rewritten the way non-legacy Llama/Mistral conversions look. */
  private static Path metaspace(String scheme, boolean split) {
    String metaspace =
        "{\"type\":\"Metaspace\",\"replacement\":\"\u2581\",\"prepend_scheme\":\""
            + scheme
            + "\",\"split\":"
            + split
            + "}";
    return TestTokenizers.variant(
        TestTokenizers.mistral(),
        "metaspace-" + scheme + "-" + split,
        j -> {
          j.set("normalizer", NullNode.getInstance());
          j.set("pre_tokenizer", json(metaspace));
          j.set("decoder", json(metaspace));
        });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tokenizers")
  void encodeMatchesHuggingFaceIdForId(String name, Supplier<Path> source) throws Exception {
    Path dir = source.get();
    Tokenizer ours = Tokenizer.fromFiles(dir.resolve("tokenizer.json"), null);
    List<String> failures = new ArrayList<>();
    try (HfOracle hf = new HfOracle(dir)) {
      for (String text : CORPUS) {
        for (boolean special : new boolean[] {false, true}) {
          int[] expected = hf.encode(text, special);
          int[] actual = ours.encode(text, special);
          if (!Arrays.equals(expected, actual)) {
            failures.add(
                "encode("
                    + Escapes.of(text)
                    + ", "
                    + special
                    + ")\n   HF:   "
                    + Arrays.toString(expected)
                    + "\n   ours: "
                    + Arrays.toString(actual));
          }
        }
      }
    }
    assertNoFailures(name, "encode", failures);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tokenizers")
  void decodeMatchesHuggingFaceStringForString(String name, Supplier<Path> source)
      throws Exception {
    Path dir = source.get();
    Tokenizer ours = Tokenizer.fromFiles(dir.resolve("tokenizer.json"), null);
    List<String> failures = new ArrayList<>();
    try (HfOracle hf = new HfOracle(dir)) {
      List<int[]> sequences = new ArrayList<>();
      for (String text : CORPUS) sequences.add(hf.encode(text, true));
      sequences.addAll(randomIdSequences(ours, 600));
      for (int[] ids : sequences) {
        for (boolean skip : new boolean[] {false, true}) {
          String expected = hf.decode(ids, skip);
          String actual = ours.decode(ids, skip);
          if (!expected.equals(actual)) {
            failures.add(
                "decode("
                    + Arrays.toString(ids)
                    + ", "
                    + skip
                    + ")\n   HF:   "
                    + Escapes.of(expected)
                    + "\n   ours: "
                    + Escapes.of(actual));
          }
        }
      }
    }
    assertNoFailures(name, "decode", failures);
  }

  /** Arbitrary id sequences: split characters, lone byte tokens, specials in odd places. */
  private static List<int[]> randomIdSequences(Tokenizer tokenizer, int count) {
    Random random = new Random(7);
    List<int[]> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int[] ids = new int[1 + random.nextInt(12)];
      for (int k = 0; k < ids.length; k++) {
        int pick = random.nextInt(10);
        ids[k] =
            pick < 2 && !tokenizer.addedTokens().isEmpty()
                ? tokenizer.addedTokens().get(random.nextInt(tokenizer.addedTokens().size())).id()
                : pick < 5
                    ? random.nextInt(Math.min(600, tokenizer.vocabSize()))
                    : random.nextInt(tokenizer.vocabSize());
      }
      out.add(ids);
    }
    return out;
  }

  private static void assertNoFailures(String name, String what, List<String> failures) {
    assertTrue(
        failures.isEmpty(),
        () ->
            name
                + ": "
                + failures.size()
                + " "
                + what
                + " mismatches with HF, first "
                + Math.min(MAX_REPORTED, failures.size())
                + ":\n"
                + String.join("\n", failures.subList(0, Math.min(MAX_REPORTED, failures.size()))));
  }
}
