package dev.kernelj.llm.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TextStopperTest {
  @Test
  void holdsBackAPossibleStopPrefixAndReleasesItWhenItIsNot() {
    TextStopper s = new TextStopper(List.of("</end>"));
    assertEquals("hello ", s.accept("hello </"));
    assertEquals("", s.accept("e"));
    assertEquals("</ex", s.accept("x"));
    assertFalse(s.stopped());
    assertEquals("", s.flush());
  }

  @Test
  void aStopStringSplitAcrossPiecesIsNeverEmitted() {
    TextStopper s = new TextStopper(List.of("STOP", "##"));
    StringBuilder out = new StringBuilder();
    for (String piece : List.of("ab", "S", "T", "O", "Pzz")) {
      out.append(s.accept(piece));
    }
    assertTrue(s.stopped());
    assertEquals("ab", out.toString());
    assertEquals("ab", s.text());
    assertEquals("", s.accept("more"));
  }

  @Test
  void theEarliestOfSeveralStopStringsWins() {
    TextStopper s = new TextStopper(List.of("cd", "b"));
    assertEquals("a", s.accept("abcd"));
    assertEquals("a", s.text());
  }

  @Test
  void flushReleasesHeldTextAtTheEnd() {
    TextStopper s = new TextStopper(List.of("xyz"));
    assertEquals("12", s.accept("12xy"));
    assertEquals("xy", s.flush());
  }
}
