package dev.kernelj.llm.safetensors;

import dev.kernelj.llm.json.JsonFields;
import dev.kernelj.llm.json.StrictJson;
import dev.kernelj.llm.util.ModelFiles;
import dev.kernelj.llm.util.ModelFormatException;
import dev.kernelj.llm.util.ProgressListener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The weights of a model directory: shards listed by {@code model.safetensors.index.json}, else one
 * {@code model.safetensors}, else every {@code *.safetensors} file in the directory (AutoGPTQ names
 * its file {@code gptq_model-4bit-128g.safetensors}; vLLM and transformers take any such name too).
 * Tensor names are looked up across all shards.
 *
 * <p>Every shard's header is validated on open; a shard named by the index but absent, a tensor the
 * index puts in a shard that lacks it, and a tensor present in two shards are errors naming the
 * file and tensor.
 */
public final class SafetensorsCheckpoint implements TensorLookup, AutoCloseable {
  /** The conventional single-file name. */
  public static final String SINGLE_FILE_NAME = "model.safetensors";

  private static final int TOUCH_CHUNK = 64 << 20;

  private final Path location;
  private final ShardIndex index;
  private final List<SafetensorsFile> shards;
  private final Map<String, SafetensorsFile> shardByTensor;

  private SafetensorsCheckpoint(
      Path location,
      ShardIndex index,
      List<SafetensorsFile> shards,
      Map<String, SafetensorsFile> shardByTensor) {
    this.location = location;
    this.index = index;
    this.shards = List.copyOf(shards);
    this.shardByTensor = Collections.unmodifiableMap(shardByTensor);
  }

  /**
   * AutoGPTQ's settings file, whose {@code model_file_base_name} names the weights' file (AutoGPTQ
   * loads that file alone, and may leave repacked copies of it beside it, such as {@code
   * autogptq_model_gptq_marlin.safetensors}).
   */
  private static final String AUTOGPTQ_CONFIG = "quantize_config.json";

  /**
   * Opens the weights at {@code location}: a model directory (sharded or not) or a single {@code
   * .safetensors} file. A directory's weights are its index's shards, else {@code
   * model.safetensors}, else the file {@code quantize_config.json}'s {@code model_file_base_name}
   * names when there are several, else every {@code *.safetensors} file.
   */
  public static SafetensorsCheckpoint open(Path location) {
    if (Files.isRegularFile(location)) {
      return fromFiles(location, null, List.of(location));
    }
    ModelFiles.requireDirectory(location);
    Path indexFile = location.resolve(ShardIndex.FILE_NAME);
    if (ModelFiles.isPresent(indexFile)) {
      ShardIndex index = ShardIndex.read(indexFile);
      List<Path> shardFiles = new ArrayList<>();
      for (String shard : index.shardNames()) {
        Path shardFile = location.resolve(shard);
        if (!ModelFiles.isPresent(shardFile)) {
          throw new ModelFormatException(
              indexFile,
              "weight_map",
              "shard \""
                  + shard
                  + "\" (holding "
                  + countTensorsIn(index, shard)
                  + " tensors) is missing from "
                  + location);
        }
        shardFiles.add(shardFile);
      }
      return fromFiles(location, index, shardFiles);
    }
    Path single = location.resolve(SINGLE_FILE_NAME);
    if (ModelFiles.isPresent(single)) {
      return fromFiles(location, null, List.of(single));
    }
    List<Path> safetensors = filesEndingIn(location, ".safetensors");
    List<Path> found = safetensors.stream().filter(f -> !isAdapter(f)).toList();
    if (found.size() > 1) {
      Optional<Path> named = autoGptqWeights(location);
      if (named.isPresent() && found.contains(named.get())) {
        return fromFiles(location, null, List.of(named.get()));
      }
    }
    if (!found.isEmpty()) {
      return fromFiles(location, null, found);
    }
    List<Path> pickles =
        filesEndingIn(location, ".bin", ".pt").stream().filter(f -> !isAdapter(f)).toList();
    List<Path> adapters = safetensors.stream().filter(SafetensorsCheckpoint::isAdapter).toList();
    throw new ModelFormatException(
        location,
        "(model directory)",
        "holds no safetensors weights (no "
            + ShardIndex.FILE_NAME
            + ", "
            + SINGLE_FILE_NAME
            + " or other *.safetensors file)"
            + (pickles.isEmpty()
                ? ""
                : "; "
                    + pickles.get(0).getFileName()
                    + (pickles.size() > 1
                        ? " and " + (pickles.size() - 1) + " more are PyTorch pickles"
                        : " is a PyTorch pickle")
                    + ", which KernelJ does not read: save the model with"
                    + " save_pretrained(dir, safe_serialization=True)")
            + (adapters.isEmpty()
                ? ""
                : "; "
                    + adapters.get(0).getFileName()
                    + " is a PEFT adapter, not a model: merge it into its base model"
                    + " (merge_and_unload) and save that"));
  }

  /** The file {@code quantize_config.json}'s {@code model_file_base_name} names, if any. */
  private static Optional<Path> autoGptqWeights(Path dir) {
    Path config = dir.resolve(AUTOGPTQ_CONFIG);
    if (!ModelFiles.isPresent(config)) {
      return Optional.empty();
    }
    JsonFields fields =
        JsonFields.of(
            StrictJson.parseObject(
                ModelFiles.readSmall(config, ModelFiles.MAX_SMALL_FILE), config, "(root)"),
            config);
    String base = fields.stringOr("model_file_base_name", "");
    if (base.isEmpty() || base.contains("/") || base.contains("\\") || base.contains("\0")) {
      return Optional.empty();
    }
    return Optional.of(dir.resolve(base + ".safetensors"));
  }

  /** A PEFT adapter's weights ({@code adapter_model.safetensors} or {@code .bin}). */
  private static boolean isAdapter(Path file) {
    return file.getFileName().toString().startsWith("adapter_model.");
  }

  /**
   * The entries of {@code dir} but directories whose names end in one of {@code suffixes}, sorted
   * by name (a broken link among them is kept, so that opening it names it).
   */
  private static List<Path> filesEndingIn(Path dir, String... suffixes) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries
          .filter(
              f ->
                  Stream.of(suffixes).anyMatch(f.getFileName().toString()::endsWith)
                      && !Files.isDirectory(f))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw ModelFiles.unreadable(dir, e);
    }
  }

  private static long countTensorsIn(ShardIndex index, String shard) {
    return index.weightMap().values().stream().filter(shard::equals).count();
  }

  private static SafetensorsCheckpoint fromFiles(
      Path location, ShardIndex index, List<Path> files) {
    List<SafetensorsFile> opened = new ArrayList<>();
    try {
      Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
      for (Path file : files) {
        SafetensorsFile shard = SafetensorsFile.open(file);
        opened.add(shard);
        for (TensorInfo tensor : shard.tensors()) {
          SafetensorsFile previous = byTensor.putIfAbsent(tensor.name(), shard);
          if (previous != null) {
            throw new ModelFormatException(
                file,
                "tensor '" + tensor.name() + "'",
                "also present in " + previous.path().getFileName());
          }
        }
      }
      if (index != null) {
        checkIndexAgrees(location, index, byTensor);
      }
      return new SafetensorsCheckpoint(location, index, opened, byTensor);
    } catch (RuntimeException e) {
      for (SafetensorsFile shard : opened) {
        try {
          shard.close();
        } catch (RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  private static void checkIndexAgrees(
      Path location, ShardIndex index, Map<String, SafetensorsFile> byTensor) {
    for (Map.Entry<String, String> entry : index.weightMap().entrySet()) {
      SafetensorsFile holder = byTensor.get(entry.getKey());
      if (holder == null || !holder.path().getFileName().toString().equals(entry.getValue())) {
        throw new ModelFormatException(
            location.resolve(entry.getValue()),
            "tensor '" + entry.getKey() + "'",
            holder == null
                ? "listed in " + ShardIndex.FILE_NAME + " but absent from this shard"
                : "listed in "
                    + ShardIndex.FILE_NAME
                    + " for this shard but found in "
                    + holder.path().getFileName());
      }
    }
  }

  /** The directory (or single file) this checkpoint was opened from. */
  @Override
  public Path location() {
    return location;
  }

  /** The shard index, when the checkpoint is sharded. */
  public Optional<ShardIndex> index() {
    return Optional.ofNullable(index);
  }

  /** The open files, in shard order. */
  public List<SafetensorsFile> files() {
    return shards;
  }

  /** Every tensor name, in shard order then file order. */
  public Set<String> tensorNames() {
    return shardByTensor.keySet();
  }

  /** Whether tensor {@code name} exists in some shard. */
  @Override
  public boolean contains(String name) {
    return shardByTensor.containsKey(name);
  }

  /** The file holding tensor {@code name}; throws {@link ModelFormatException} when none does. */
  public SafetensorsFile fileOf(String name) {
    SafetensorsFile file = shardByTensor.get(name);
    if (file == null) {
      throw new ModelFormatException(
          location,
          "tensor '" + name + "'",
          "not found in any of " + shards.size() + " safetensors file(s)");
    }
    return file;
  }

  /** The header entry of tensor {@code name}. */
  public TensorInfo info(String name) {
    return fileOf(name).info(name);
  }

  /** A mapped view of tensor {@code name}. */
  @Override
  public TensorView tensor(String name) {
    return fileOf(name).tensor(name);
  }

  /** Sum of all tensors' bytes over all shards. */
  public long tensorBytes() {
    long total = 0;
    for (SafetensorsFile file : shards) {
      total += file.header().tensorBytes();
    }
    return total;
  }

  /**
   * Reads every byte of every tensor once, in file order, reporting progress: faults the whole
   * checkpoint into the page cache and proves it readable. Returns a checksum of the bytes so the
   * reads cannot be optimized away.
   */
  public long touchAll(ProgressListener progress) {
    long total = tensorBytes();
    long done = 0;
    long checksum = 0;
    try {
      progress.progress(0, total);
      for (SafetensorsFile file : shards) {
        for (TensorInfo tensor : file.tensors()) {
          for (long offset = 0; offset < tensor.byteLength(); offset += TOUCH_CHUNK) {
            int length = (int) Math.min(TOUCH_CHUNK, tensor.byteLength() - offset);
            checksum += sum(file.region(tensor, offset, length));
            done += length;
            progress.progress(done, total);
          }
        }
      }
    } finally {
      progress.finished();
    }
    return checksum;
  }

  private static long sum(ByteBuffer bytes) {
    long sum = 0;
    int longs = bytes.remaining() / 8;
    for (int i = 0; i < longs; i++) {
      sum += bytes.getLong(i * 8);
    }
    for (int i = longs * 8; i < bytes.remaining(); i++) {
      sum += bytes.get(i);
    }
    return sum;
  }

  @Override
  public void close() {
    RuntimeException first = null;
    for (SafetensorsFile file : shards) {
      try {
        file.close();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
