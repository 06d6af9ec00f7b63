package dev.kernelj.llm.testing;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Structure-aware mutations of valid JSON: replace a value anywhere in the tree with a value of
 * another kind or an extreme one, delete a key, or wrap a value in a list. Reaches validation that
 * byte flips rarely get past the JSON syntax to.
 */
public final class JsonMutator {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

  private JsonMutator() {}

  /** A mutated copy of {@code json} (which must be valid JSON) as text. */
  public static String mutate(String json, Random random) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
    }
    int count = 1 + random.nextInt(3);
    for (int i = 0; i < count; i++) {
      List<JsonNode> containers = new ArrayList<>();
      collectContainers(root, containers);
      JsonNode target = containers.get(random.nextInt(containers.size()));
      if (target instanceof ObjectNode object) {
        if (object.isEmpty()) {
          object.set("k" + random.nextInt(10), randomValue(random));
          continue;
        }
        List<String> keys = new ArrayList<>();
        object.fieldNames().forEachRemaining(keys::add);
        String key = keys.get(random.nextInt(keys.size()));
        switch (random.nextInt(4)) {
          case 0 -> object.remove(key);
          case 1 -> object.set(key, NODES.arrayNode().add(object.get(key)));
          default -> object.set(key, randomValue(random));
        }
      } else {
        ArrayNode array = (ArrayNode) target;
        if (array.isEmpty() || random.nextBoolean()) {
          array.add(randomValue(random));
        } else {
          array.set(random.nextInt(array.size()), randomValue(random));
        }
      }
    }
    return root.toString();
  }

  /**
   * {@code json} with one value anywhere below the root replaced by {@code shape}, raw JSON text
   * that need not be small: how fuzzers reach a reader's size and depth limits at any place of a
   * valid file. Cheap: the values' places are found once per seed.
   */
  public static String inject(String json, String shape, Random random) {
    List<int[]> spans = SPANS.computeIfAbsent(json, JsonMutator::valueSpans);
    int[] span = spans.get(random.nextInt(spans.size()));
    return json.substring(0, span[0]) + shape + json.substring(span[1]);
  }

  private static final Map<String, List<int[]>> SPANS = new ConcurrentHashMap<>();

  /** The [start, end) character ranges of every value below the root of {@code json}. */
  private static List<int[]> valueSpans(String json) {
    List<int[]> spans = new ArrayList<>();
    try (JsonParser parser = JSON.getFactory().createParser(json)) {
      parser.nextToken();
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        if (token == JsonToken.FIELD_NAME || token.isStructEnd()) {
          continue;
        }
        int start = (int) parser.currentTokenLocation().getCharOffset();
        if (token.isStructStart()) {
          // The container's own span; its children are visited after it.
          spans.add(new int[] {start, end(json, start)});
        } else {
          spans.add(new int[] {start, (int) parser.currentLocation().getCharOffset()});
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("not valid JSON", e);
    }
    return List.copyOf(spans);
  }

  /** The end of the container starting at {@code start} (strings skipped). */
  private static int end(String json, int start) {
    int depth = 0;
    for (int i = start; i < json.length(); i++) {
      char c = json.charAt(i);
      if (c == '"') {
        for (i++; json.charAt(i) != '"'; i++) {
          if (json.charAt(i) == '\\') {
            i++;
          }
        }
      } else if (c == '{' || c == '[') {
        depth++;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        return i + 1;
      }
    }
    throw new IllegalArgumentException("unbalanced JSON");
  }

  private static void collectContainers(JsonNode node, List<JsonNode> out) {
    if (node.isContainerNode()) {
      out.add(node);
      node.forEach(child -> collectContainers(child, out));
    }
  }

  private static JsonNode randomValue(Random r) {
    return switch (r.nextInt(14)) {
      case 0 -> NODES.nullNode();
      case 1 -> NODES.booleanNode(r.nextBoolean());
      case 2 -> NODES.numberNode(r.nextInt(10) - 3);
      case 3 -> NODES.numberNode(Long.MAX_VALUE);
      case 4 -> NODES.numberNode(new BigDecimal("1e400"));
      case 5 -> NODES.numberNode(r.nextDouble() * 10 - 5);
      case 6 -> NODES.numberNode(new BigInteger("123456789012345678901234567890"));
      case 7 -> NODES.textNode("");
      case 8 ->
          NODES.textNode(
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
      case 9 -> NODES.arrayNode();
      case 10 -> NODES.objectNode();
      case 11 -> NODES.arrayNode().add(r.nextInt(100)).add(r.nextInt(1000));
      case 12 -> NODES.numberNode(r.nextInt(1 << 20));
      default -> NODES.numberNode(-r.nextInt(1 << 20));
    };
  }
}
