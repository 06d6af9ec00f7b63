package dev.kernelj.llm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kernelj.llm.json.StrictJson;
import dev.kernelj.llm.util.ModelFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code tokenizer_config.json} (and, for end-of-sequence ids, {@code generation_config.json})
 * says beyond {@code tokenizer.json}: whether to add BOS/EOS, the names of the special tokens, and
 * the chat template(s).
 *
 * @param addBosToken {@code add_bos_token}, or null when the file does not say
 * @param addEosToken {@code add_eos_token}, or null when the file does not say
 * @param bosToken the BOS token text, or null
 * @param eosToken the EOS token text, or null
 * @param chatTemplates named chat templates; the unnamed one is stored under {@code "default"}
 * @param generationEosIds {@code eos_token_id} of generation_config.json (may be several)
 */
public record TokenizerConfig(
    Boolean addBosToken,
    Boolean addEosToken,
    String bosToken,
    String eosToken,
    Map<String, String> chatTemplates,
    List<Integer> generationEosIds) {

  /** A configuration that says nothing, for a bare {@code tokenizer.json}. */
  public static final TokenizerConfig EMPTY =
      new TokenizerConfig(null, null, null, null, Map.of(), List.of());

  /** The default chat template, or null. */
  public String chatTemplate() {
    return chatTemplates.get("default");
  }

  /**
   * Reads the configuration files; each may be null or missing.
   *
   * @throws TokenizerFormatException naming the file and field when a file is malformed
   */
  public static TokenizerConfig read(Path tokenizerConfig, Path generationConfig)
      throws IOException {
    TokenizerConfig base = EMPTY;
    if (tokenizerConfig != null && ModelFiles.isPresent(tokenizerConfig)) {
      base = fromTokenizerConfig(parse(tokenizerConfig), new JsonSpec(tokenizerConfig));
    }
    if (generationConfig != null && ModelFiles.isPresent(generationConfig)) {
      JsonSpec spec = new JsonSpec(generationConfig);
      List<Integer> eos = eosIds(spec.object(parse(generationConfig), ""), spec);
      base =
          new TokenizerConfig(
              base.addBosToken,
              base.addEosToken,
              base.bosToken,
              base.eosToken,
              base.chatTemplates,
              eos);
    }
    return base;
  }

  /** The JSON of a small tokenizer file, read strictly; errors name the file and the JSON path. */
  static JsonNode parse(Path file) throws IOException {
    byte[] bytes = ModelFiles.readSmall(file, ModelFiles.MAX_SMALL_FILE);
    StrictJson.Errors errors =
        (path, detail, cause) ->
            new TokenizerFormatException(file, path.isEmpty() ? "$" : path, detail, cause);
    return StrictJson.parse(bytes, errors);
  }

  private static TokenizerConfig fromTokenizerConfig(JsonNode json, JsonSpec spec) {
    JsonNode o = spec.object(json, "$");
    Boolean addBos =
        o.has("add_bos_token") && !o.get("add_bos_token").isNull()
            ? spec.bool(o, "add_bos_token", "", false)
            : null;
    Boolean addEos =
        o.has("add_eos_token") && !o.get("add_eos_token").isNull()
            ? spec.bool(o, "add_eos_token", "", false)
            : null;
    return new TokenizerConfig(
        addBos,
        addEos,
        tokenText(o, "bos_token", spec),
        tokenText(o, "eos_token", spec),
        chatTemplates(o, spec),
        List.of());
  }

  /** A special token is written either as its text or as an AddedToken object with a content. */
  private static String tokenText(JsonNode o, String key, JsonSpec spec) {
    JsonNode e = o.get(key);
    if (JsonSpec.isNull(e)) return null;
    if (e.isObject()) return spec.string(e, "content", key);
    return spec.string(e, key);
  }

  private static Map<String, String> chatTemplates(JsonNode o, JsonSpec spec) {
    JsonNode e = o.get("chat_template");
    Map<String, String> templates = new LinkedHashMap<>();
    if (JsonSpec.isNull(e)) return Map.of();
    if (e.isArray()) {
      JsonNode list = e;
      for (int i = 0; i < list.size(); i++) {
        String at = "chat_template[" + i + "]";
        JsonNode entry = spec.object(list.get(i), at);
        templates.put(spec.string(entry, "name", at), spec.string(entry, "template", at));
      }
    } else {
      templates.put("default", spec.string(e, "chat_template"));
    }
    return Map.copyOf(templates);
  }

  private static List<Integer> eosIds(JsonNode o, JsonSpec spec) {
    JsonNode e = o.get("eos_token_id");
    List<Integer> ids = new ArrayList<>();
    if (JsonSpec.isNull(e)) return List.of();
    if (e.isArray()) {
      for (int i = 0; i < e.size(); i++) {
        ids.add(spec.integer(e.get(i), "eos_token_id[" + i + "]"));
      }
    } else {
      ids.add(spec.integer(e, "eos_token_id"));
    }
    return List.copyOf(ids);
  }
}
