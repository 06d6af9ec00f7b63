package dev.kernelj.llm.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.model.TinyLlama;
import dev.kernelj.llm.tokenizer.TokenizerFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Engine#loadTimings}: every phase of opening accounted for, and the tokenizer loaded
 * alongside.
 */
class EngineLoadTimingsTest {
  @TempDir Path dir;

  @Test
  void openingReportsItsPhasesAndTheirBytes() throws IOException {
    Path model = TinyLlama.write(dir.resolve("m"), TinyLlama.QWEN2, 11).dir();
    try (Engine engine =
        Engine.open(model, EngineOptions.defaults().withDevice(Device.CPU).withMaxContext(64))) {
      LoadTimings t = engine.loadTimings();
      assertEquals(engine.weightBytes(), t.weightBytes());
      assertEquals(engine.kvCacheBytes(), t.kvCacheBytes());
      for (long phase :
          new long[] {
            t.configNanos(),
            t.backendNanos(),
            t.weightsNanos(),
            t.kvCacheNanos(),
            t.setupNanos(),
            t.tokenizerWaitNanos()
          }) {
        assertTrue(phase >= 0, t.toString());
      }
      assertTrue(t.weightsNanos() > 0, t.toString());
      assertTrue(t.processStartToOpenNanos() > 0, "the JVM started before the test: " + t);
      assertEquals(
          t.configNanos()
              + t.backendNanos()
              + t.weightsNanos()
              + t.kvCacheNanos()
              + t.setupNanos()
              + t.tokenizerWaitNanos(),
          t.openNanos());
      String line = t.describe();
      assertTrue(
          line.startsWith("load ")
              && line.contains(" ms (JVM start before it ")
              && line.contains("weights ")
              && line.contains("KV cache ")
              && line.contains("tokenizer wait "),
          line);
      assertTrue(engine.hasTokenizer(), "the tokenizer loaded on its own thread arrived");
      assertEquals(TinyLlama.BOS, engine.tokenizer().encode("a", true)[0]);
    }
  }

  @Test
  void aBrokenTokenizerFailsTheOpenWithItsOwnError() throws IOException {
    Path model = TinyLlama.write(dir.resolve("m"), TinyLlama.LLAMA, 12).dir();
    Files.writeString(model.resolve("tokenizer.json"), "{\"version\": \"1.0\", \"model\": ");
    // The exception the tokenizer threw on its thread, not a CompletionException around it.
    TokenizerFormatException e =
        assertThrows(
            TokenizerFormatException.class,
            () ->
                Engine.open(
                    model, EngineOptions.defaults().withDevice(Device.CPU).withMaxContext(64)));
    assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
  }
}
