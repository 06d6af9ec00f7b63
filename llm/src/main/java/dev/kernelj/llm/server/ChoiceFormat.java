package dev.kernelj.llm.server;

import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.Delta;
import java.util.List;

/** How one endpoint writes its choices: a whole JSON body, or the chunks of an event stream. */
interface ChoiceFormat {
  /** Chunks sent as soon as the stream opens (chat's role chunks, completions' echo). */
  List<byte[]> openingChunks();

  /** The chunk of one delta of choice {@code index}, or null when it carries nothing to send. */
  byte[] deltaChunk(int index, Delta delta);

  /** The last chunk when the request asked for usage in the stream. */
  byte[] usageChunk(Usage usage);

  /** The whole non-streaming response. */
  byte[] whole(List<Completion> choices, Usage usage);
}
