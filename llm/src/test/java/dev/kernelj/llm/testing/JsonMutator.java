package dev.kernelj.llm.testing;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Structure-aware mutations of valid JSON: replace a value anywhere in the tree with a value of
 * another kind or an extreme one, delete a key, or wrap a value in a list. Reaches validation that
 * byte flips rarely get past the JSON syntax to.
 */
public final class JsonMutator {
  private static final Gson GSON = new Gson();

  private JsonMutator() {}

  /** A mutated copy of {@code json} (which must be valid JSON) as text. */
  public static String mutate(String json, Random random) {
    JsonElement root = JsonParser.parseString(json);
    int count = 1 + random.nextInt(3);
    for (int i = 0; i < count; i++) {
      List<JsonElement> containers = new ArrayList<>();
      collectContainers(root, containers);
      JsonElement target = containers.get(random.nextInt(containers.size()));
      if (target.isJsonObject()) {
        JsonObject object = target.getAsJsonObject();
        if (object.size() == 0) {
          object.add("k" + random.nextInt(10), randomValue(random));
          continue;
        }
        List<String> keys = new ArrayList<>(object.keySet());
        String key = keys.get(random.nextInt(keys.size()));
        switch (random.nextInt(4)) {
          case 0 -> object.remove(key);
          case 1 -> {
            JsonArray wrapped = new JsonArray();
            wrapped.add(object.get(key));
            object.add(key, wrapped);
          }
          default -> object.add(key, randomValue(random));
        }
      } else {
        JsonArray array = target.getAsJsonArray();
        if (array.isEmpty() || random.nextBoolean()) {
          array.add(randomValue(random));
        } else {
          array.set(random.nextInt(array.size()), randomValue(random));
        }
      }
    }
    return GSON.toJson(root);
  }

  private static void collectContainers(JsonElement element, List<JsonElement> out) {
    if (element.isJsonObject()) {
      out.add(element);
      element.getAsJsonObject().entrySet().forEach(e -> collectContainers(e.getValue(), out));
    } else if (element.isJsonArray()) {
      out.add(element);
      element.getAsJsonArray().forEach(e -> collectContainers(e, out));
    }
  }

  private static JsonElement randomValue(Random r) {
    return switch (r.nextInt(14)) {
      case 0 -> JsonNull.INSTANCE;
      case 1 -> new JsonPrimitive(r.nextBoolean());
      case 2 -> new JsonPrimitive(r.nextInt(10) - 3);
      case 3 -> new JsonPrimitive(Long.MAX_VALUE);
      case 4 -> new JsonPrimitive(new java.math.BigDecimal("1e400"));
      case 5 -> new JsonPrimitive(r.nextDouble() * 10 - 5);
      case 6 -> new JsonPrimitive(new java.math.BigInteger("123456789012345678901234567890"));
      case 7 -> new JsonPrimitive("");
      case 8 ->
          new JsonPrimitive(
              List.of(
                      "F32",
                      "BF16",
                      "I32",
                      "F8_E4M3",
                      "llama3",
                      "linear",
                      "gptq",
                      "awq",
                      "LlamaForCausalLM",
                      "x")
                  .get(r.nextInt(10)));
      case 9 -> new JsonArray();
      case 10 -> new JsonObject();
      case 11 -> {
        JsonArray a = new JsonArray();
        a.add(r.nextInt(100));
        a.add(r.nextInt(1000));
        yield a;
      }
      case 12 -> new JsonPrimitive(r.nextInt(1 << 20));
      default -> new JsonPrimitive(-r.nextInt(1 << 20));
    };
  }
}
