package dev.kernelj.llm.safetensors;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kernelj.llm.json.JsonFields;
import dev.kernelj.llm.json.StrictJson;
import dev.kernelj.llm.util.ModelFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code model.safetensors.index.json} of a sharded checkpoint: which shard file holds which
 * tensor.
 *
 * @param file the index file
 * @param weightMap tensor name to shard file name, in the index's order
 * @param totalSize {@code metadata.total_size} when given, else -1
 */
public record ShardIndex(Path file, Map<String, String> weightMap, long totalSize) {
  /** The conventional index file name. */
  public static final String FILE_NAME = "model.safetensors.index.json";

  public ShardIndex {
    weightMap = Map.copyOf(weightMap);
  }

  /** Reads and checks {@code file}; shard names must be plain file names in the same directory. */
  public static ShardIndex read(Path file) {
    ObjectNode root =
        StrictJson.parseObject(
            ModelFiles.readSmall(file, ModelFiles.MAX_SMALL_FILE), file, "(root)");
    JsonFields fields = JsonFields.of(root, file);
    Map<String, String> weightMap = fields.requireStringMap("weight_map");
    for (Map.Entry<String, String> entry : weightMap.entrySet()) {
      String shard = entry.getValue();
      if (shard.isEmpty()
          || shard.contains("/")
          || shard.contains("\\")
          || shard.equals("..")
          || shard.equals(".")
          || shard.indexOf('\0') >= 0) {
        throw fields.error(
            "weight_map." + entry.getKey(),
            "shard name \"" + shard + "\" is not a plain file name in the model directory");
      }
    }
    JsonFields metadata = fields.objectOrNull("metadata");
    // Some writers emit total_size as a float; it is informational only.
    long totalSize = metadata == null ? -1 : (long) metadata.doubleOr("total_size", -1);
    return new ShardIndex(file, weightMap, totalSize);
  }

  /** Distinct shard file names, sorted (shards are conventionally numbered). */
  public List<String> shardNames() {
    return new TreeSet<>(weightMap.values()).stream().toList();
  }
}
