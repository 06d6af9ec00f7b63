package dev.kernelj.llm.tokenizer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The components of a {@code tokenizer.json}. The {@code model} section (a 9 MB vocabulary and
 * merge list for Llama 3) is streamed straight into the BPE tables instead of through a JSON
 * tree, which is what keeps loading fast; the small sections are read as trees.
 */
record TokenizerJson(List<AddedToken> addedTokens, TextNormalizer normalizer, PreTokenizer preTokenizer,
                     BpeModel model, PostProcessor postProcessor, TokenDecoder decoder) {

    /** Reads and validates a {@code tokenizer.json}. */
    static TokenizerJson read(Path file) throws IOException {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(in, file);
        }
    }

    /** Reads from a reader; {@code file} only names the source in error messages (may be null). */
    static TokenizerJson read(Reader in, Path file) throws IOException {
        JsonSpec spec = new JsonSpec(file);
        JsonReader r = new JsonReader(in);
        Map<String, JsonElement> sections = new HashMap<>();
        BpeModel model = null;
        try {
            if (r.peek() != JsonToken.BEGIN_OBJECT) {
                throw spec.error("$", "expected a JSON object at the top level but found " + r.peek());
            }
            r.beginObject();
            while (r.hasNext()) {
                String name = r.nextName();
                if (name.equals("model")) {
                    model = readModel(r, spec);
                } else {
                    sections.put(name, JsonParser.parseReader(r));
                }
            }
            r.endObject();
        } catch (IllegalStateException | JsonParseException | NumberFormatException e) {
            throw new TokenizerFormatException(file, r.getPath(), "not valid JSON here: " + e.getMessage(), e);
        } catch (java.io.EOFException e) {
            throw new TokenizerFormatException(file, r.getPath(), "the file ends in the middle of the JSON", e);
        } catch (com.google.gson.stream.MalformedJsonException e) {
            throw new TokenizerFormatException(file, r.getPath(), "malformed JSON: " + e.getMessage(), e);
        }
        if (model == null) {
            throw spec.error("model", "missing: a tokenizer.json needs a model section");
        }
        return new TokenizerJson(
                addedTokens(sections.get("added_tokens"), spec),
                TextNormalizer.fromJson(sections.get("normalizer"), spec, "normalizer"),
                PreTokenizer.fromJson(sections.get("pre_tokenizer"), spec, "pre_tokenizer"),
                model,
                PostProcessor.fromJson(sections.get("post_processor"), spec, "post_processor"),
                TokenDecoder.fromJson(sections.get("decoder"), spec, "decoder"));
    }

    private static BpeModel readModel(JsonReader r, JsonSpec spec) throws IOException {
        if (r.peek() != JsonToken.BEGIN_OBJECT) {
            throw spec.error("model", "expected an object but found " + r.peek());
        }
        String type = null;
        Map<String, Integer> vocab = null;
        List<String> lefts = new ArrayList<>();
        List<String> rights = new ArrayList<>();
        String unk = null;
        String prefix = null;
        String suffix = null;
        boolean fuseUnk = false;
        boolean byteFallback = false;
        boolean ignoreMerges = false;
        r.beginObject();
        while (r.hasNext()) {
            String name = r.nextName();
            switch (name) {
                case "type" -> type = nullableString(r);
                case "vocab" -> vocab = readVocab(r, spec);
                case "merges" -> readMerges(r, spec, lefts, rights);
                case "unk_token" -> unk = nullableString(r);
                case "continuing_subword_prefix" -> prefix = nullableString(r);
                case "end_of_word_suffix" -> suffix = nullableString(r);
                case "fuse_unk" -> fuseUnk = nullableBool(r);
                case "byte_fallback" -> byteFallback = nullableBool(r);
                case "ignore_merges" -> ignoreMerges = nullableBool(r);
                default -> r.skipValue();
            }
        }
        r.endObject();
        if (type != null && !type.equals("BPE")) {
            throw spec.error("model.type", "unsupported model '" + type + "' (supported: BPE)");
        }
        if (vocab == null) {
            throw spec.error("model.vocab", "missing: a BPE model needs a vocabulary");
        }
        return new BpeModel(vocab, lefts, rights,
                new BpeModel.Options(unk, prefix, suffix, fuseUnk, byteFallback, ignoreMerges), spec);
    }

    private static Map<String, Integer> readVocab(JsonReader r, JsonSpec spec) throws IOException {
        if (r.peek() != JsonToken.BEGIN_OBJECT) {
            throw spec.error("model.vocab", "expected an object of token to id but found " + r.peek());
        }
        Map<String, Integer> vocab = new HashMap<>(1 << 18);
        r.beginObject();
        while (r.hasNext()) {
            String token = r.nextName();
            if (r.peek() != JsonToken.NUMBER) {
                throw spec.error("model.vocab." + token, "expected an integer id but found " + r.peek());
            }
            vocab.put(token, r.nextInt());
        }
        r.endObject();
        return vocab;
    }

    /** Merges come as {@code "a b"} strings (older files) or {@code ["a", "b"]} pairs (newer). */
    private static void readMerges(JsonReader r, JsonSpec spec, List<String> lefts, List<String> rights)
            throws IOException {
        if (r.peek() != JsonToken.BEGIN_ARRAY) {
            throw spec.error("model.merges", "expected an array but found " + r.peek());
        }
        r.beginArray();
        for (int rank = 0; r.hasNext(); rank++) {
            String field = "model.merges[" + rank + "]";
            if (r.peek() == JsonToken.STRING) {
                String line = r.nextString();
                int space = line.indexOf(' ');
                if (space < 0 || line.indexOf(' ', space + 1) >= 0) {
                    throw spec.error(field, "expected two tokens separated by one space but found '" + line + "'");
                }
                lefts.add(line.substring(0, space));
                rights.add(line.substring(space + 1));
            } else if (r.peek() == JsonToken.BEGIN_ARRAY) {
                r.beginArray();
                String left = r.hasNext() && r.peek() == JsonToken.STRING ? r.nextString() : null;
                String right = r.hasNext() && r.peek() == JsonToken.STRING ? r.nextString() : null;
                if (left == null || right == null || r.hasNext()) {
                    throw spec.error(field, "expected a pair of two token strings");
                }
                r.endArray();
                lefts.add(left);
                rights.add(right);
            } else {
                throw spec.error(field, "expected \"a b\" or [\"a\", \"b\"] but found " + r.peek());
            }
        }
        r.endArray();
    }

    private static String nullableString(JsonReader r) throws IOException {
        if (r.peek() == JsonToken.NULL) {
            r.nextNull();
            return null;
        }
        return r.nextString();
    }

    private static boolean nullableBool(JsonReader r) throws IOException {
        if (r.peek() == JsonToken.NULL) {
            r.nextNull();
            return false;
        }
        return r.nextBoolean();
    }

    private static List<AddedToken> addedTokens(JsonElement json, JsonSpec spec) {
        if (JsonSpec.isNull(json)) return List.of();
        if (!json.isJsonArray()) throw spec.error("added_tokens", "expected an array");
        JsonArray list = json.getAsJsonArray();
        List<AddedToken> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            String at = "added_tokens[" + i + "]";
            JsonObject t = spec.object(list.get(i), at);
            out.add(new AddedToken(spec.integer(t, "id", at), spec.string(t, "content", at),
                    spec.bool(t, "single_word", at, false), spec.bool(t, "lstrip", at, false),
                    spec.bool(t, "rstrip", at, false), spec.bool(t, "normalized", at, false),
                    spec.bool(t, "special", at, false)));
        }
        return List.copyOf(out);
    }
}
