package dev.kernelj.llm.check;

import dev.kernelj.llm.chat.ChatTemplate;
import dev.kernelj.llm.chat.ChatTemplateException;
import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.llm.json.StrictJson;
import dev.kernelj.llm.quant.QuantizationConfigReader;
import dev.kernelj.llm.safetensors.SafetensorsCheckpoint;
import dev.kernelj.llm.tokenizer.AddedToken;
import dev.kernelj.llm.tokenizer.Tokenizer;
import dev.kernelj.llm.util.ModelFormatException;
import java.nio.file.Path;

/**
 * The checks a model directory passes before the engine runs it, in the order {@code Engine.open}
 * meets them: the weights against config.json (and the quantization settings, read and checked here
 * as everywhere else by {@link QuantizationConfigReader}), the chat template (rendered once with a
 * one-message conversation), and the tokenizer's ids against the embedding.
 */
public final class ModelCheck {
  private ModelCheck() {}

  /**
   * Checks that the engine can run the weights of {@code checkpoint} for {@code config}: the
   * quantization settings of {@code modelDir} are valid, and every tensor the engine loads is
   * present with the right shape and a dtype its role takes.
   *
   * @throws ModelFormatException naming the file and tensor or key
   */
  public static void weights(Path modelDir, ModelConfig config, SafetensorsCheckpoint checkpoint) {
    QuantizationConfigReader.read(modelDir);
    WeightCheck.check(config, checkpoint);
  }

  /**
   * Renders the tokenizer's chat template once with a one-message conversation, so that a template
   * that cannot render fails when the model opens, not at the first line of a chat.
   *
   * @throws ModelFormatException naming tokenizer_config.json's chat_template
   */
  public static void chatTemplate(Tokenizer tokenizer, Path modelDir) {
    String source = tokenizer.config().chatTemplate();
    if (source == null || source.isBlank()) {
      return;
    }
    try {
      ChatTemplate.fromTokenizer(tokenizer).checkRenders();
    } catch (ChatTemplateException e) {
      throw new ModelFormatException(
          modelDir.resolve("tokenizer_config.json"), "chat_template", e.getMessage(), e);
    }
  }

  /**
   * Checks that every id the tokenizer can produce has a row in the embedding: an id beyond it
   * would read past the table (NaN or garbage rows) instead of failing.
   *
   * @throws ModelFormatException naming tokenizer.json and the token
   */
  public static void tokenizerFitsEmbedding(
      ModelConfig config, Tokenizer tokenizer, Path modelDir) {
    int rows = config.vocabSize();
    if (tokenizer.vocabSize() <= rows) {
      return;
    }
    Path file = modelDir.resolve("tokenizer.json");
    for (int i = 0; i < tokenizer.addedTokens().size(); i++) {
      AddedToken token = tokenizer.addedTokens().get(i);
      if (token.id() >= rows) {
        throw new ModelFormatException(
            file,
            "added_tokens[" + i + "].id",
            "token id "
                + token.id()
                + " ('"
                + StrictJson.abbreviate(token.content())
                + "') is beyond the model's embedding of "
                + rows
                + " rows (config.json vocab_size)");
      }
    }
    throw new ModelFormatException(
        file,
        "model.vocab",
        "token ids reach "
            + (tokenizer.vocabSize() - 1)
            + " but the model's embedding has "
            + rows
            + " rows (config.json vocab_size)");
  }
}
