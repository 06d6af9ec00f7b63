package dev.kernelj.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Streaming decode, one id at a time, on the real tokenizers: the pieces must add up to the
 * one-shot decode, and no piece may end inside a character (no U+FFFD or lone surrogate that the
 * full text does not have).
 */
class StreamingDecoderTest {

  static Stream<Arguments> tokenizers() {
    return Stream.of(
        Arguments.of("llama3", (Supplier<Path>) TestTokenizers::llama3),
        Arguments.of("qwen3", (Supplier<Path>) TestTokenizers::qwen3),
        Arguments.of("mistral", (Supplier<Path>) TestTokenizers::mistral));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tokenizers")
  void piecesAddUpToTheFullDecodeAndNeverSplitACharacter(String name, Supplier<Path> dir)
      throws Exception {
    Tokenizer tokenizer = Tokenizer.fromDirectory(dir.get());
    List<String> failures = new ArrayList<>();
    for (String text : ParityCorpus.strings(400)) {
      for (boolean skip : new boolean[] {false, true}) {
        int[] ids = tokenizer.encode(text, true);
        StreamingDecoder stream = tokenizer.streamingDecoder(skip);
        StringBuilder joined = new StringBuilder();
        for (int id : ids) {
          String piece = stream.push(id);
          if (brokenCharacter(piece)) {
            failures.add(name + ": piece " + Escapes.of(piece) + " of " + Escapes.of(text));
          }
          joined.append(piece);
        }
        joined.append(stream.flush());
        String expected = tokenizer.decode(ids, skip);
        if (!expected.contentEquals(joined)) {
          failures.add(
              name
                  + ": streamed "
                  + Escapes.of(joined.toString())
                  + " but decode gives "
                  + Escapes.of(expected));
        }
      }
    }
    assertTrue(
        failures.isEmpty(),
        () ->
            failures.size()
                + " failures, first: "
                + failures.subList(0, Math.min(5, failures.size())));
  }

  @Test
  void holdsBackByteTokensUntilTheCharacterIsComplete() throws Exception {
    Tokenizer mistral = Tokenizer.fromDirectory(TestTokenizers.mistral());
    // "🦙" is not in the vocabulary: it becomes four <0xNN> byte-fallback tokens after "▁a".
    int[] ids = mistral.encode("a🦙", false);
    assertEquals(5, ids.length);
    assertEquals("<0xF0>", mistral.tokenText(ids[1]));
    StreamingDecoder stream = mistral.streamingDecoder(true);
    List<String> pieces = new ArrayList<>();
    for (int id : ids) pieces.add(stream.push(id));
    assertEquals(List.of("a", "", "", "", "🦙"), pieces);
    assertEquals("", stream.flush());
  }

  private static boolean brokenCharacter(String piece) {
    if (piece.indexOf('\uFFFD') >= 0) return true;
    for (int i = 0; i < piece.length(); i++) {
      char c = piece.charAt(i);
      if (Character.isHighSurrogate(c)
          && (i + 1 == piece.length() || !Character.isLowSurrogate(piece.charAt(i + 1))))
        return true;
      if (Character.isLowSurrogate(c)
          && (i == 0 || !Character.isHighSurrogate(piece.charAt(i - 1)))) return true;
    }
    return false;
  }
}
