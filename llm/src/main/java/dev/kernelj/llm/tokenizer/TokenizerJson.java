package dev.kernelj.llm.tokenizer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.kernelj.llm.json.JsonLimits;
import dev.kernelj.llm.json.JsonProblems;
import dev.kernelj.llm.json.StrictJson;
import dev.kernelj.llm.util.ModelFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.SequenceInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The components of a {@code tokenizer.json}. The file is read in one pass of Jackson's streaming
 * parser (strict JSON, at most {@link JsonLimits#MAX_DEPTH} levels deep, no duplicate keys): the
 * {@code model} section (a 9 MB vocabulary and merge list for Llama 3) goes straight into the BPE
 * tables through {@link ModelSectionReader}, and only the small sections (normalizer,
 * pre-tokenizer, added tokens, ...) are read as trees. {@code file} names the source in messages
 * (null when read from memory).
 */
record TokenizerJson(
    List<AddedToken> addedTokens,
    TextNormalizer normalizer,
    PreTokenizer preTokenizer,
    BpeModel model,
    PostProcessor postProcessor,
    TokenDecoder decoder,
    Path file) {

  /** Reads and validates a {@code tokenizer.json}, through the default {@link TableCache}. */
  static TokenizerJson read(Path file) throws IOException {
    return read(
        ModelFiles.readSmall(file, ModelFiles.MAX_TOKENIZER_FILE),
        file,
        TableCache.fromEnvironment());
  }

  /**
   * Reads from UTF-8 bytes; {@code file} only names the source in error messages (may be null). The
   * model section comes from {@code cache} when it holds this content, and goes into it otherwise.
   */
  static TokenizerJson read(byte[] utf8, Path file, TableCache cache) {
    JsonSpec spec = new JsonSpec(file);
    String key = cache.covers(utf8.length) ? TableCache.key(utf8) : null;
    TableCache.Hit hit = key == null ? null : usable(cache.load(key), utf8);
    Sections sections = new Sections();
    StrictJson.Errors errors =
        (path, detail, cause) -> spec.error(path.isEmpty() ? "$" : path, detail);
    if (hit == null) {
      // A cached file was checked when it was cached (the key is a hash of the content).
      StrictJson.requireUtf8(utf8, errors);
    }
    try (JsonParser in =
        hit == null ? JsonLimits.parser(utf8, 0, utf8.length) : skipping(utf8, hit)) {
      try {
        readSections(in, spec, errors, utf8, hit, sections);
      } catch (IOException e) {
        String path = JsonProblems.path(in, "");
        throw spec.error(path.isEmpty() ? "$" : path, JsonProblems.describe(e));
      }
    } catch (IOException e) {
      throw spec.error("$", JsonProblems.describe(e));
    }
    if (sections.tables == null) {
      throw spec.error("model", "missing: a tokenizer.json needs a model section");
    }
    TokenizerJson json =
        new TokenizerJson(
            addedTokens(sections.trees.get("added_tokens"), spec, sections.tables.tokens().size()),
            TextNormalizer.fromJson(sections.trees.get("normalizer"), spec, "normalizer"),
            PreTokenizer.fromJson(sections.trees.get("pre_tokenizer"), spec, "pre_tokenizer"),
            sections.tables.toModel(spec),
            PostProcessor.fromJson(sections.trees.get("post_processor"), spec, "post_processor"),
            TokenDecoder.fromJson(sections.trees.get("decoder"), spec, "decoder"),
            file);
    if (key != null && hit == null) {
      cache.store(key, sections.modelStart, sections.modelEnd, sections.tables);
    }
    return json;
  }

  /** What one pass over the file finds: the model's tables and the small sections as trees. */
  private static final class Sections {
    final Map<String, JsonNode> trees = new HashMap<>();
    BpeTables tables;
    int modelStart = -1;
    int modelEnd = -1;
  }

  private static void readSections(
      JsonParser in,
      JsonSpec spec,
      StrictJson.Errors errors,
      byte[] utf8,
      TableCache.Hit hit,
      Sections sections)
      throws IOException {
    JsonToken top = in.nextToken();
    if (top != JsonToken.START_OBJECT) {
      throw spec.error(
          "$",
          "expected a JSON object at the top level but found " + ModelSectionReader.describe(top));
    }
    while (in.nextToken() == JsonToken.FIELD_NAME) {
      String name = in.currentName();
      if (sections.trees.containsKey(name) || (name.equals("model") && sections.tables != null)) {
        throw spec.error(name, "duplicate key '" + StrictJson.abbreviate(name) + "'");
      }
      in.nextToken();
      if (name.equals("model")) {
        sections.modelStart = (int) in.currentTokenLocation().getByteOffset();
        if (hit != null) {
          // The cached section was cut out of the input (see skipping): a placeholder stands there.
          sections.tables = hit.tables();
        } else {
          sections.tables = ModelSectionReader.read(in, spec, utf8);
          sections.modelEnd = (int) in.currentTokenLocation().getByteOffset() + 1;
        }
      } else {
        sections.trees.put(name, StrictJson.readValue(in, name, errors));
      }
    }
    if (in.nextToken() != null) {
      throw spec.error("$", "unexpected content after the JSON object");
    }
  }

  /**
   * A cache hit whose model section starts and ends where a JSON object can, or null. The key is
   * the content's hash, so this only guards against a collision reading garbage.
   */
  private static TableCache.Hit usable(TableCache.Hit hit, byte[] utf8) {
    if (hit == null
        || hit.modelStart() < 0
        || hit.modelEnd() > utf8.length
        || hit.modelStart() >= hit.modelEnd()
        || utf8[hit.modelStart()] != '{'
        || utf8[hit.modelEnd() - 1] != '}') {
      return null;
    }
    return hit;
  }

  /**
   * A parser over the file with the cached model section replaced by {@code 0}: the section is
   * never parsed, and everything else is read as usual.
   */
  private static JsonParser skipping(byte[] utf8, TableCache.Hit hit) throws IOException {
    return JsonLimits.parser(
        new SequenceInputStream(
            new SequenceInputStream(
                new ByteArrayInputStream(utf8, 0, hit.modelStart()),
                new ByteArrayInputStream(new byte[] {'0'})),
            new ByteArrayInputStream(utf8, hit.modelEnd(), utf8.length - hit.modelEnd())));
  }

  private static List<AddedToken> addedTokens(JsonNode json, JsonSpec spec, int modelIds) {
    if (JsonSpec.isNull(json)) return List.of();
    if (!json.isArray()) throw spec.error("added_tokens", "expected an array");
    // Added tokens extend the model's ids (or reuse them); an id far beyond both would size every
    // table by it.
    long limit = Math.min(ModelSectionReader.MAX_TOKEN_ID, 2L * (modelIds + json.size()) + 65536);
    List<AddedToken> out = new ArrayList<>(json.size());
    for (int i = 0; i < json.size(); i++) {
      String at = "added_tokens[" + i + "]";
      JsonNode t = spec.object(json.get(i), at);
      int id = spec.integer(t, "id", at);
      if (id < 0 || id >= limit) {
        throw spec.error(
            at + ".id",
            "token id "
                + id
                + (id < 0
                    ? " is negative"
                    : " is far beyond the "
                        + modelIds
                        + " ids of the vocabulary (added ids must stay below "
                        + limit
                        + ")"));
      }
      out.add(
          new AddedToken(
              id,
              spec.string(t, "content", at),
              spec.bool(t, "single_word", at, false),
              spec.bool(t, "lstrip", at, false),
              spec.bool(t, "rstrip", at, false),
              spec.bool(t, "normalized", at, false),
              spec.bool(t, "special", at, false)));
    }
    return List.copyOf(out);
  }
}
