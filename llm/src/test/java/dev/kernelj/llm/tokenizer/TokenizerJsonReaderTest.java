package dev.kernelj.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The byte-level reader of the model section: the layouts HF does not write but other tools may
 * (merges before the vocabulary, pairs instead of strings, escapes, duplicate keys) must read
 * exactly like the JSON they encode.
 */
class TokenizerJsonReaderTest {

  @TempDir Path dir;

  private Tokenizer load(String json) throws Exception {
    Path file = dir.resolve("tokenizer.json");
    Files.writeString(file, json, StandardCharsets.UTF_8);
    return Tokenizer.fromFiles(file, null);
  }

  private static final String VOCAB = "{\"a\": 0, \"b\": 1, \"c\": 2, \"ab\": 3, \"abc\": 4}";

  @Test
  void mergesBeforeVocabularyAreResolvedAfterIt() throws Exception {
    Tokenizer t =
        load(
            "{\"model\": {\"merges\": [\"a b\", \"ab c\"], \"type\": \"BPE\", \"vocab\": "
                + VOCAB
                + "}}");
    assertArrayEquals(new int[] {4, 0}, t.encode("abca", false));
  }

  @Test
  void pairMergesAndStringMergesAgree() throws Exception {
    Tokenizer strings =
        load(
            "{\"model\": {\"type\": \"BPE\", \"vocab\": "
                + VOCAB
                + ", \"merges\": [\"a b\", \"ab c\"]}}");
    Tokenizer pairs =
        load(
            "{\"model\": {\"type\": \"BPE\", \"vocab\": "
                + VOCAB
                + ", \"merges\": [[\"a\", \"b\"], [\"ab\", \"c\"]]}}");
    assertArrayEquals(strings.encode("cabcab", false), pairs.encode("cabcab", false));
    assertArrayEquals(new int[] {2, 4, 3}, pairs.encode("cabcab", false));
  }

  @Test
  void escapesAndMultiByteTextDecodeLikeJson() throws Exception {
    // "\u00e9" is é, "\ud83d\ude00" is 😀 (a surrogate pair), "Ġ" arrives as raw UTF-8.
    Tokenizer t =
        load(
            "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"\\u00e9\": 0, \"\\ud83d\\ude00\": 1, \"Ġ\": 2, "
                + "\"é😀\": 3, \"\\\"\\\\\": 4, \"é😀Ġ\": 5}, \"merges\": [\"é \\ud83d\\ude00\", [\"é😀\", \"\\u0120\"]]}}");
    assertEquals(OptionalInt.of(4), t.tokenId("\"\\"));
    assertArrayEquals(new int[] {5, 0}, t.encode("é😀Ġé", false));
    assertEquals("é😀Ġ", t.tokenText(5));
  }

  @Test
  void continuingSubwordPrefixIsDroppedFromTheMergedText() throws Exception {
    Tokenizer t =
        load(
            "{\"model\": {\"type\": \"BPE\", \"continuing_subword_prefix\": \"##\", "
                + "\"vocab\": {\"a\": 0, \"##b\": 1, \"ab\": 2}, \"merges\": [\"a ##b\"]}}");
    assertArrayEquals(new int[] {2}, t.encode("ab", false));
  }

  @Test
  void aDuplicateKeyIsAnError() {
    TokenizerFormatException e =
        assertThrows(
            TokenizerFormatException.class,
            () ->
                load(
                    "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"a\": 2}, \"merges\": []}}"));
    assertEquals("model.vocab.a", e.field());
    assertTrue(e.getMessage().contains("duplicate key 'a'"), e.getMessage());
    assertEquals(
        "normalizer",
        assertThrows(
                TokenizerFormatException.class,
                () ->
                    load(
                        "{\"normalizer\": null, \"model\": {\"type\": \"BPE\", \"vocab\": {}}, \"normalizer\": null}"))
            .field());
  }

  @Test
  void idsMustBeWrittenAsIntegers() {
    for (String id : List.of("0.0", "1e0", "4294967296", "-1", "\"0\"")) {
      TokenizerFormatException e =
          assertThrows(
              TokenizerFormatException.class,
              () ->
                  load(
                      "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": "
                          + id
                          + "}, \"merges\": []}}"),
              id);
      assertEquals("model.vocab.a", e.field(), id);
    }
  }

  @Test
  void idsFarBeyondTheVocabularyAreRefusedBeforeTablesAreSized() {
    TokenizerFormatException vocab =
        assertThrows(
            TokenizerFormatException.class,
            () ->
                load("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1073741831}}}"));
    assertEquals("model.vocab.b", vocab.field());
    TokenizerFormatException added =
        assertThrows(
            TokenizerFormatException.class,
            () ->
                load(
                    "{\"added_tokens\": [{\"id\": 2147483647, \"content\": \"<x>\"}],"
                        + " \"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}}}"));
    assertEquals("added_tokens[0].id", added.field());
    assertTrue(added.getMessage().contains("far beyond"), added.getMessage());
  }

  @Test
  void deepNestingIsAnErrorNotAStackOverflow() {
    String deep = "[".repeat(10_000) + "]".repeat(10_000);
    for (String json :
        List.of(
            "{\"normalizer\": " + deep + ", \"model\": {\"type\": \"BPE\", \"vocab\": {}}}",
            "{\"model\": {\"type\": \"BPE\", \"x\": " + deep + ", \"vocab\": {}}}")) {
      TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> load(json));
      assertTrue(e.getMessage().contains("nested deeper than 64"), e.getMessage());
    }
  }

  @Test
  void invalidUtf8NamesTheField() throws Exception {
    Path file = dir.resolve("tokenizer.json");
    byte[] head =
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a".getBytes(StandardCharsets.US_ASCII);
    byte[] tail = "\": 0}, \"merges\": []}}".getBytes(StandardCharsets.US_ASCII);
    byte[] all = new byte[head.length + 1 + tail.length];
    System.arraycopy(head, 0, all, 0, head.length);
    all[head.length] = (byte) 0xC0;
    System.arraycopy(tail, 0, all, head.length + 1, tail.length);
    Files.write(file, all);
    TokenizerFormatException e =
        assertThrows(TokenizerFormatException.class, () -> Tokenizer.fromFiles(file, null));
    assertEquals("model.vocab", e.field());
    assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
  }

  @Test
  void aBadSmallSectionNamesItsPath() throws Exception {
    TokenizerFormatException e =
        assertThrows(
            TokenizerFormatException.class,
            () ->
                load(
                    "{\"normalizer\": {\"type\": \"NFC\", \"x\": }, \"model\": {\"type\": \"BPE\", \"vocab\": {}}}"));
    assertTrue(e.field().startsWith("normalizer"), e.field());
  }

  @Test
  void garbageAfterAMemberIsMalformedJson() throws Exception {
    TokenizerFormatException e =
        assertThrows(
            TokenizerFormatException.class,
            () -> load("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0 \"b\": 1}}}"));
    assertTrue(e.field().startsWith("model.vocab"), e.field());
    assertTrue(e.getMessage().contains("malformed JSON at byte"), e.getMessage());
  }

  @Test
  void aPatternThatRecursesPerCharacterIsAnErrorNotAStackOverflow() throws Exception {
    Tokenizer t =
        load(
            "{\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"(a|b)*\"},"
                + " \"behavior\": \"Isolated\"}, \"model\": {\"type\": \"BPE\", \"vocab\": "
                + VOCAB
                + "}}");
    assertArrayEquals(new int[] {0, 1}, t.encode("ab", false));
    TokenizerFormatException e =
        assertThrows(TokenizerFormatException.class, () -> t.encode("ab".repeat(200_000), false));
    assertEquals("pre_tokenizer", e.field());
    assertTrue(e.getMessage().contains("recurses too deeply"), e.getMessage());
  }
}
