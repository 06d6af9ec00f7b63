package dev.kernelj.llm.tokenizer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The components of a {@code tokenizer.json}. The file is read as bytes in one pass: the {@code
 * model} section (a 9 MB vocabulary and merge list for Llama 3) goes straight into the BPE tables
 * through {@link ModelSectionReader}, and only the small sections (normalizer, pre-tokenizer, added
 * tokens, ...) are parsed as JSON trees.
 */
record TokenizerJson(
    List<AddedToken> addedTokens,
    TextNormalizer normalizer,
    PreTokenizer preTokenizer,
    BpeModel model,
    PostProcessor postProcessor,
    TokenDecoder decoder) {

  /** Reads and validates a {@code tokenizer.json}, through the default {@link TableCache}. */
  static TokenizerJson read(Path file) throws IOException {
    return read(Files.readAllBytes(file), file, TableCache.fromEnvironment());
  }

  /**
   * Reads from UTF-8 bytes; {@code file} only names the source in error messages (may be null). The
   * model section comes from {@code cache} when it holds this content, and goes into it otherwise.
   */
  static TokenizerJson read(byte[] utf8, Path file, TableCache cache) {
    JsonSpec spec = new JsonSpec(file);
    JsonCursor in = new JsonCursor(utf8, spec);
    Map<String, JsonElement> sections = new HashMap<>();
    String key = cache.covers(utf8.length) ? TableCache.key(utf8) : null;
    TableCache.Hit hit = key == null ? null : cache.load(key);
    BpeTables tables = null;
    boolean fromCache = false;
    int modelStart = -1;
    int modelEnd = -1;
    char top = in.peek("$");
    if (top != '{') {
      throw spec.error(
          "$", "expected a JSON object at the top level but found " + JsonCursor.describe(top));
    }
    in.expect('{', "$");
    for (boolean first = true; in.hasNext('}', first, "$"); first = false) {
      String name = in.name("$");
      if (name.equals("model")) {
        in.peek("model");
        modelStart = in.position();
        fromCache = hit != null && hit.modelStart() == modelStart;
        if (fromCache) {
          in.seek(hit.modelEnd());
          tables = hit.tables();
        } else {
          tables = ModelSectionReader.read(in, spec);
        }
        modelEnd = in.position();
      } else {
        int start = in.skipValue(name);
        sections.put(name, parseTree(in.textFrom(start), name, spec));
      }
    }
    if (tables == null) {
      throw spec.error("model", "missing: a tokenizer.json needs a model section");
    }
    TokenizerJson json =
        new TokenizerJson(
            addedTokens(sections.get("added_tokens"), spec),
            TextNormalizer.fromJson(sections.get("normalizer"), spec, "normalizer"),
            PreTokenizer.fromJson(sections.get("pre_tokenizer"), spec, "pre_tokenizer"),
            tables.toModel(spec),
            PostProcessor.fromJson(sections.get("post_processor"), spec, "post_processor"),
            TokenDecoder.fromJson(sections.get("decoder"), spec, "decoder"));
    if (key != null && !fromCache) {
      cache.store(key, modelStart, modelEnd, tables);
    }
    return json;
  }

  /** A small section as a tree; errors name the section and the path inside it. */
  private static JsonElement parseTree(String text, String section, JsonSpec spec) {
    JsonReader r = new JsonReader(new StringReader(text));
    try {
      return JsonParser.parseReader(r);
    } catch (JsonParseException e) {
      String inner = r.getPath();
      throw spec.error(
          section + (inner.length() > 1 ? inner.substring(1) : ""),
          "not valid JSON here: " + e.getMessage());
    }
  }

  private static List<AddedToken> addedTokens(JsonElement json, JsonSpec spec) {
    if (JsonSpec.isNull(json)) return List.of();
    if (!json.isJsonArray()) throw spec.error("added_tokens", "expected an array");
    JsonArray list = json.getAsJsonArray();
    List<AddedToken> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      String at = "added_tokens[" + i + "]";
      JsonObject t = spec.object(list.get(i), at);
      out.add(
          new AddedToken(
              spec.integer(t, "id", at),
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
