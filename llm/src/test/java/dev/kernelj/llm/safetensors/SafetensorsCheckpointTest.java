package dev.kernelj.llm.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.testing.TinyModels;
import dev.kernelj.llm.testing.TinyModels.Family;
import dev.kernelj.llm.util.ConsoleProgressBar;
import dev.kernelj.llm.util.ModelFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsCheckpointTest {
  @TempDir Path dir;

  @Test
  void shardedAndSingleHoldTheSameTensors() throws IOException {
    Path sharded = TinyModels.write(dir.resolve("sharded"), Family.LLAMA3_1, 3);
    Path single = TinyModels.write(dir.resolve("single"), Family.LLAMA3_1, 1);
    try (SafetensorsCheckpoint a = SafetensorsCheckpoint.open(sharded);
        SafetensorsCheckpoint b = SafetensorsCheckpoint.open(single)) {
      assertEquals(3, a.files().size());
      assertTrue(a.index().isPresent());
      assertEquals(1, b.files().size());
      assertEquals(b.tensorNames(), a.tensorNames());
      for (String name : a.tensorNames()) {
        assertArrayEquals(b.tensor(name).toFloatArray(), a.tensor(name).toFloatArray(), name);
      }
      assertEquals(b.tensorBytes(), a.tensorBytes());
      assertEquals(
          "model-00003-of-00003.safetensors",
          a.fileOf("lm_head.weight").path().getFileName().toString());
    }
  }

  @Test
  void touchAllReadsEveryByteAndReportsProgress() throws IOException {
    Path model = TinyModels.write(dir.resolve("m"), Family.QWEN2_5, 2);
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(model);
        PrintStream out = new PrintStream(sink, true, StandardCharsets.UTF_8)) {
      long viaTouch = checkpoint.touchAll(ConsoleProgressBar.drawingOn(out, "loading"));
      long expected = 0;
      for (SafetensorsFile file : checkpoint.files()) {
        byte[] bytes = Files.readAllBytes(file.path());
        // touchAll sums each tensor's bytes as little-endian longs plus the trailing bytes:
        // recompute that.
        for (TensorInfo t : file.tensors()) {
          java.nio.ByteBuffer b =
              java.nio.ByteBuffer.wrap(
                      bytes, (int) (file.header().dataStart() + t.begin()), (int) t.byteLength())
                  .slice()
                  .order(java.nio.ByteOrder.LITTLE_ENDIAN);
          int longs = b.remaining() / 8;
          for (int i = 0; i < longs; i++) {
            expected += b.getLong(i * 8);
          }
          for (int i = longs * 8; i < b.remaining(); i++) {
            expected += b.get(i);
          }
        }
      }
      assertEquals(expected, viaTouch);
    }
    String drawn = sink.toString(StandardCharsets.UTF_8);
    assertTrue(drawn.contains("100%") && drawn.contains("loading ["), drawn);
  }

  @Test
  void missingShardIsNamed() throws IOException {
    Path model = TinyModels.write(dir.resolve("m"), Family.LLAMA2, 2);
    Files.delete(model.resolve("model-00002-of-00002.safetensors"));
    ModelFormatException e =
        assertThrows(ModelFormatException.class, () -> SafetensorsCheckpoint.open(model));
    assertEquals(model.resolve("model.safetensors.index.json"), e.file());
    assertEquals("weight_map", e.field());
    assertTrue(
        e.getMessage().contains("model-00002-of-00002.safetensors")
            && e.getMessage().contains("missing"),
        e.getMessage());
  }

  @Test
  void indexAndShardsMustAgree() throws IOException {
    Path model = TinyModels.write(dir.resolve("m"), Family.LLAMA2, 2);
    Path index = model.resolve("model.safetensors.index.json");
    String text = Files.readString(index);
    Files.writeString(index, text.replace("\"model.norm.weight\"", "\"model.norm.bias\""));
    ModelFormatException e =
        assertThrows(ModelFormatException.class, () -> SafetensorsCheckpoint.open(model));
    assertEquals("tensor 'model.norm.bias'", e.field());
    assertTrue(e.getMessage().contains("absent from this shard"), e.getMessage());

    Files.writeString(
        index, text.replaceFirst("model-00001-of-00002.safetensors", "../escape.safetensors"));
    ModelFormatException escape =
        assertThrows(ModelFormatException.class, () -> SafetensorsCheckpoint.open(model));
    assertEquals(index, escape.file());
    assertTrue(escape.field().startsWith("weight_map."), escape.getMessage());
  }

  @Test
  void emptyDirectoryIsExplained() throws IOException {
    ModelFormatException e =
        assertThrows(ModelFormatException.class, () -> SafetensorsCheckpoint.open(dir));
    assertTrue(
        e.getMessage().contains("holds no safetensors weights")
            && e.getMessage().contains("model.safetensors")
            && e.getMessage().contains(dir.toString()),
        e.getMessage());
    ModelFormatException absent =
        assertThrows(
            ModelFormatException.class, () -> SafetensorsCheckpoint.open(dir.resolve("nope")));
    assertTrue(absent.getMessage().contains("not found"), absent.getMessage());

    Files.write(dir.resolve("pytorch_model.bin"), new byte[] {0x50, 0x4b});
    ModelFormatException pickle =
        assertThrows(ModelFormatException.class, () -> SafetensorsCheckpoint.open(dir));
    assertTrue(
        pickle.getMessage().contains("pytorch_model.bin is a PyTorch pickle, which KernelJ")
            && pickle.getMessage().contains("safe_serialization=True"),
        pickle.getMessage());
    Files.write(dir.resolve("pytorch_model-00002.bin"), new byte[] {0x50, 0x4b});
    ModelFormatException two =
        assertThrows(ModelFormatException.class, () -> SafetensorsCheckpoint.open(dir));
    assertTrue(
        two.getMessage().contains("pytorch_model-00002.bin and 1 more are PyTorch pickles"),
        two.getMessage());

    // A PEFT adapter beside the pickles is neither taken for the weights nor counted as a pickle.
    new SafetensorsWriter()
        .addF32("base_model.model.lora_A.weight", new long[] {1}, new float[] {1})
        .write(dir.resolve("adapter_model.safetensors"));
    Files.write(dir.resolve("adapter_model.bin"), new byte[] {0x50, 0x4b});
    ModelFormatException adapter =
        assertThrows(ModelFormatException.class, () -> SafetensorsCheckpoint.open(dir));
    assertTrue(
        adapter.getMessage().contains("and 1 more are PyTorch pickles")
            && adapter.getMessage().contains("adapter_model.safetensors is a PEFT adapter"),
        adapter.getMessage());
  }

  @Test
  void anyNamedSafetensorsFilesAreTheWeightsWithoutIndexOrModelSafetensors() throws IOException {
    // AutoGPTQ's file name, and a second file with the rest, as an unindexed split would have.
    Path model = Files.createDirectories(dir.resolve("gptq"));
    new SafetensorsWriter()
        .addF32("a", new long[] {2}, new float[] {1, 2})
        .write(model.resolve("gptq_model-4bit-128g.safetensors"));
    new SafetensorsWriter()
        .addF32("b", new long[] {1}, new float[] {3})
        .write(model.resolve("extra.safetensors"));
    Files.createDirectories(model.resolve("dir.safetensors"));
    Files.writeString(model.resolve("model.safetensors.incomplete"), "partial download");
    try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(model)) {
      assertEquals(
          List.of("extra.safetensors", "gptq_model-4bit-128g.safetensors"),
          checkpoint.files().stream().map(f -> f.path().getFileName().toString()).toList());
      assertArrayEquals(new float[] {1, 2}, checkpoint.tensor("a").toFloatArray());
      assertArrayEquals(new float[] {3}, checkpoint.tensor("b").toFloatArray());
    }
    // model.safetensors, when present, is the only file read.
    new SafetensorsWriter()
        .addF32("c", new long[] {1}, new float[] {4})
        .write(model.resolve("model.safetensors"));
    try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(model)) {
      assertEquals(List.of("c"), List.copyOf(checkpoint.tensorNames()));
    }
  }

  /**
   * AutoGPTQ loads the file its quantize_config.json names and may leave repacked copies of it in
   * the directory (with use_marlin, autogptq_model_gptq_marlin.safetensors): the named file is the
   * checkpoint. Without the name, both files are read and the duplicate tensor is refused.
   */
  @Test
  void autoGptqBaseNameChoosesAmongSeveralFiles() throws IOException {
    Path model = Files.createDirectories(dir.resolve("autogptq"));
    new SafetensorsWriter()
        .addF32("x", new long[] {1}, new float[] {1})
        .write(model.resolve("gptq_model-4bit-128g.safetensors"));
    new SafetensorsWriter()
        .addF32("x", new long[] {1}, new float[] {2})
        .write(model.resolve("autogptq_model_gptq_marlin.safetensors"));
    assertThrows(ModelFormatException.class, () -> SafetensorsCheckpoint.open(model));
    Files.writeString(
        model.resolve("quantize_config.json"),
        "{\"bits\": 4, \"group_size\": 128, \"model_file_base_name\": \"gptq_model-4bit-128g\"}");
    try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(model)) {
      assertEquals(1, checkpoint.files().size());
      assertArrayEquals(new float[] {1}, checkpoint.tensor("x").toFloatArray());
    }
    // A name that matches no file leaves the choice as it was.
    Files.writeString(
        model.resolve("quantize_config.json"), "{\"model_file_base_name\": \"model\"}");
    assertThrows(ModelFormatException.class, () -> SafetensorsCheckpoint.open(model));
  }

  @Test
  void tensorInTwoShardsIsRejected() throws IOException {
    Path model = Files.createDirectories(dir.resolve("dup"));
    new SafetensorsWriter()
        .addF32("x", new long[] {1}, new float[] {1})
        .write(model.resolve("a.safetensors"));
    new SafetensorsWriter()
        .addF32("x", new long[] {1}, new float[] {2})
        .write(model.resolve("b.safetensors"));
    Files.writeString(
        model.resolve("model.safetensors.index.json"),
        "{\"weight_map\": {\"x\": \"a.safetensors\", \"y\": \"b.safetensors\"}}");
    ModelFormatException e =
        assertThrows(ModelFormatException.class, () -> SafetensorsCheckpoint.open(model));
    assertEquals(model.resolve("b.safetensors"), e.file());
    assertTrue(e.getMessage().contains("also present in a.safetensors"), e.getMessage());
  }
}
