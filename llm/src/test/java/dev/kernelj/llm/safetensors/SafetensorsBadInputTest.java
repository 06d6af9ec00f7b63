package dev.kernelj.llm.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.util.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each malformed file gives one ModelFormatException naming the file and the field at fault. */
class SafetensorsBadInputTest {
  @TempDir Path dir;

  private Path file;

  private ModelFormatException rejected(byte[] bytes) throws IOException {
    file = dir.resolve("bad.safetensors");
    Files.write(file, bytes);
    return assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(file).close());
  }

  private void assertNames(ModelFormatException e, String field, String detailPart) {
    assertEquals(file, e.file(), e.getMessage());
    assertEquals(field, e.field(), e.getMessage());
    assertTrue(e.getMessage().startsWith(file.toString() + ": " + field + ": "), e.getMessage());
    assertTrue(e.detail().contains(detailPart), e.getMessage());
  }

  private static byte[] valid() {
    return new SafetensorsWriter()
        .addF32("w", new long[] {2, 2}, new float[] {1, 2, 3, 4})
        .toBytes();
  }

  @Test
  void truncatedDataSection() throws IOException {
    byte[] good = valid();
    assertNames(
        rejected(Arrays.copyOf(good, good.length - 1)), "tensor 'w' data_offsets", "truncated");
  }

  @Test
  void tooShortForTheLength() throws IOException {
    assertNames(rejected(new byte[] {1, 0, 0}), "header length", "too short");
    assertNames(rejected(new byte[0]), "header length", "too short");
  }

  @Test
  void headerLengthPastEnd() throws IOException {
    byte[] bytes = valid();
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, bytes.length);
    assertNames(rejected(bytes), "header length", "past the end");
  }

  @Test
  void headerLengthOverLimit() throws IOException {
    byte[] bytes = valid();
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -5L);
    assertNames(rejected(bytes), "header length", "exceeds the limit");
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 200L << 20);
    assertNames(rejected(bytes), "header length", "exceeds the limit");
  }

  @Test
  void nonJsonHeader() throws IOException {
    assertNames(rejected(RawFiles.of("{\"w\": {dtype: F32}}", 0)), "header", "malformed JSON");
    assertNames(rejected(RawFiles.of("not json at all", 0)), "header", "malformed JSON");
    assertNames(rejected(RawFiles.of("[1, 2]", 0)), "header", "expected a JSON object");
    ModelFormatException twoValues = rejected(RawFiles.of("{} {}", 0));
    assertNames(twoValues, "header", "unexpected content after the JSON value");
    assertTrue(
        !twoValues.getMessage().contains("Strictness") && !twoValues.getMessage().contains("http"),
        twoValues.getMessage());
    assertNames(
        rejected(RawFiles.of("{\"a\":".repeat(100) + "1" + "}".repeat(100), 0)),
        "header",
        "nested deeper");
  }

  @Test
  void invalidUtf8Header() throws IOException {
    byte[] bytes = RawFiles.of("{\"x\": 1}", 0);
    bytes[10] = (byte) 0xC3;
    bytes[11] = (byte) 0x28;
    assertNames(rejected(bytes), "header", "UTF-8");
  }

  @Test
  void overlappingTensors() throws IOException {
    String header =
        """
                {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                 "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}""";
    ModelFormatException e = rejected(RawFiles.of(header, 12));
    assertNames(e, "tensor 'b' data_offsets", "overlap tensor 'a'");
  }

  @Test
  void bytesNoTensorOwnsAreRejected() throws IOException {
    String gap =
        """
                {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                 "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}""";
    assertNames(rejected(RawFiles.of(gap, 12)), "tensor 'b' data_offsets", "belong to no tensor");
    String first = "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}";
    assertNames(rejected(RawFiles.of(first, 8)), "tensor 'a' data_offsets", "[0, 4)");
    String one = "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}";
    assertNames(rejected(RawFiles.of(one, 5)), "data section", "1 bytes after the last tensor");
    assertNames(rejected(RawFiles.of("{}", 3)), "data section", "3 bytes after");
  }

  @Test
  void outOfBoundsTensor() throws IOException {
    String header = "{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}";
    assertNames(
        rejected(RawFiles.of(header, 8)), "tensor 'a' data_offsets", "past the end of the data");
    String reversed = "{\"a\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [8, 0]}}";
    assertNames(rejected(RawFiles.of(reversed, 8)), "tensor 'a' data_offsets", "after end");
  }

  @Test
  void unknownDtype() throws IOException {
    String header = "{\"a\": {\"dtype\": \"F12\", \"shape\": [1], \"data_offsets\": [0, 2]}}";
    ModelFormatException e = rejected(RawFiles.of(header, 2));
    assertNames(e, "tensor 'a' dtype", "unknown dtype \"F12\"");
    assertTrue(
        e.getMessage().contains("BF16") && e.getMessage().contains("F8_E5M2"), e.getMessage());
  }

  @Test
  void shapeByteMismatch() throws IOException {
    String header = "{\"a\": {\"dtype\": \"BF16\", \"shape\": [3, 3], \"data_offsets\": [0, 16]}}";
    assertNames(rejected(RawFiles.of(header, 16)), "tensor 'a'", "need 18 bytes");
  }

  @Test
  void badShapesAndOffsets() throws IOException {
    String negative = "{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}";
    assertNames(rejected(RawFiles.of(negative, 4)), "tensor 'a' shape[0]", "non-negative integer");
    String fractional = "{\"a\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]}}";
    assertNames(
        rejected(RawFiles.of(fractional, 4)), "tensor 'a' shape[0]", "non-negative integer");
    String overflow =
        "{\"a\": {\"dtype\": \"F32\", \"shape\": [999999999999, 999999999999],"
            + " \"data_offsets\": [0, 4]}}";
    assertNames(rejected(RawFiles.of(overflow, 4)), "tensor 'a' shape", "overflows");
    String oneOffset = "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}";
    assertNames(rejected(RawFiles.of(oneOffset, 4)), "tensor 'a' data_offsets", "[begin, end]");
    String noShape = "{\"a\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}";
    assertNames(rejected(RawFiles.of(noShape, 4)), "tensor 'a' shape", "missing");
    String notObject = "{\"a\": [1, 2]}";
    assertNames(rejected(RawFiles.of(notObject, 4)), "tensor 'a'", "expected an object");
  }

  @Test
  void metadataMustBeStrings() throws IOException {
    assertNames(
        rejected(RawFiles.of("{\"__metadata__\": {\"format\": 1}}", 0)),
        "__metadata__.format",
        "expected a string");
    assertNames(
        rejected(RawFiles.of("{\"__metadata__\": [\"pt\"]}", 0)),
        "__metadata__",
        "expected an object");
  }

  @Test
  void duplicateTensorName() throws IOException {
    String header =
        """
                {"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},
                 "a": {"dtype": "U8", "shape": [1], "data_offsets": [1, 2]}}""";
    assertNames(rejected(RawFiles.of(header, 2)), "header", "duplicate key 'a'");
  }

  @Test
  void missingFileAndMissingTensor() throws IOException {
    file = dir.resolve("absent.safetensors");
    ModelFormatException absent =
        assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(file));
    assertNames(absent, "(file)", "not found");

    file = dir.resolve("ok.safetensors");
    Files.write(file, valid());
    try (SafetensorsFile st = SafetensorsFile.open(file)) {
      assertNames(
          assertThrows(ModelFormatException.class, () -> st.tensor("nope")),
          "tensor 'nope'",
          "no such tensor");
      assertNames(
          assertThrows(ModelFormatException.class, () -> st.tensor("w").toIntArray()),
          "tensor 'w'",
          "not an integer type");
    }
  }
}
