package dev.kernelj.llm.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.kernelj.llm.util.ModelFormatException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
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
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      JsonReader reader = new JsonReader(in);
      reader.setStrictness(Strictness.STRICT);
      reader.beginObject();
      while (reader.hasNext()) {
        String name = reader.nextName();
        switch (name) {
          case "model" -> readModel(reader, facts);
          case "normalizer", "pre_tokenizer", "decoder" ->
              collectTypes(JsonParser.parseReader(reader), facts.componentTypes);
          default -> reader.skipValue();
        }
      }
      reader.endObject();
    } catch (IOException | IllegalStateException | com.google.gson.JsonParseException e) {
      throw new ModelFormatException(
          file,
          "(root)",
          "malformed tokenizer.json: " + String.valueOf(e.getMessage()).replaceAll("\\s+", " "),
          e);
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

  private static void readModel(JsonReader reader, Facts facts) throws IOException {
    if (reader.peek() != JsonToken.BEGIN_OBJECT) {
      reader.skipValue();
      return;
    }
    reader.beginObject();
    while (reader.hasNext()) {
      String name = reader.nextName();
      if (name.equals("type") && reader.peek() == JsonToken.STRING) {
        facts.modelType = reader.nextString();
      } else if (name.equals("byte_fallback") && reader.peek() == JsonToken.BOOLEAN) {
        facts.byteFallback = reader.nextBoolean();
      } else {
        reader.skipValue();
      }
    }
    reader.endObject();
  }

  /**
   * Collects every {@code "type"} string in a component tree (Sequence components nest their
   * parts).
   */
  private static void collectTypes(JsonElement element, Set<String> types) {
    if (element.isJsonObject()) {
      element
          .getAsJsonObject()
          .entrySet()
          .forEach(
              entry -> {
                JsonElement value = entry.getValue();
                if (entry.getKey().equals("type") && value.isJsonPrimitive()) {
                  types.add(value.getAsString());
                } else {
                  collectTypes(value, types);
                }
              });
    } else if (element.isJsonArray()) {
      element.getAsJsonArray().forEach(child -> collectTypes(child, types));
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
