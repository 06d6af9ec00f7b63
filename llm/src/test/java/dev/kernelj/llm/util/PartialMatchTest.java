package dev.kernelj.llm.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PartialMatchTest {

  @Test
  void theLongestEndThatBeginsTheMarker() {
    assertEquals(2, PartialMatch.atEnd("answer </", 0, "</think>"));
    assertEquals(7, PartialMatch.atEnd("x</think", 0, "</think>"));
    assertEquals(1, PartialMatch.atEnd("a<", 0, "<tool_call>"));
    // "aa" ends "xaa" and begins "aab"; the longer of the two candidate tails wins
    assertEquals(2, PartialMatch.atEnd("xaa", 0, "aab"));
  }

  @Test
  void aWholeMarkerOrNoPrefixIsNothingToHold() {
    assertEquals(0, PartialMatch.atEnd("done</think>", 0, "</think>"));
    assertEquals(0, PartialMatch.atEnd("plain text", 0, "</think>"));
    assertEquals(0, PartialMatch.atEnd("", 0, "</think>"));
    assertEquals(0, PartialMatch.atEnd("abc", 0, ""));
  }

  @Test
  void textBeforeFromIsNotLookedAt() {
    assertEquals(3, PartialMatch.atEnd("xx</t", 2, "</think>"));
    assertEquals(1, PartialMatch.atEnd("xx</t", 4, "tx"));
    assertEquals(0, PartialMatch.atEnd("xx</t", 4, "</think>"));
    assertEquals(0, PartialMatch.atEnd("xx</t", 5, "</think>"));
  }
}
