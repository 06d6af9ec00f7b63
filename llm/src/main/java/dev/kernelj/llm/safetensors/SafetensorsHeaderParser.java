package dev.kernelj.llm.safetensors;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.kernelj.llm.json.JsonFields;
import dev.kernelj.llm.json.StrictJson;
import dev.kernelj.llm.util.ModelFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Validates a safetensors header completely before any tensor is touched: header length within the
 * file and at most {@link #MAX_HEADER_BYTES}; strict UTF-8 JSON object; {@code __metadata__} a
 * string map; every tensor with a known dtype, a shape of non-negative integers, {@code
 * data_offsets [begin, end]} inside the data section, a byte length equal to dtype size times
 * element count (overflow-checked), and no two tensors overlapping.
 *
 * <p>Gaps between tensors and bytes after the last one are allowed: they are harmless alignment
 * padding, and the reference implementation's stricter rule buys no safety here.
 */
public final class SafetensorsHeaderParser {
  /** The largest header accepted (the reference implementation's limit). */
  public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

  /** The key of the optional free-form string map. */
  public static final String METADATA_KEY = "__metadata__";

  /**
   * A plain non-negative integer literal below 10^18 (no sign, fraction, exponent or leading
   * zeros).
   */
  private static final Pattern NON_NEGATIVE_INTEGER = Pattern.compile("0|[1-9][0-9]{0,17}");

  /**
   * A class rather than a lambda: lambda bootstrap costs milliseconds on the first open in a cold
   * JVM.
   */
  private static final Comparator<TensorInfo> BY_OFFSETS =
      new Comparator<>() {
        @Override
        public int compare(TensorInfo a, TensorInfo b) {
          int byBegin = Long.compare(a.begin(), b.begin());
          return byBegin != 0 ? byBegin : Long.compare(a.end(), b.end());
        }
      };

  private SafetensorsHeaderParser() {}

  /**
   * Reads and checks the header length stored in the first 8 bytes of a file of {@code fileSize}
   * bytes.
   *
   * @param first8 at least the first 8 bytes of the file (position 0..8 is read, little-endian)
   * @return the header length N; the JSON spans file bytes [8, 8 + N)
   */
  public static long headerLength(ByteBuffer first8, long fileSize, Path file) {
    if (fileSize < 8 || first8.remaining() < 8) {
      throw new ModelFormatException(
          file,
          "header length",
          "file is "
              + fileSize
              + " bytes, too short to hold the 8-byte header length (truncated file?)");
    }
    long length = first8.duplicate().order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (length < 0 || length > MAX_HEADER_BYTES) {
      throw new ModelFormatException(
          file,
          "header length",
          "header length "
              + Long.toUnsignedString(length)
              + " exceeds the limit of "
              + MAX_HEADER_BYTES
              + " bytes (not a safetensors file?)");
    }
    if (length > fileSize - 8) {
      throw new ModelFormatException(
          file,
          "header length",
          "header length "
              + length
              + " runs past the end of the file ("
              + fileSize
              + " bytes; truncated file?)");
    }
    return length;
  }

  /**
   * Parses and validates the header JSON of a file of {@code fileSize} bytes.
   *
   * @param headerJson exactly the N header bytes following the length
   */
  public static SafetensorsHeader parse(byte[] headerJson, long fileSize, Path file) {
    long dataStart = 8L + headerJson.length;
    long dataLength = fileSize - dataStart;
    if (dataLength < 0) {
      throw new ModelFormatException(file, "header length", "header runs past the end of the file");
    }
    String text = decodeUtf8(headerJson, file);
    JsonObject root = StrictJson.parseObject(text, file, "header");
    JsonFields fields = JsonFields.of(root, file);

    Map<String, String> metadata = Map.of();
    List<TensorInfo> tensors = new ArrayList<>(root.size());
    for (Map.Entry<String, JsonElement> entry : root.entrySet()) {
      String name = entry.getKey();
      if (name.equals(METADATA_KEY)) {
        metadata = readMetadata(fields, entry.getValue());
      } else {
        tensors.add(readTensor(file, name, entry.getValue(), dataLength));
      }
    }
    tensors.sort(BY_OFFSETS);
    checkNoOverlap(file, tensors);
    return new SafetensorsHeader(metadata, tensors, dataStart, dataLength);
  }

  private static String decodeUtf8(byte[] bytes, Path file) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new ModelFormatException(
          file, "header", "header is not valid UTF-8 (not a safetensors file?)", e);
    }
  }

  private static Map<String, String> readMetadata(JsonFields fields, JsonElement value) {
    JsonFields metadata = fields.asObject(METADATA_KEY, value);
    Map<String, String> result = new LinkedHashMap<>();
    for (String key : metadata.keys()) {
      result.put(key, metadata.asString(key, metadata.raw(key)));
    }
    return result;
  }

  /**
   * Where in the header a tensor's problem is. Field names are built only when an error is thrown:
   * string concatenation bootstraps cost milliseconds in a cold JVM, and opening must stay fast.
   */
  private record Where(Path file, String tensor) {
    ModelFormatException error(String part, String detail) {
      return new ModelFormatException(
          file,
          part.isEmpty() ? "tensor '" + tensor + "'" : "tensor '" + tensor + "' " + part,
          detail);
    }
  }

  private static TensorInfo readTensor(Path file, String name, JsonElement value, long dataLength) {
    Where where = new Where(file, name);
    if (!value.isJsonObject()) {
      throw where.error(
          "",
          "expected an object with dtype, shape and data_offsets but found "
              + StrictJson.describe(value));
    }
    JsonObject entry = value.getAsJsonObject();
    SafetensorsDType dtype = readDType(where, entry.get("dtype"));
    long[] shape = readShape(where, entry.get("shape"));
    long[] offsets = readOffsets(where, entry.get("data_offsets"));
    long begin = offsets[0];
    long end = offsets[1];
    if (begin > end) {
      throw where.error("data_offsets", "begin " + begin + " is after end " + end);
    }
    if (end > dataLength) {
      throw where.error(
          "data_offsets",
          "end "
              + end
              + " is past the end of the data section ("
              + dataLength
              + " bytes; truncated file?)");
    }
    long expected = expectedByteLength(where, dtype, shape);
    if (end - begin != expected) {
      throw where.error(
          "",
          "data_offsets span "
              + (end - begin)
              + " bytes but dtype "
              + dtype
              + " and shape "
              + Arrays.toString(shape)
              + " need "
              + expected
              + " bytes");
    }
    return new TensorInfo(name, dtype, shape, begin, end);
  }

  private static SafetensorsDType readDType(Where where, JsonElement value) {
    if (value == null || !value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
      throw where.error(
          "dtype",
          value == null ? "missing" : "expected a string but found " + StrictJson.describe(value));
    }
    SafetensorsDType dtype = SafetensorsDType.fromHeaderName(value.getAsString());
    if (dtype == null) {
      throw where.error(
          "dtype",
          "unknown dtype \""
              + value.getAsString()
              + "\"; known: "
              + String.join(", ", SafetensorsDType.headerNames()));
    }
    return dtype;
  }

  private static long[] readShape(Where where, JsonElement value) {
    JsonArray array = requireArray(where, "shape", value);
    long[] shape = new long[array.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = nonNegativeInteger(where, "shape", i, array.get(i));
    }
    return shape;
  }

  private static long[] readOffsets(Where where, JsonElement value) {
    JsonArray array = requireArray(where, "data_offsets", value);
    if (array.size() != 2) {
      throw where.error(
          "data_offsets", "expected [begin, end] but found " + array.size() + " numbers");
    }
    return new long[] {
      nonNegativeInteger(where, "data_offsets", 0, array.get(0)),
      nonNegativeInteger(where, "data_offsets", 1, array.get(1))
    };
  }

  private static JsonArray requireArray(Where where, String part, JsonElement value) {
    if (value == null) {
      throw where.error(part, "missing");
    }
    if (!value.isJsonArray()) {
      throw where.error(part, "expected a list but found " + StrictJson.describe(value));
    }
    return value.getAsJsonArray();
  }

  private static long nonNegativeInteger(Where where, String part, int index, JsonElement value) {
    if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber()) {
      String literal = value.getAsString();
      if (NON_NEGATIVE_INTEGER.matcher(literal).matches()) {
        return Long.parseLong(literal);
      }
    }
    throw where.error(
        part + "[" + index + "]",
        "expected a non-negative integer (below 10^18) but found " + StrictJson.describe(value));
  }

  private static long expectedByteLength(Where where, SafetensorsDType dtype, long[] shape) {
    for (long d : shape) {
      if (d == 0) {
        return 0;
      }
    }
    try {
      long count = 1;
      for (long d : shape) {
        count = Math.multiplyExact(count, d);
      }
      return Math.multiplyExact(count, (long) dtype.byteSize());
    } catch (ArithmeticException e) {
      throw where.error(
          "shape", "element count of shape " + Arrays.toString(shape) + " overflows 64 bits");
    }
  }

  private static void checkNoOverlap(Path file, List<TensorInfo> sorted) {
    for (int i = 1; i < sorted.size(); i++) {
      TensorInfo previous = sorted.get(i - 1);
      TensorInfo current = sorted.get(i);
      if (current.begin() < previous.end()) {
        throw new ModelFormatException(
            file,
            "tensor '" + current.name() + "' data_offsets",
            "bytes ["
                + current.begin()
                + ", "
                + current.end()
                + ") overlap tensor '"
                + previous.name()
                + "' at ["
                + previous.begin()
                + ", "
                + previous.end()
                + ")");
      }
    }
  }
}
