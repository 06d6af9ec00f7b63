package dev.kernelj.llm.safetensors;

import dev.kernelj.llm.testing.FuzzHarness;
import dev.kernelj.llm.testing.JsonMutator;
import dev.kernelj.llm.testing.Mutator;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Fuzzes the safetensors reader with 60,000 mutated files (2,000 tries x 30): byte-level mutations
 * of a valid file, and structure-aware mutations of its header JSON re-wrapped with a correct
 * length. Every file is opened and every tensor converted; only {@link
 * dev.kernelj.llm.util.ModelFormatException} may come out, and nothing may hang.
 */
class SafetensorsFuzzTest {
  private static final int PER_TRY = 30;
  private static final Path NAME = Path.of("fuzz.safetensors");
  private static final FuzzHarness HARNESS = new FuzzHarness();
  private static final byte[] SEED = seedFile();
  private static final String SEED_HEADER = header(SEED);

  private static byte[] seedFile() {
    return new SafetensorsWriter()
        .metadata("format", "pt")
        .addBF16("model.embed_tokens.weight", new long[] {4, 3}, new float[12])
        .addF16("scales", new long[] {2, 2}, new float[] {1, 2, 3, 4})
        .addF32("norm", new long[] {3}, new float[] {1, 1, 1})
        .addI32("qweight", new long[] {1, 2}, new int[] {0x76543210, -1})
        .add("flags", SafetensorsDType.BOOL, new long[] {2}, new byte[] {0, 1})
        .add("fp8", SafetensorsDType.F8_E4M3, new long[] {2}, new byte[] {0x38, 0x7F})
        .add("i64", SafetensorsDType.I64, new long[] {1}, new byte[8])
        .add("scalar", SafetensorsDType.F64, new long[] {}, new byte[8])
        .toBytes();
  }

  private static String header(byte[] file) {
    int length = (int) ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong();
    return new String(file, 8, length, StandardCharsets.UTF_8);
  }

  @Property(tries = 2000)
  void mutatedFilesFailOnlyWithTypedErrors(@ForAll long seed) {
    Random random = new Random(seed);
    List<FuzzHarness.Case> batch = new ArrayList<>(PER_TRY);
    for (int i = 0; i < PER_TRY; i++) {
      byte[] input = random.nextBoolean() ? Mutator.mutate(SEED, random) : rewrap(random);
      batch.add(
          new FuzzHarness.Case() {
            @Override
            public void run() {
              readEverything(input);
            }

            @Override
            public String describe() {
              return Base64.getEncoder().encodeToString(input);
            }
          });
    }
    HARNESS.runBatch(batch);
  }

  /** The seed's header mutated as JSON, with the seed's data and a correct length prefix. */
  private static byte[] rewrap(Random random) {
    byte[] json = JsonMutator.mutate(SEED_HEADER, random).getBytes(StandardCharsets.UTF_8);
    int oldLength = SEED_HEADER.getBytes(StandardCharsets.UTF_8).length;
    int dataLength = SEED.length - 8 - oldLength;
    return ByteBuffer.allocate(8 + json.length + dataLength)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putLong(json.length)
        .put(json)
        .put(SEED, 8 + oldLength, dataLength)
        .array();
  }

  private static void readEverything(byte[] input) {
    SafetensorsFile file = SafetensorsFile.fromBytes(ByteBuffer.wrap(input), NAME);
    for (TensorInfo info : file.tensors()) {
      TensorView view = file.tensor(info);
      view.toFloatArray();
      if (info.dtype() == SafetensorsDType.I32 || info.dtype() == SafetensorsDType.I64) {
        view.toIntArray();
      }
    }
  }

  @AfterContainer
  static void enoughCasesRan() {
    // Most mutations must be rejected, and some must survive: otherwise the mutator is broken.
    HARNESS.assertEnoughRan(2000L * PER_TRY, 0.25);
  }
}
