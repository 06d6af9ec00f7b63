package dev.kernelj.llm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kernelj.llm.json.JsonLimits;
import dev.kernelj.llm.serving.TokenLogprob;
import dev.kernelj.llm.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The completions API's logprobs object, against the tiny model's byte-level tokenizer. */
class LogprobsJsonTest {
  @TempDir Path dir;

  /**
   * Byte tokens of a partial character decode alike (U+FFFD): the top_logprobs object, keyed by
   * text as OpenAI's is, keeps the first (likelier) and stays free of duplicate keys; text offsets
   * count characters as Python does (a character outside the BMP is one, not two).
   */
  @Test
  void topLogprobsKeysAreUniqueAndOffsetsCountCharacters() throws Exception {
    Tokenizer tokenizer = Tokenizer.fromDirectory(TestServer.writeModel(dir));
    LogprobsJson json = new LogprobsJson(tokenizer);
    List<Integer> replacement = new ArrayList<>();
    for (int id = 0; id < 1000 && replacement.size() < 2; id++) {
      if (json.text(id).equals("\uFFFD")) {
        replacement.add(id);
      }
    }
    assertEquals(2, replacement.size(), "two byte tokens that decode to U+FFFD");
    int a = tokenizer.encode("a", false)[0];
    int[] top = {replacement.get(0), a, replacement.get(1)};
    float[] values = {-0.5f, -1f, -2f};
    int[] emoji = tokenizer.encode("\uD83D\uDE00", false);

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JsonLimits.generator(out)) {
      List<TokenLogprob> lps = new ArrayList<>();
      lps.add(new TokenLogprob(replacement.get(0), -0.5f, top, values));
      int[] ids = new int[1 + emoji.length + 1];
      ids[0] = replacement.get(0);
      System.arraycopy(emoji, 0, ids, 1, emoji.length);
      ids[ids.length - 1] = a;
      for (int i = 1; i < ids.length; i++) {
        lps.add(new TokenLogprob(ids[i], -1f, new int[0], new float[0]));
      }
      json.writeCompletion(g, ids, lps, 0);
    }
    JsonNode node = new ObjectMapper().readTree(out.toByteArray());
    JsonNode first = node.get("top_logprobs").get(0);
    List<String> keys = new ArrayList<>();
    for (Iterator<String> it = first.fieldNames(); it.hasNext(); ) {
      keys.add(it.next());
    }
    assertEquals(List.of("\uFFFD", "a"), keys, first.toString());
    assertEquals(-0.5, first.get("\uFFFD").asDouble(), 1e-6);

    JsonNode offsets = node.get("text_offset");
    String whole = "";
    for (JsonNode t : node.get("tokens")) {
      whole += t.asText();
    }
    int last = offsets.get(offsets.size() - 1).asInt();
    assertEquals(whole.codePointCount(0, whole.length()) - 1, last, offsets.toString());
    assertTrue(emoji.length >= 1);
  }

  /**
   * Chat's logprobs give each token's bytes: the bytes of an emoji's byte tokens join into the
   * emoji, where each token's text alone is U+FFFD.
   */
  @Test
  void chatBytesOfPartialTokensJoinIntoTheCharacter() throws Exception {
    Tokenizer tokenizer = Tokenizer.fromDirectory(TestServer.writeModel(dir));
    LogprobsJson json = new LogprobsJson(tokenizer);
    int[] emoji = tokenizer.encode("\uD83D\uDE00", false);
    assertTrue(emoji.length > 1, "the tiny vocabulary splits the emoji into byte tokens");
    List<TokenLogprob> lps = new ArrayList<>();
    for (int id : emoji) lps.add(new TokenLogprob(id, -1f, new int[] {id}, new float[] {-1f}));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JsonLimits.generator(out)) {
      json.writeChat(g, lps);
    }
    ByteArrayOutputStream joined = new ByteArrayOutputStream();
    JsonNode object = new ObjectMapper().readTree(out.toByteArray());
    assertTrue(
        object.get("refusal").isNull(), "OpenAI's chat logprobs object has content and refusal");
    for (JsonNode entry : object.get("content")) {
      assertEquals("\uFFFD", entry.get("token").asText());
      assertEquals(entry.get("bytes"), entry.get("top_logprobs").get(0).get("bytes"));
      for (JsonNode b : entry.get("bytes")) joined.write(b.asInt());
    }
    assertEquals("\uD83D\uDE00", joined.toString(java.nio.charset.StandardCharsets.UTF_8));
  }
}
