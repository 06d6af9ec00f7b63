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

  /** Where a delta's chunks go: each {@link #next} starts one, sent as its own event. */
  interface Chunks {
    /** The generator to write the next chunk to, as one JSON value. */
    JsonGenerator next() throws IOException;
  }

  /**
   * Writes the chunks of one delta of choice {@code index}: none when the delta carries nothing to
   * send, usually one, more where the stream's shape asks (chat: other choices' role chunks before
   * a choice's first, the finish reason in a chunk of its own after the last text).
   */
  void writeDeltaChunks(int index, Delta delta, Chunks out) throws IOException;

  /** The last chunk when the request asked for usage in the stream. */
  byte[] usageChunk(Usage usage);

  /** The whole non-streaming response. */
  byte[] whole(List<Completion> choices, Usage usage);
}
