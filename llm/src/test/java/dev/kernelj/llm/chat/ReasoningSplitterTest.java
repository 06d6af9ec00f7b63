package dev.kernelj.llm.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ReasoningSplitterTest {

  private static ReasoningSplitter.Parts whole(boolean opened, String reply) {
    ReasoningSplitter s = new ReasoningSplitter(opened);
    ReasoningSplitter.Parts a = s.accept(reply);
    ReasoningSplitter.Parts b = s.finish();
    return new ReasoningSplitter.Parts(a.reasoning() + b.reasoning(), a.content() + b.content());
  }

  @Test
  void thinkingThenTheAnswer() {
    assertEquals(
        new ReasoningSplitter.Parts("Let me see.", "It is 4."),
        whole(false, "<think>Let me see.</think>\n\nIt is 4."));
    // R1's template ends the prompt with <think>: the reply starts inside it.
    assertEquals(
        new ReasoningSplitter.Parts("hmm", "yes"), whole(true, "hmm\n</think>\n\nyes").stripped());
    assertEquals(
        new ReasoningSplitter.Parts("", "  Hello <think>"), whole(false, "  Hello <think>"));
    assertEquals(new ReasoningSplitter.Parts("cut short", ""), whole(false, "<think>cut short"));
    assertTrue(ReasoningSplitter.opensThinking("<|im_start|>assistant\n<think>\n"));
  }

  /** Any pieces give what the whole reply gives, and nothing is lost. */
  @Test
  void streamingInAnyPiecesGivesTheWholeSplit() {
    String[] atoms = {"<think>", "</think>", "<", "</", "think", ">", "a", " ", "\n", "é"};
    Random random = new Random(5);
    for (int n = 0; n < 20_000; n++) {
      StringBuilder reply = new StringBuilder();
      for (int k = random.nextInt(8); k > 0; k--) reply.append(atoms[random.nextInt(atoms.length)]);
      boolean opened = random.nextBoolean();
      ReasoningSplitter.Parts expected = whole(opened, reply.toString());
      ReasoningSplitter s = new ReasoningSplitter(opened);
      StringBuilder reasoning = new StringBuilder();
      StringBuilder content = new StringBuilder();
      int at = 0;
      while (at < reply.length()) {
        int next = Math.min(reply.length(), at + 1 + random.nextInt(4));
        ReasoningSplitter.Parts p = s.accept(reply.substring(at, next));
        reasoning.append(p.reasoning());
        content.append(p.content());
        at = next;
      }
      ReasoningSplitter.Parts end = s.finish();
      reasoning.append(end.reasoning());
      content.append(end.content());
      assertEquals(expected.reasoning(), reasoning.toString(), reply.toString());
      assertEquals(expected.content(), content.toString(), reply.toString());
    }
  }
}
