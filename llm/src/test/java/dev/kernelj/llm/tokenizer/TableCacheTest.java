package dev.kernelj.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The on-disk cache of resolved model sections: a hit must behave exactly like parsing the JSON.
 */
class TableCacheTest {

  private static final String SMALL =
      "{\"added_tokens\": [{\"id\": 5, \"content\": \"<s>\", \"special\": true}], "
          + "\"model\": {\"type\": \"BPE\", \"continuing_subword_prefix\": null, "
          + "\"vocab\": {\"a\": 0, \"b\": 1, \"c\": 2, \"ab\": 3, \"abc\": 4}, \"merges\": [\"a b\", [\"ab\", \"c\"]]}, "
          + "\"decoder\": null}";

  @TempDir Path dir;

  @Test
  void aCachedLoadOfLlama3EncodesAndDecodesLikeAParsedOne() throws Exception {
    Path file = TestTokenizers.llama3().resolve("tokenizer.json");
    byte[] bytes = Files.readAllBytes(file);
    TableCache cache = new TableCache(dir.resolve("cache"));
    Tokenizer parsed = Tokenizer.of(TokenizerJson.read(bytes, file, cache), TokenizerConfig.EMPTY);
    assertNotNull(cache.load(TableCache.key(bytes)), "the first load stores an entry");
    Tokenizer cached = Tokenizer.of(TokenizerJson.read(bytes, file, cache), TokenizerConfig.EMPTY);

    assertEquals(parsed.vocabSize(), cached.vocabSize());
    for (int id = 0; id < parsed.vocabSize(); id++) {
      assertEquals(parsed.tokenText(id), cached.tokenText(id), "text of id " + id);
    }
    for (String text : ParityCorpus.strings(300)) {
      int[] ids = parsed.encode(text, true);
      assertArrayEquals(ids, cached.encode(text, true), text);
      assertEquals(parsed.decode(ids, false), cached.decode(ids, false), text);
    }
    assertEquals(parsed.tokenId("Ġthe"), cached.tokenId("Ġthe"));
  }

  @Test
  void aDamagedEntryIsAMissAndIsRewritten() throws Exception {
    byte[] bytes = SMALL.getBytes(StandardCharsets.UTF_8);
    TableCache cache = new TableCache(dir, 0);
    TokenizerJson.read(bytes, null, cache);
    Path entry = onlyEntry();
    byte[] stored = Files.readAllBytes(entry);
    stored[stored.length / 2] ^= 0x5A;
    Files.write(entry, stored);
    assertNull(cache.load(TableCache.key(bytes)));

    Tokenizer t = Tokenizer.of(TokenizerJson.read(bytes, null, cache), TokenizerConfig.EMPTY);
    assertArrayEquals(new int[] {4, 0, 5}, t.encode("abca<s>", false));
    assertNotNull(cache.load(TableCache.key(bytes)), "the damaged entry was replaced");
  }

  @Test
  void aSmallFileReadsTheSameFromTheCache() throws Exception {
    byte[] bytes = SMALL.getBytes(StandardCharsets.UTF_8);
    TableCache cache = new TableCache(dir, 0);
    Tokenizer parsed = Tokenizer.of(TokenizerJson.read(bytes, null, cache), TokenizerConfig.EMPTY);
    Tokenizer cached = Tokenizer.of(TokenizerJson.read(bytes, null, cache), TokenizerConfig.EMPTY);
    for (String text : List.of("abc", "cabcab", "aabbcc<s>ab", "")) {
      assertArrayEquals(parsed.encode(text, false), cached.encode(text, false), text);
    }
    assertEquals("abc", cached.tokenText(4));
    assertNull(cached.tokenText(7));
  }

  @Test
  void tokensSharingAnIdAreNotCached() throws Exception {
    byte[] bytes =
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 0}, \"merges\": []}}"
            .getBytes(StandardCharsets.UTF_8);
    TableCache cache = new TableCache(dir, 0);
    TokenizerJson.read(bytes, null, cache);
    assertNull(cache.load(TableCache.key(bytes)));
  }

  @Test
  void aDisabledCacheWritesNothing() throws Exception {
    TokenizerJson.read(SMALL.getBytes(StandardCharsets.UTF_8), null, new TableCache(null, 0));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(0, files.count());
    }
  }

  @Test
  void smallFilesAreNotCachedByDefault() throws Exception {
    byte[] bytes = SMALL.getBytes(StandardCharsets.UTF_8);
    TableCache cache = new TableCache(dir);
    TokenizerJson.read(bytes, null, cache);
    assertNull(cache.load(TableCache.key(bytes)));
  }

  @Test
  void aFileThatFailsValidationIsNotCached() throws Exception {
    byte[] bytes =
        SMALL
            .replace("\"decoder\": null", "\"decoder\": {\"type\": \"Nope\"}")
            .getBytes(StandardCharsets.UTF_8);
    TableCache cache = new TableCache(dir, 0);
    try {
      TokenizerJson.read(bytes, null, cache);
    } catch (TokenizerFormatException expected) {
      assertTrue(expected.field().startsWith("decoder"), expected.field());
    }
    assertNull(cache.load(TableCache.key(bytes)));
  }

  private Path onlyEntry() throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> all = files.filter(p -> p.toString().endsWith(".bin")).toList();
      assertEquals(1, all.size(), all.toString());
      return all.get(0);
    }
  }
}
