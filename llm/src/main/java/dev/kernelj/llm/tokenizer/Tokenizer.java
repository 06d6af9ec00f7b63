package dev.kernelj.llm.tokenizer;

import dev.kernelj.llm.util.ModelFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A Hugging Face {@code tokenizer.json} tokenizer in plain Java, matching HF tokenizers id for id:
 * byte-level BPE (Llama 3, Qwen2/3, GPT-2) and SentencePiece-style BPE with byte fallback (Llama 2,
 * Mistral). Instances are immutable and thread-safe.
 *
 * <p>Encoding follows HF's pipeline: split the raw text on added tokens, normalize the rest,
 * pre-tokenize, run BPE per word, then add the special tokens of the post-processor. When {@code
 * tokenizer_config.json} sets {@code add_bos_token}/{@code add_eos_token}, those decide BOS/EOS
 * instead of the post-processor, as transformers' Llama tokenizer does.
 */
public final class Tokenizer {

  private final TokenizerJson json;
  private final TokenizerConfig config;
  private final AddedTokenMatcher rawMatcher;
  private final AddedTokenMatcher normalizedMatcher;
  private final boolean hasNormalizedTokens;
  private final AddedToken[] addedById;
  private final Map<String, AddedToken> addedByContent = new HashMap<>();
  private final Set<String> specialContents = new HashSet<>();
  private final int vocabSize;
  private final int[] prefixIds;
  private final int[] suffixIds;
  private final OptionalInt bosId;
  private final int[] eosIds;

  private Tokenizer(TokenizerJson json, TokenizerConfig config, Path configFile) {
    this.json = json;
    this.config = config;
    List<AddedToken> raw = new ArrayList<>();
    List<AddedToken> normalized = new ArrayList<>();
    int maxId = json.model().size() - 1;
    for (AddedToken t : json.addedTokens()) {
      (t.normalized() ? normalized : raw).add(t);
      maxId = Math.max(maxId, t.id());
      addedByContent.put(t.content(), t);
      if (t.special()) specialContents.add(t.content());
    }
    vocabSize = maxId + 1;
    addedById = new AddedToken[vocabSize];
    for (AddedToken t : json.addedTokens()) addedById[t.id()] = t;
    rawMatcher = new AddedTokenMatcher(raw);
    normalizedMatcher = new AddedTokenMatcher(normalized);
    hasNormalizedTokens = !normalized.isEmpty();

    bosId = config.bosToken() == null ? OptionalInt.empty() : idOf(config.bosToken());
    prefixIds =
        config.addBosToken() == null
            ? json.postProcessor().before()
            : config.addBosToken()
                ? new int[] {required(bosId, configFile, "bos_token (needed by add_bos_token)")}
                : new int[0];
    OptionalInt eos = config.eosToken() == null ? OptionalInt.empty() : idOf(config.eosToken());
    suffixIds =
        config.addEosToken() == null
            ? json.postProcessor().after()
            : config.addEosToken()
                ? new int[] {required(eos, configFile, "eos_token (needed by add_eos_token)")}
                : new int[0];
    Set<Integer> eosSet = new LinkedHashSet<>();
    eos.ifPresent(eosSet::add);
    eosSet.addAll(config.generationEosIds());
    eosIds = eosSet.stream().mapToInt(Integer::intValue).toArray();
  }

  private static int required(OptionalInt id, Path configFile, String field) {
    if (id.isEmpty()) {
      throw new TokenizerFormatException(
          configFile, field, "the token is not set or not in the vocabulary");
    }
    return id.getAsInt();
  }

  /**
   * Loads {@code tokenizer.json} from a model directory, with {@code tokenizer_config.json} and
   * {@code generation_config.json} when present.
   *
   * @throws TokenizerFormatException naming the file and field when a file is malformed
   */
  public static Tokenizer fromDirectory(Path dir) throws IOException {
    Path tokenizerJson = dir.resolve("tokenizer.json");
    if (!ModelFiles.isPresent(tokenizerJson)) {
      throw new java.io.FileNotFoundException("no tokenizer.json in " + dir);
    }
    Path config = dir.resolve("tokenizer_config.json");
    Path generation = dir.resolve("generation_config.json");
    return new Tokenizer(
        TokenizerJson.read(tokenizerJson), TokenizerConfig.read(config, generation), config);
  }

  /**
   * Loads a {@code tokenizer.json} and, optionally, its {@code tokenizer_config.json}.
   *
   * @param tokenizerConfig may be null
   */
  public static Tokenizer fromFiles(Path tokenizerJson, Path tokenizerConfig) throws IOException {
    return new Tokenizer(
        TokenizerJson.read(tokenizerJson),
        TokenizerConfig.read(tokenizerConfig, null),
        tokenizerConfig);
  }

  /** A tokenizer over already-read files (tests compare loads through different paths). */
  static Tokenizer of(TokenizerJson json, TokenizerConfig config) {
    return new Tokenizer(json, config, null);
  }

  /**
   * Encodes text to token ids.
   *
   * @param addSpecial whether to add BOS/EOS (or whatever the post-processor adds)
   */
  public int[] encode(String text, boolean addSpecial) {
    try {
      return encodeUnchecked(text, addSpecial);
    } catch (StackOverflowError e) {
      // java.util.regex recurses per repetition of a group: a pattern like (a|b)* from the file
      // overflows the stack on a long text. The file's pattern is at fault, not the text.
      throw new TokenizerFormatException(
          json.file(),
          "pre_tokenizer",
          "a pattern of this tokenizer recurses too deeply on a text of "
              + text.length()
              + " characters (a repeated group such as (a|b)*)",
          e);
    }
  }

  private int[] encodeUnchecked(String text, boolean addSpecial) {
    IntList out = new IntList(text.length() / 3 + 4);
    if (addSpecial) out.addAll(prefixIds);
    rawMatcher.split(
        text,
        new AddedTokenMatcher.Sink() {
          @Override
          public void text(String piece, int offset) {
            encodeOrdinaryText(piece, offset == 0, out);
          }

          @Override
          public void token(AddedToken token) {
            out.add(token.id());
          }
        });
    if (addSpecial) out.addAll(suffixIds);
    return out.toArray();
  }

  private void encodeOrdinaryText(String piece, boolean atOrigin, IntList out) {
    String normalized = json.normalizer() == null ? piece : json.normalizer().normalize(piece);
    if (normalized.isEmpty()) {
      return;
    }
    if (!hasNormalizedTokens) {
      preTokenizeAndEncode(normalized, atOrigin, out);
      return;
    }
    normalizedMatcher.split(
        normalized,
        new AddedTokenMatcher.Sink() {
          @Override
          public void text(String text, int offset) {
            preTokenizeAndEncode(text, atOrigin && offset == 0, out);
          }

          @Override
          public void token(AddedToken token) {
            out.add(token.id());
          }
        });
  }

  private void preTokenizeAndEncode(String text, boolean atOrigin, IntList out) {
    if (json.preTokenizer() == null) {
      json.model().tokenize(text, out);
    } else {
      json.preTokenizer().split(text, atOrigin, (word, origin) -> json.model().tokenize(word, out));
    }
  }

  /**
   * Decodes token ids to text. Ids outside the vocabulary are skipped, as HF does.
   *
   * @param skipSpecial drop special tokens (BOS, EOS, chat markers)
   */
  public String decode(int[] ids, boolean skipSpecial) {
    return decode(ids, 0, ids.length, skipSpecial);
  }

  /** Decodes {@code ids[from..to)}; see {@link #decode(int[], boolean)}. */
  public String decode(int[] ids, int from, int to, boolean skipSpecial) {
    List<String> tokens = new ArrayList<>(to - from);
    for (int i = from; i < to; i++) {
      String text = tokenText(ids[i]);
      if (text == null || (skipSpecial && specialContents.contains(text))) continue;
      tokens.add(text);
    }
    return json.decoder() == null ? String.join(" ", tokens) : json.decoder().decode(tokens);
  }

  /** A decoder for generated tokens that only ever emits complete UTF-8 text. */
  public StreamingDecoder streamingDecoder(boolean skipSpecial) {
    return new StreamingDecoder(this, skipSpecial);
  }

  /** Size of the id space: highest id of the model vocabulary or the added tokens, plus one. */
  public int vocabSize() {
    return vocabSize;
  }

  /** The id of a token's text (added tokens first, then the model vocabulary). */
  public OptionalInt tokenId(String token) {
    return idOf(token);
  }

  private OptionalInt idOf(String token) {
    AddedToken added = addedByContent.get(token);
    if (added != null) return OptionalInt.of(added.id());
    Integer id = json.model().id(token);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  /** The raw vocabulary text of an id (e.g. {@code "Ġthe"}, {@code "<0x0A>"}), or null. */
  public String tokenText(int id) {
    if (id < 0 || id >= vocabSize) return null;
    AddedToken added = addedById[id];
    return added != null ? added.content() : json.model().token(id);
  }

  /**
   * The bytes one token stands for, as OpenAI's logprobs {@code bytes} give them: its text decoded
   * alone, as UTF-8; but a token holding part of a character (a byte-level or {@code <0xNN>} token)
   * decodes alone to U+FFFD, so such a token gives its own bytes, and the bytes of consecutive
   * tokens join into the generated text.
   */
  public byte[] tokenBytes(int id) {
    String text = decode(new int[] {id}, false);
    String raw = tokenText(id);
    if (raw != null && text.indexOf('\uFFFD') >= 0 && json.decoder() != null) {
      byte[] bytes = TokenDecoder.rawBytes(json.decoder(), raw);
      if (bytes != null) return bytes;
    }
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** Whether an id is a special added token (what {@code skipSpecial} drops). */
  public boolean isSpecial(int id) {
    String text = tokenText(id);
    return text != null && specialContents.contains(text);
  }

  /** The added tokens of {@code tokenizer.json}, in file order. */
  public List<AddedToken> addedTokens() {
    return json.addedTokens();
  }

  /** The BOS id named by {@code tokenizer_config.json}, if any. */
  public OptionalInt bosId() {
    return bosId;
  }

  /**
   * Ids that end generation: the EOS token of {@code tokenizer_config.json} plus the {@code
   * eos_token_id}s of {@code generation_config.json} (Llama 3 Instruct also stops on {@code
   * <|eot_id|>}).
   */
  public int[] eosIds() {
    return eosIds.clone();
  }

  /** The ids {@code encode(text, true)} puts before the text. */
  public int[] prefixIds() {
    return prefixIds.clone();
  }

  /** The ids {@code encode(text, true)} puts after the text. */
  public int[] suffixIds() {
    return suffixIds.clone();
  }

  /** The contents of {@code tokenizer_config.json} that matter beyond encoding. */
  public TokenizerConfig config() {
    return config;
  }

  /** A short description such as {@code "byte-level BPE, 128256 tokens"}. */
  public String kind() {
    String family =
        json.decoder() instanceof TokenDecoder.ByteLevel
                || json.preTokenizer() instanceof PreTokenizer.ByteLevel
                || (json.preTokenizer() instanceof PreTokenizer.Sequence s
                    && s.steps().stream().anyMatch(p -> p instanceof PreTokenizer.ByteLevel))
            ? "byte-level BPE"
            : "SentencePiece-style BPE";
    return family + ", " + vocabSize + " tokens";
  }

  @Override
  public String toString() {
    return "Tokenizer["
        + kind()
        + ", special "
        + Arrays.toString(prefixIds)
        + " ... "
        + Arrays.toString(suffixIds)
        + "]";
  }
}
