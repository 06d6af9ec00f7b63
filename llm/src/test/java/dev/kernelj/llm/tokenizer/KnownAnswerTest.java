package dev.kernelj.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * Ids published outside HF tokenizers, so that the rebuilt Llama 2 file and the configuration
 * handling are checked against an independent source: the Llama 2 cases come from
 * llama-tokenizer-js's own test suite, the others from the models' documentation.
 */
class KnownAnswerTest {

  @Test
  void llama2MatchesLlamaTokenizerJsTestSuite() throws Exception {
    Tokenizer llama2 = Tokenizer.fromDirectory(TestTokenizers.llama2());
    assertArrayEquals(new int[] {1, 15043, 3186, 29991}, llama2.encode("Hello world!", true));
    assertArrayEquals(new int[] {1, 2646, 1327, 287}, llama2.encode("grabbed", true));
    assertArrayEquals(new int[] {1, 29871, 2646, 1327, 287}, llama2.encode(" grabbed", true));
    assertArrayEquals(
        new int[] {1, 9651, 2646, 1327, 287}, llama2.encode("           grabbed", true));
    assertArrayEquals(new int[] {1, 29871, 13}, llama2.encode("\n", true));
    assertArrayEquals(new int[] {1, 259, 13}, llama2.encode(" \n", true));
    assertArrayEquals(
        new int[] {1, 29871, 12, 21175, 12, 12, 12, 12, 449, 1244},
        llama2.encode("\ttabs\t\t\t\tout here", true));
    assertArrayEquals(
        new int[] {1, 4853, 13, 4136, 13, 833, 29877}, llama2.encode("ax\n####\nboo", true));
    assertArrayEquals(new int[] {1, 29871, 30411}, llama2.encode("镇", true));
    assertArrayEquals(new int[] {1, 29871, 243, 162, 169, 156}, llama2.encode("🦙", true));
    assertArrayEquals(
        new int[] {1, 29871, 243, 162, 169, 156, 237, 156, 141}, llama2.encode("🦙Ꙋ", true));
    assertEquals(
        "🦙Ꙋ", llama2.decode(new int[] {1, 29871, 243, 162, 169, 156, 237, 156, 141}, true));
  }

  @Test
  void llama2ConfigurationAddsBosOnly() throws Exception {
    Tokenizer llama2 = Tokenizer.fromDirectory(TestTokenizers.llama2());
    assertEquals(OptionalInt.of(1), llama2.bosId());
    assertArrayEquals(new int[] {2}, llama2.eosIds());
    assertArrayEquals(new int[] {1}, llama2.prefixIds());
    assertArrayEquals(new int[0], llama2.suffixIds());
    assertEquals(32000, llama2.vocabSize());
  }

  @Test
  void llama3KnownIds() throws Exception {
    Tokenizer llama3 = Tokenizer.fromDirectory(TestTokenizers.llama3());
    assertArrayEquals(new int[] {9906, 1917}, llama3.encode("Hello world", false));
    assertEquals(OptionalInt.of(128000), llama3.bosId());
    assertEquals(OptionalInt.of(128009), llama3.tokenId("<|eot_id|>"));
    assertEquals(128256, llama3.vocabSize());
    assertEquals("byte-level BPE, 128256 tokens", llama3.kind());
  }

  @Test
  void qwen3KnownIdsAndNoBos() throws Exception {
    Tokenizer qwen3 = Tokenizer.fromDirectory(TestTokenizers.qwen3());
    assertArrayEquals(new int[] {9707, 1879}, qwen3.encode("Hello world", true));
    assertEquals(OptionalInt.empty(), qwen3.bosId());
    assertArrayEquals(new int[] {151645}, qwen3.eosIds());
  }
}
