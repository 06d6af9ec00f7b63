package dev.kernelj.llm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code post_processor} section of {@code tokenizer.json}, reduced to what it does to the ids
 * of a single sequence: which special-token ids go before and after it (e.g. Llama 2's {@code <s>}
 * before). Offsets handling (ByteLevel's trim) does not change ids and is ignored.
 */
record PostProcessor(int[] before, int[] after) {

  static final PostProcessor NONE = new PostProcessor(new int[0], new int[0]);

  /** Builds the post-processor from its JSON; a JSON null adds nothing. */
  static PostProcessor fromJson(JsonNode json, JsonSpec spec, String field) {
    if (JsonSpec.isNull(json)) {
      return NONE;
    }
    JsonNode o = spec.object(json, field);
    String type = spec.string(o, "type", field);
    return switch (type) {
      case "ByteLevel" -> NONE;
      case "TemplateProcessing" -> template(o, spec, field);
      case "Sequence" -> {
        JsonNode items = spec.array(o, "processors", field);
        PostProcessor combined = NONE;
        for (int i = 0; i < items.size(); i++) {
          PostProcessor p = fromJson(items.get(i), spec, field + ".processors[" + i + "]");
          // A later processor wraps what the earlier ones produced.
          combined =
              new PostProcessor(concat(p.before, combined.before), concat(combined.after, p.after));
        }
        yield combined;
      }
      default ->
          throw spec.error(
              field + ".type",
              "unsupported post_processor '"
                  + type
                  + "' (supported: TemplateProcessing, ByteLevel, Sequence)");
    };
  }

  private static PostProcessor template(JsonNode o, JsonSpec spec, String field) {
    JsonNode single = spec.array(o, "single", field);
    JsonNode specials = spec.object(o, "special_tokens", field);
    List<Integer> before = new ArrayList<>();
    List<Integer> after = new ArrayList<>();
    boolean sequenceSeen = false;
    for (int i = 0; i < single.size(); i++) {
      String at = field + ".single[" + i + "]";
      JsonNode piece = spec.object(single.get(i), at);
      if (piece.has("Sequence")) {
        if (sequenceSeen) {
          throw spec.error(at, "the single-sequence template holds the sequence twice");
        }
        sequenceSeen = true;
      } else if (piece.has("SpecialToken")) {
        String name =
            spec.string(spec.object(piece, "SpecialToken", at), "id", at + ".SpecialToken");
        JsonNode entry =
            specials.get(name) == null
                ? null
                : spec.object(specials.get(name), field + ".special_tokens." + name);
        if (entry == null) {
          throw spec.error(
              at + ".SpecialToken.id",
              "'" + name + "' is not listed in " + field + ".special_tokens");
        }
        JsonNode ids = spec.array(entry, "ids", field + ".special_tokens." + name);
        for (int k = 0; k < ids.size(); k++) {
          (sequenceSeen ? after : before)
              .add(spec.integer(ids.get(k), field + ".special_tokens." + name + ".ids[" + k + "]"));
        }
      } else {
        throw spec.error(at, "expected {\"Sequence\": ...} or {\"SpecialToken\": ...}");
      }
    }
    if (!sequenceSeen) {
      throw spec.error(field + ".single", "the template never places the sequence ($A)");
    }
    return new PostProcessor(toArray(before), toArray(after));
  }

  private static int[] concat(int[] a, int[] b) {
    int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static int[] toArray(List<Integer> values) {
    return values.stream().mapToInt(Integer::intValue).toArray();
  }
}
