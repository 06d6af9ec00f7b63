package dev.kernelj.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each kind of broken tokenizer file gives one TokenizerFormatException naming the file and the
 * field.
 */
class MalformedTokenizerTest {

  private static final String MODEL =
      "\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2}, \"merges\": [\"a b\"]}";

  @TempDir Path dir;

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
            truncated file                 | {"added_tokens": [], "model": {"type": "BPE", "vocab": {"a": 0 | model.vocab
            not an object                  | [1, 2, 3] | $
            no model                       | {"added_tokens": []} | model
            unknown model type             | {"model": {"type": "Unigram", "vocab": []}} | model.vocab
            vocab id not a number          | {"model": {"type": "BPE", "vocab": {"a": "zero"}, "merges": []}} | model.vocab.a
            merge with unknown token       | {"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a z"]}} | model.merges[0]
            merge result not in vocab      | {"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]}} | model.merges[0]
            merge with three parts         | {"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a a a"]}} | model.merges[0]
            unk token not in vocab         | {"model": {"type": "BPE", "unk_token": "<unk>", "vocab": {"a": 0}, "merges": []}} | model.unk_token
            unknown normalizer             | {"normalizer": {"type": "Precompiled"}, MODEL} | normalizer.type
            normalizer without type        | {"normalizer": {"prepend": "x"}, MODEL} | normalizer.type
            bad split regex                | {"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(unclosed"}, "behavior": "Isolated"}, MODEL} | pre_tokenizer.pattern.Regex
            unknown split behavior         | {"pre_tokenizer": {"type": "Split", "pattern": {"String": " "}, "behavior": "Sideways"}, MODEL} | pre_tokenizer.behavior
            bad metaspace scheme           | {"pre_tokenizer": {"type": "Metaspace", "replacement": "_", "prepend_scheme": "sometimes"}, MODEL} | pre_tokenizer.prepend_scheme
            nested bad pre-tokenizer       | {"pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "ByteLevel"}, {"type": "Nope"}]}, MODEL} | pre_tokenizer.pretokenizers[1].type
            strip decoder content          | {"decoder": {"type": "Strip", "content": "ab", "start": 1, "stop": 0}, MODEL} | decoder.content
            added token without id         | {"added_tokens": [{"content": "<s>"}], MODEL} | added_tokens[0].id
            template names unknown special | {"post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>"}}, {"Sequence": {"id": "A"}}], "special_tokens": {}}, MODEL} | post_processor.single[0].SpecialToken.id
            """)
  void namesTheFileAndTheField(String what, String json, String field) throws Exception {
    Path file = dir.resolve("tokenizer.json");
    Files.writeString(file, json.replace("MODEL", MODEL));
    TokenizerFormatException e =
        assertThrows(TokenizerFormatException.class, () -> Tokenizer.fromFiles(file, null));
    assertTrue(e.getMessage().startsWith(file.toString() + ": field '"), e.getMessage());
    assertTrue(
        e.field().startsWith(field.replace("$", "$")) || e.field().contains(field),
        what + ": field was " + e.field() + " in " + e.getMessage());
    assertEquals(file, e.file());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
            add_bos_token not a boolean | {"add_bos_token": "yes"} | add_bos_token
            chat_template not a string  | {"chat_template": 3} | chat_template
            not json                    | {"bos_token": | bos_token
            """)
  void namesTheConfigFileAndTheField(String what, String json, String field) throws Exception {
    Path tokenizer = dir.resolve("tokenizer.json");
    Files.writeString(tokenizer, "{" + MODEL + "}");
    Path config = dir.resolve("tokenizer_config.json");
    Files.writeString(config, json);
    TokenizerFormatException e =
        assertThrows(TokenizerFormatException.class, () -> Tokenizer.fromFiles(tokenizer, config));
    assertEquals(config, e.file(), what);
    assertEquals(field, e.field(), what);
  }
}
