package dev.kernelj.llm.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.kernelj.llm.json.JsonLimits;
import dev.kernelj.llm.json.JsonProblems;
import dev.kernelj.llm.json.StrictJson;
import dev.kernelj.llm.util.ModelFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Names the kind of tokenizer a model directory ships, for {@code kernelj info}: e.g. {@code "BPE
 * (byte-level)"} for Llama 3 and Qwen, {@code "BPE (SentencePiece, byte fallback)"} for Llama 2 and
 * Mistral.
 *
 * <p>Streams {@code tokenizer.json}, skipping the vocabulary and merges (most of a 9 MB file), and
 * looks only at {@code model.type}, {@code model.byte_fallback} and the component types of the
 * normalizer, pre-tokenizer and decoder.
 */
final class TokenizerKind {
  private TokenizerKind() {}

  /** The tokenizer kind of {@code modelDir}. */
  static String detect(Path modelDir) {
    Path file = modelDir.resolve("tokenizer.json");
    if (!Files.isRegularFile(file)) {
      return Files.isRegularFile(modelDir.resolve("tokenizer.model"))
          ? "SentencePiece (tokenizer.model only, no tokenizer.json)"
          : "none (no tokenizer.json)";
    }
    Facts facts = new Facts();
    StrictJson.Errors errors =
        (path, detail, cause) ->
            new ModelFormatException(file, path.isEmpty() ? "(root)" : path, detail, cause);
    try (InputStream bytes = Files.newInputStream(file);
        JsonParser in = JsonLimits.parser(bytes)) {
      try {
        if (in.nextToken() != JsonToken.START_OBJECT) {
          throw errors.at("", "expected a JSON object", null);
        }
        while (in.nextToken() == JsonToken.FIELD_NAME) {
          String name = in.currentName();
          in.nextToken();
          switch (name) {
            case "model" -> readModel(in, facts);
            case "normalizer", "pre_tokenizer", "decoder" ->
                collectTypes(StrictJson.readValue(in, name, errors), facts.componentTypes);
            default -> in.skipChildren();
          }
        }
      } catch (IOException e) {
        throw errors.at(JsonProblems.path(in, ""), JsonProblems.describe(e), e);
      }
    } catch (IOException e) {
      throw new ModelFormatException(file, "(file)", JsonProblems.describe(e), e);
    }
    if (facts.modelType == null) {
      throw new ModelFormatException(file, "model.type", "missing required key");
    }
    return describe(facts);
  }

  private static final class Facts {
    String modelType;
    boolean byteFallback;
    final Set<String> componentTypes = new HashSet<>();
  }

  private static void readModel(JsonParser in, Facts facts) throws IOException {
    if (in.currentToken() != JsonToken.START_OBJECT) {
      in.skipChildren();
      return;
    }
    while (in.nextToken() == JsonToken.FIELD_NAME) {
      String name = in.currentName();
      JsonToken value = in.nextToken();
      if (name.equals("type") && value == JsonToken.VALUE_STRING) {
        facts.modelType = in.getText();
      } else if (name.equals("byte_fallback") && value.isBoolean()) {
        facts.byteFallback = value == JsonToken.VALUE_TRUE;
      } else {
        in.skipChildren();
      }
    }
  }

  /**
   * Collects every {@code "type"} string in a component tree (Sequence components nest their
   * parts).
   */
  private static void collectTypes(JsonNode node, Set<String> types) {
    if (node.isObject()) {
      node.fields()
          .forEachRemaining(
              entry -> {
                JsonNode value = entry.getValue();
                if (entry.getKey().equals("type") && value.isTextual()) {
                  types.add(value.textValue());
                } else {
                  collectTypes(value, types);
                }
              });
    } else if (node.isArray()) {
      node.forEach(child -> collectTypes(child, types));
    }
  }

  private static String describe(Facts facts) {
    Set<String> types = facts.componentTypes;
    boolean byteLevel = types.contains("ByteLevel");
    boolean sentencePiece =
        types.contains("Metaspace")
            || types.contains("Prepend")
            || types.contains("Strip") && types.contains("Replace");
    boolean byteFallback = facts.byteFallback || types.contains("ByteFallback");
    if (byteLevel) {
      return facts.modelType + " (byte-level)";
    }
    if (sentencePiece) {
      return facts.modelType
          + (byteFallback ? " (SentencePiece, byte fallback)" : " (SentencePiece)");
    }
    return byteFallback ? facts.modelType + " (byte fallback)" : facts.modelType;
  }
}
