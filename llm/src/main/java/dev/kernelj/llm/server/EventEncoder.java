package dev.kernelj.llm.server;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.kernelj.llm.json.JsonLimits;
import dev.kernelj.llm.serving.Delta;
import java.io.IOException;

/**
 * Writes the chunks of deltas as JSON with one generator, reused by one {@link DeltaPump} thread
 * for every stream it serves: a generator, its contexts and its output buffer made per chunk were
 * most of what streaming allocated (about 1 KB a token).
 */
final class EventEncoder {
  private final ByteSink json = new ByteSink(1024);
  private JsonGenerator generator;

  /**
   * Queues the chunk of {@code d}, choice {@code index} in {@code format}, on {@code out}; queues
   * nothing when the delta has nothing to send.
   */
  void encode(ChoiceFormat format, int index, Delta d, EventWriter out) throws IOException {
    if (generator == null) {
      generator = JsonLimits.generator(json);
      generator.setRootValueSeparator(null); // one value after another, nothing in between
    }
    json.reset();
    starts = 0;
    try {
      format.writeDeltaChunks(index, d, this::next);
      generator.flush();
    } catch (IOException | RuntimeException e) {
      generator = null; // its state is unknown: the next chunk starts a fresh one
      throw e;
    }
    for (int i = 0; i < starts; i++) {
      int end = i + 1 < starts ? chunkStart[i + 1] : json.size();
      out.add(json.array(), chunkStart[i], end - chunkStart[i]);
    }
  }

  /** Where each chunk of the delta being encoded starts in {@link #json}. */
  private int[] chunkStart = new int[4];

  private int starts;

  private JsonGenerator next() throws IOException {
    generator.flush();
    if (starts == chunkStart.length) chunkStart = java.util.Arrays.copyOf(chunkStart, starts * 2);
    chunkStart[starts++] = json.size();
    return generator;
  }
}
