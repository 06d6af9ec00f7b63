package dev.kernelj.llm.chat.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kernelj.llm.tokenizer.FetchedTokenizers;
import dev.kernelj.llm.tokenizer.TokenizerConfig;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which format real models' chat templates (npm-fetched, pinned) teach. */
class ToolCallFormatTest {

  private static Optional<ToolCallFormat> of(String model) throws Exception {
    TokenizerConfig config =
        TokenizerConfig.read(
            FetchedTokenizers.tokenizerConfig(model).resolve("tokenizer_config.json"), null);
    return ToolCallFormat.detect(config.chatTemplate());
  }

  @Test
  void realTemplatesNameTheirFormat() throws Exception {
    assertEquals(Optional.of(ToolCallFormat.HERMES), of("qwen2_5"));
    assertEquals(Optional.of(ToolCallFormat.HERMES), of("qwen3"));
    assertEquals(Optional.of(ToolCallFormat.LLAMA3_JSON), of("llama3_2"));
    assertEquals(Optional.of(ToolCallFormat.MISTRAL), of("mistral_nemo"));
  }

  @Test
  void templatesWithoutToolsOrWithAnotherFormatHaveNone() throws Exception {
    assertEquals(Optional.empty(), of("llama3"));
    assertEquals(Optional.empty(), of("gemma3"));
    // DeepSeek V3 writes its calls between its own markers, which no parser here reads.
    assertEquals(Optional.empty(), of("deepseek_v3"));
  }

  @Test
  void namesAreTheCliNames() {
    assertEquals(ToolCallFormat.LLAMA3_JSON, ToolCallFormat.named("llama3_json"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ToolCallFormat.named("pythonic"));
    assertEquals(
        "unknown tool-call format 'pythonic'; one of hermes, llama3_json, mistral", e.getMessage());
  }
}
