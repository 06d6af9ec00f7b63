package dev.kernelj.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Tokenizer#tokenBytes}: what logprobs report as a token's bytes. */
class TokenBytesTest {

  private static final List<String> TEXTS =
      List.of("Grüße 👋 — «ok»", "中文字符和日本語", "emoji 🧑‍🚀🏳️‍🌈 end", " spaces  and\ttabs\n");

  /**
   * Byte-level tokenizers split rare characters into tokens of a few bytes each, which decode alone
   * to U+FFFD; their bytes must still join into the text, as OpenAI's do.
   */
  @Test
  void byteLevelTokensJoinIntoTheTextsUtf8() throws Exception {
    for (var dir : List.of(TestTokenizers.llama3(), TestTokenizers.qwen3())) {
      Tokenizer tokenizer = Tokenizer.fromDirectory(dir);
      boolean sawPartial = false;
      for (String text : TEXTS) {
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (int id : tokenizer.encode(text, false)) {
          joined.writeBytes(tokenizer.tokenBytes(id));
          sawPartial |= tokenizer.decode(new int[] {id}, false).contains("\uFFFD");
        }
        assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), joined.toByteArray(), text);
      }
      assertTrue(sawPartial, dir + ": no token of the texts holds part of a character");
    }
  }

  @Test
  void byteFallbackTokensGiveTheirByte() throws Exception {
    Tokenizer mistral = Tokenizer.fromDirectory(TestTokenizers.mistral());
    int id = mistral.tokenId("<0xF0>").orElseThrow();
    assertEquals("\uFFFD", mistral.decode(new int[] {id}, false));
    assertArrayEquals(new byte[] {(byte) 0xF0}, mistral.tokenBytes(id));
  }

  @Test
  void wholeTokensGiveTheUtf8OfTheirText() throws Exception {
    Tokenizer llama3 = Tokenizer.fromDirectory(TestTokenizers.llama3());
    int hello = llama3.encode(" Hello", false)[0];
    assertArrayEquals(" Hello".getBytes(StandardCharsets.UTF_8), llama3.tokenBytes(hello));
    int eot = llama3.tokenId("<|eot_id|>").orElseThrow();
    assertArrayEquals("<|eot_id|>".getBytes(StandardCharsets.UTF_8), llama3.tokenBytes(eot));
  }
}
