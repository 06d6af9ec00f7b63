package dev.kernelj.llm.server;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.Delta;
import dev.kernelj.llm.serving.FinishReason;
import dev.kernelj.llm.serving.TokenLogprob;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON of the completions API: the whole {@code text_completion} object or the chunks of its
 * stream. Choice {@code p * n + i} is the i-th choice of prompt p; with {@code echo} a choice's
 * text (and logprobs) begins with its prompt's.
 */
final class CompletionResponses implements ChoiceFormat {
  private final ResponseHeader header;
  private final List<CompletionPrompts.Prompt> prompts;
  private final int n;
  private final boolean echo;
  private final LogprobsJson logprobs;
  private final boolean withLogprobs;
  private final boolean usageInChunks;
  private final int[] textOffsets; // per choice, where the next streamed token's text starts

  CompletionResponses(
      String model,
      List<CompletionPrompts.Prompt> prompts,
      int n,
      boolean echo,
      LogprobsJson logprobs,
      boolean withLogprobs,
      boolean usageInChunks) {
    this.header = ResponseHeader.now("cmpl-", "text_completion", model);
    this.prompts = prompts;
    this.n = n;
    this.echo = echo;
    this.logprobs = logprobs;
    this.withLogprobs = withLogprobs;
    this.usageInChunks = usageInChunks;
    this.textOffsets = new int[prompts.size() * n];
  }

  @Override
  public byte[] whole(List<Completion> choices, Usage usage) {
    return Json.bytes(
        g -> {
          g.writeStartObject();
          header.write(g);
          g.writeArrayFieldStart("choices");
          for (int i = 0; i < choices.size(); i++) {
            Completion c = choices.get(i);
            CompletionPrompts.Prompt prompt = echo ? prompts.get(i / n) : null;
            g.writeStartObject();
            g.writeNumberField("index", i);
            g.writeStringField("text", (prompt == null ? "" : prompt.text()) + c.text());
            if (withLogprobs) {
              g.writeFieldName("logprobs");
              writeLogprobs(g, c, prompt);
            } else {
              g.writeNullField("logprobs");
            }
            g.writeStringField("finish_reason", ChatResponses.finishReason(c.finishReason()));
            g.writeEndObject();
          }
          g.writeEndArray();
          g.writeFieldName("usage");
          usage.write(g);
          g.writeEndObject();
        });
  }

  private void writeLogprobs(JsonGenerator g, Completion c, CompletionPrompts.Prompt prompt)
      throws IOException {
    int[] generated = c.tokenIds();
    List<TokenLogprob> lps = new ArrayList<>();
    int[] ids = generated;
    if (prompt != null) {
      int[] promptIds = prompt.ids();
      ids = new int[promptIds.length + generated.length];
      System.arraycopy(promptIds, 0, ids, 0, promptIds.length);
      System.arraycopy(generated, 0, ids, promptIds.length, generated.length);
      lps.add(null); // the first prompt token has no logprob
      lps.addAll(c.promptLogprobs());
    }
    lps.addAll(c.logprobs());
    logprobs.writeCompletion(g, ids, lps, 0);
  }

  /** With {@code echo}, a first chunk per choice: its prompt's text. */
  @Override
  public List<byte[]> openingChunks() {
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; echo && i < textOffsets.length; i++) {
      String text = prompts.get(i / n).text();
      textOffsets[i] = text.codePointCount(0, text.length());
      out.add(chunk(i, text, null, null));
    }
    return out;
  }

  /**
   * A chunk for every delta with tokens, even when their text is held back (a partial character, a
   * possible stop string): vLLM streams those too, and benchmarks time tokens by chunks.
   */
  @Override
  public void writeDeltaChunks(int index, Delta d, Chunks out) throws IOException {
    boolean hasTokens = d.tokenIds().length > 0;
    if (d.text().isEmpty() && !hasTokens && d.finishReason() == null) {
      return;
    }
    writeChunk(out.next(), index, d.text(), withLogprobs && hasTokens ? d : null, d.finishReason());
  }

  @Override
  public byte[] usageChunk(Usage usage) {
    return Usage.chunk(header, usage);
  }

  private byte[] chunk(int index, String text, Delta withLogprobs, FinishReason finish) {
    return Json.bytes(g -> writeChunk(g, index, text, withLogprobs, finish));
  }

  private void writeChunk(
      JsonGenerator g, int index, String text, Delta withLogprobs, FinishReason finish)
      throws IOException {
    g.writeStartObject();
    header.write(g);
    g.writeArrayFieldStart("choices");
    g.writeStartObject();
    g.writeNumberField("index", index);
    g.writeStringField("text", text);
    if (withLogprobs == null) {
      g.writeNullField("logprobs");
    } else {
      g.writeFieldName("logprobs");
      textOffsets[index] =
          logprobs.writeCompletion(
              g, withLogprobs.tokenIds(), withLogprobs.logprobs(), textOffsets[index]);
    }
    Json.stringOrNull(
        g, "finish_reason", finish == null ? null : ChatResponses.finishReason(finish));
    g.writeEndObject();
    g.writeEndArray();
    if (usageInChunks) {
      g.writeNullField("usage");
    }
    g.writeEndObject();
  }
}
