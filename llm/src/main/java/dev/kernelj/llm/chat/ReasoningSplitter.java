package dev.kernelj.llm.chat;

import dev.kernelj.llm.util.PartialMatch;

/**
 * Splits a reply of a thinking model (Qwen3, the DeepSeek-R1 family) into its reasoning, between
 * {@code <think>} and {@code </think>}, and its answer, as it is generated. The reasoning starts at
 * the reply's start when the reply opens with {@code <think>}, or when the prompt already did (R1's
 * template ends the prompt with it); otherwise the whole reply is the answer. Text that may be the
 * start of a tag is held until it is clear.
 */
public final class ReasoningSplitter {
  private static final String OPEN = "<think>";
  private static final String CLOSE = "</think>";

  /** What one piece of the reply adds to each part. */
  public record Parts(String reasoning, String content) {
    /** The parts without surrounding blank lines (the reasoning's last newline, say). */
    public Parts stripped() {
      return new Parts(reasoning.strip(), content.strip());
    }
  }

  private enum State {
    UNDECIDED,
    REASONING,
    CONTENT
  }

  private final StringBuilder held = new StringBuilder();
  private State state;

  /** Whether the answer's leading blank lines, after {@code </think>}, are still to be dropped. */
  private boolean dropBlanks;

  /**
   * @param promptOpensThinking whether the rendered prompt ends inside {@code <think>}
   */
  public ReasoningSplitter(boolean promptOpensThinking) {
    this.state = promptOpensThinking ? State.REASONING : State.UNDECIDED;
  }

  /** Whether a rendered prompt leaves the model inside its thinking. */
  public static boolean opensThinking(String prompt) {
    return prompt.stripTrailing().endsWith(OPEN);
  }

  /** Takes the next piece of the reply. */
  public Parts accept(String text) {
    held.append(text);
    StringBuilder reasoning = new StringBuilder();
    StringBuilder content = new StringBuilder();
    step(reasoning, content, false);
    return new Parts(reasoning.toString(), content.toString());
  }

  /** Ends the reply: what is still held goes to the part it is in. */
  public Parts finish() {
    StringBuilder reasoning = new StringBuilder();
    StringBuilder content = new StringBuilder();
    step(reasoning, content, true);
    if (held.length() > 0) {
      (state == State.REASONING ? reasoning : content).append(held);
      held.setLength(0);
    }
    return new Parts(reasoning.toString(), content.toString());
  }

  private void step(StringBuilder reasoning, StringBuilder content, boolean end) {
    while (true) {
      switch (state) {
        case UNDECIDED -> {
          String head = held.toString().stripLeading();
          if (head.startsWith(OPEN)) {
            held.delete(0, held.indexOf(OPEN) + OPEN.length());
            state = State.REASONING;
          } else if (!end && OPEN.startsWith(head)) {
            return; // only blanks, or the start of the tag, so far
          } else {
            state = State.CONTENT;
          }
        }
        case REASONING -> {
          int close = held.indexOf(CLOSE);
          if (close >= 0) {
            reasoning.append(held, 0, close);
            held.delete(0, close + CLOSE.length());
            state = State.CONTENT;
            dropBlanks = true;
            continue;
          }
          int keep = end ? 0 : PartialMatch.atEnd(held, 0, CLOSE);
          reasoning.append(held, 0, held.length() - keep);
          held.delete(0, held.length() - keep);
          return;
        }
        case CONTENT -> {
          if (dropBlanks) {
            // the blank lines a model writes after </think> are not part of the answer
            int blank = 0;
            while (blank < held.length() && Character.isWhitespace(held.charAt(blank))) blank++;
            held.delete(0, blank);
            if (held.length() == 0 && !end) return;
            dropBlanks = false;
          }
          content.append(held);
          held.setLength(0);
          return;
        }
      }
    }
  }
}
