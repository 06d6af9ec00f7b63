package dev.kernelj.llm.server;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.kernelj.llm.serving.Completion;
import dev.kernelj.llm.serving.Delta;
import java.io.IOException;
import java.util.List;

/** How one endpoint writes its choices: a whole JSON body, or the chunks of an event stream. */
interface ChoiceFormat {
  /** Chunks sent as soon as the stream opens (chat's role chunks, completions' echo). */
  List<byte[]> openingChunks();

  /**
   * Writes the chunk of one delta of choice {@code index} to {@code g} as one JSON value; writes
   * nothing and returns false when the delta carries nothing to send.
   */
  boolean writeDeltaChunk(int index, Delta delta, JsonGenerator g) throws IOException;

  /** The last chunk when the request asked for usage in the stream. */
  byte[] usageChunk(Usage usage);

  /** The whole non-streaming response. */
  byte[] whole(List<Completion> choices, Usage usage);
}
