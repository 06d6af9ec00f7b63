package dev.kernelj.llm.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.kernelj.llm.json.JsonLimits;
import dev.kernelj.llm.json.JsonProblems;
import dev.kernelj.llm.json.StrictJson;
import dev.kernelj.llm.util.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates a safetensors header completely before any tensor is touched: header length within the
 * file and at most {@link #MAX_HEADER_BYTES}; strict UTF-8 JSON object; {@code __metadata__} a
 * string map; every tensor with a known dtype, a shape of non-negative integers, {@code
 * data_offsets [begin, end]} inside the data section, a byte length equal to dtype size times
 * element count (overflow-checked), and the tensors tiling the data section exactly (no overlap, no
 * gap, nothing after the last one), as the reference implementation requires.
 */
public final class SafetensorsHeaderParser {
  /** The largest header accepted (the reference implementation's limit). */
  public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

  /** The key of the optional free-form string map. */
  public static final String METADATA_KEY = "__metadata__";

  /** Shapes and offsets are below 10^18: anything larger is not a real file. */
  private static final long MAX_INTEGER = 1_000_000_000_000_000_000L;

  /** The most dimensions a shape may have (checked before the array grows past it). */
  private static final int MAX_RANK = 64;

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
    // A class, not a lambda: the first lambda of a cold JVM costs milliseconds, and opening must
    // stay fast.
    StrictJson.Errors errors =
        new StrictJson.Errors() {
          @Override
          public RuntimeException at(String path, String detail, Throwable cause) {
            return new ModelFormatException(file, path.isEmpty() ? "header" : path, detail, cause);
          }
        };
    try (JsonParser parser = JsonLimits.parser(text)) {
      return new Reader(file, parser, errors, dataLength).read(dataStart);
    } catch (IOException e) {
      throw new ModelFormatException(file, "header", JsonProblems.describe(e), e);
    }
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

  /**
   * Streams the header (Jackson's parser, no tree: a 405B model's header lists 2,000 tensors) and
   * checks each tensor as it is read.
   */
  private static final class Reader {
    private final Path file;
    private final JsonParser parser;
    private final StrictJson.Errors errors;
    private final long dataLength;

    Reader(Path file, JsonParser parser, StrictJson.Errors errors, long dataLength) {
      this.file = file;
      this.parser = parser;
      this.errors = errors;
      this.dataLength = dataLength;
    }

    SafetensorsHeader read(long dataStart) throws IOException {
      try {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
          throw errors.at(
              "",
              parser.currentToken() == null
                  ? "malformed JSON: the header holds no JSON value"
                  : "expected a JSON object but found " + describeValue(""),
              null);
        }
        Map<String, String> metadata = Map.of();
        List<TensorInfo> tensors = new ArrayList<>();
        Set<String> names = new HashSet<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String name = parser.currentName();
          if (!names.add(name)) {
            throw errors.at("", "duplicate key '" + StrictJson.abbreviate(name) + "'", null);
          }
          parser.nextToken();
          if (name.equals(METADATA_KEY)) {
            metadata = readMetadata();
          } else {
            tensors.add(readTensor(new Where(file, name)));
          }
        }
        if (parser.nextToken() != null) {
          throw errors.at("", "unexpected content after the JSON value", null);
        }
        tensors.sort(BY_OFFSETS);
        checkContiguous(file, tensors, dataLength);
        return new SafetensorsHeader(metadata, tensors, dataStart, dataLength);
      } catch (IOException e) {
        throw errors.at("", JsonProblems.describe(e), e);
      }
    }

    private Map<String, String> readMetadata() throws IOException {
      if (parser.currentToken() != JsonToken.START_OBJECT) {
        throw errors.at(
            METADATA_KEY, "expected an object but found " + describeValue(METADATA_KEY), null);
      }
      Map<String, String> result = new LinkedHashMap<>();
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String key = parser.currentName();
        String at = JsonProblems.key(METADATA_KEY, key);
        parser.nextToken();
        if (parser.currentToken() != JsonToken.VALUE_STRING) {
          throw errors.at(at, "expected a string but found " + describeValue(at), null);
        }
        if (result.put(key, parser.getText()) != null) {
          throw errors.at(at, "duplicate key '" + StrictJson.abbreviate(key) + "'", null);
        }
      }
      return result;
    }

    private TensorInfo readTensor(Where where) throws IOException {
      if (parser.currentToken() != JsonToken.START_OBJECT) {
        throw where.error(
            "",
            "expected an object with dtype, shape and data_offsets but found " + describeValue(""));
      }
      SafetensorsDType dtype = null;
      long[] shape = null;
      long[] offsets = null;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String key = parser.currentName();
        parser.nextToken();
        switch (key) {
          case "dtype" -> {
            requireFirst(dtype, where, key);
            dtype = readDType(where);
          }
          case "shape" -> {
            requireFirst(shape, where, key);
            shape = readIntegers(where, key);
          }
          case "data_offsets" -> {
            requireFirst(offsets, where, key);
            offsets = readIntegers(where, key);
          }
          default -> parser.skipChildren();
        }
      }
      if (dtype == null) {
        throw where.error("dtype", "missing");
      }
      if (shape == null) {
        throw where.error("shape", "missing");
      }
      if (offsets == null) {
        throw where.error("data_offsets", "missing");
      }
      return checkedTensor(where, dtype, shape, offsets, dataLength);
    }

    private static void requireFirst(Object previous, Where where, String key) {
      if (previous != null) {
        throw where.error(key, "appears twice");
      }
    }

    private SafetensorsDType readDType(Where where) throws IOException {
      if (parser.currentToken() != JsonToken.VALUE_STRING) {
        throw where.error("dtype", "expected a string but found " + describeValue(""));
      }
      String name = parser.getText();
      SafetensorsDType dtype = SafetensorsDType.fromHeaderName(name);
      if (dtype == null) {
        throw where.error(
            "dtype",
            "unknown dtype \""
                + StrictJson.abbreviate(name)
                + "\"; known: "
                + String.join(", ", SafetensorsDType.headerNames()));
      }
      return dtype;
    }

    /** A list of non-negative integers below 10^18 (no sign, fraction or exponent). */
    private long[] readIntegers(Where where, String part) throws IOException {
      if (parser.currentToken() != JsonToken.START_ARRAY) {
        throw where.error(part, "expected a list but found " + describeValue(""));
      }
      long[] values = new long[8];
      int count = 0;
      while (parser.nextToken() != JsonToken.END_ARRAY) {
        if (parser.currentToken() != JsonToken.VALUE_NUMBER_INT
            || parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
            || parser.getLongValue() < 0
            || parser.getLongValue() >= MAX_INTEGER) {
          throw where.error(
              part + "[" + count + "]",
              "expected a non-negative integer (below 10^18) but found " + describeValue(""));
        }
        if (count == values.length) {
          if (count >= MAX_RANK) {
            throw where.error(part, "has more than " + MAX_RANK + " entries");
          }
          values = Arrays.copyOf(values, count * 2);
        }
        values[count++] = parser.getLongValue();
      }
      return Arrays.copyOf(values, count);
    }

    /** The value at the parser, read whole (it is small or malformed) and described. */
    private String describeValue(String path) throws IOException {
      return StrictJson.describe(StrictJson.readValue(parser, path, errors));
    }
  }

  private static TensorInfo checkedTensor(
      Where where, SafetensorsDType dtype, long[] shape, long[] offsets, long dataLength) {
    if (offsets.length != 2) {
      throw where.error(
          "data_offsets", "expected [begin, end] but found " + offsets.length + " numbers");
    }
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
    return new TensorInfo(where.tensor(), dtype, shape, begin, end);
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

  /**
   * The tensors, sorted by offset, must tile the data section exactly, as the reference reader
   * requires: no overlap (two tensors sharing bytes), no gap and no bytes after the last tensor
   * (bytes no tensor owns are either a corrupt offset or data smuggled past a validator).
   */
  private static void checkContiguous(Path file, List<TensorInfo> sorted, long dataLength) {
    long expectedBegin = 0;
    TensorInfo previous = null;
    for (TensorInfo current : sorted) {
      if (current.begin() < expectedBegin) {
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
      if (current.begin() > expectedBegin) {
        throw new ModelFormatException(
            file,
            "tensor '" + current.name() + "' data_offsets",
            (current.begin() - expectedBegin)
                + " bytes at ["
                + expectedBegin
                + ", "
                + current.begin()
                + ") of the data section belong to no tensor (corrupt offsets?)");
      }
      expectedBegin = current.end();
      previous = current;
    }
    if (expectedBegin != dataLength) {
      throw new ModelFormatException(
          file,
          "data section",
          (dataLength - expectedBegin)
              + " bytes after the last tensor belong to no tensor (corrupt offsets or a file with"
              + " something appended?)");
    }
  }
}
