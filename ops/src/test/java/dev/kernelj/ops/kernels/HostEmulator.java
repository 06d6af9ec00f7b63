package dev.kernelj.ops.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.Global;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs an op's CUDA C on the CPU: the source is compiled by the host C++ compiler against {@code
 * src/test/cuda/emulator/kj_host_shim.h} (one std::thread per CUDA thread, barriers for {@code
 * __syncthreads} and warp shuffles, the toolkit's host half/bfloat16 types), and launched with
 * exactly the grid, block and arguments the Java launch code produced (recorded through {@link
 * RecordingKernels}). Device addresses in the recorded arguments are fake; each names one of the
 * buffers handed in. Not a GPU: no memory model, no timing; it proves indexing, launch math,
 * argument order, reductions and the arithmetic against the reference twins.
 */
public final class HostEmulator {
  private static final Path EMULATOR_DIR = Path.of("src/test/cuda/emulator");
  private static final Map<String, Path> BINARIES = new HashMap<>();
  private static final Map<String, AssertionError> BROKEN = new HashMap<>();

  /** One buffer: its element type and its values (ints travel as their f32 bit patterns). */
  static final class Buffer {
    final DType type;
    final long address;
    float[] values;

    Buffer(DType type, long address, float[] values) {
      this.type = type;
      this.address = address;
      this.values = values;
    }
  }

  private final List<Buffer> buffers = new ArrayList<>();
  private final Path binary;

  private HostEmulator(Path binary) {
    this.binary = binary;
  }

  /** Why this machine cannot emulate (no g++ or no CUDA headers), or null. */
  public static String unavailableReason() {
    if (!Files.exists(EMULATOR_DIR.resolve("kj_host_main.cpp"))) {
      return "the emulator sources "
          + EMULATOR_DIR.toAbsolutePath()
          + " are not here (tests run outside the ops module)";
    }
    if (gxx() == null) {
      return "no g++ on this machine";
    }
    if (cudaInclude() == null) {
      return "no CUDA headers (cuda_bf16.h) found next to nvcc or under /usr/local/cuda";
    }
    return null;
  }

  /**
   * An emulator of {@code kernelInterface}'s kernels; {@code define} selects the dispatch table in
   * kj_host_table.h. A table that failed to build or to match fails every later call at once.
   */
  public static synchronized HostEmulator of(Class<?> kernelInterface, String define)
      throws IOException, InterruptedException {
    AssertionError broken = BROKEN.get(define);
    if (broken != null) {
      throw broken;
    }
    Path bin = BINARIES.get(define);
    if (bin == null) {
      try {
        bin = build(kernelInterface, define);
      } catch (AssertionError e) {
        BROKEN.put(define, e);
        throw e;
      }
      BINARIES.put(define, bin);
    }
    return new HostEmulator(bin);
  }

  private static Path build(Class<?> kernelInterface, String define)
      throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("kj-host-emulator");
    Path source = dir.resolve("kernel.cu.h");
    Files.writeString(source, Nvcc.source(kernelInterface), StandardCharsets.UTF_8);
    Path bin = dir.resolve("emulator");
    Path log = dir.resolve("g++.log");
    Process p =
        new ProcessBuilder(
                gxx().toString(),
                "-std=c++20",
                "-O1",
                "-pthread",
                "-I" + cudaInclude(),
                "-I" + EMULATOR_DIR.toAbsolutePath(),
                "-D" + define,
                "-DKJ_SOURCE=\"" + source + "\"",
                EMULATOR_DIR.resolve("kj_host_main.cpp").toAbsolutePath().toString(),
                "-o",
                bin.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), "g++ timed out on " + kernelInterface.getName());
    assertEquals(
        0,
        p.exitValue(),
        "g++ failed on " + kernelInterface.getName() + ":\n" + Files.readString(log));
    checkTable(kernelInterface, bin);
    return bin;
  }

  /**
   * Fails unless every kernel of the emulator's table is a method of {@code kernelInterface} whose
   * {@code @Global} names the same instantiation: a table that runs other template arguments than
   * the GPU does would test code that never ships.
   */
  private static void checkTable(Class<?> kernelInterface, Path bin)
      throws IOException, InterruptedException {
    Process p = new ProcessBuilder(bin.toString(), "--list").redirectErrorStream(true).start();
    String listing = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the emulator's --list timed out");
    assertEquals(0, p.exitValue(), "the emulator's --list failed: " + listing);
    Map<String, String> declared = new HashMap<>();
    for (Method m : kernelInterface.getMethods()) {
      Global g = m.getAnnotation(Global.class);
      declared.put(m.getName(), g == null || g.value().isEmpty() ? m.getName() : g.value());
    }
    int checked = 0;
    for (String line : listing.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] parts = line.split("\t", 2);
      String name = parts[0];
      String kernel = parts[1].strip();
      if (kernel.startsWith("(") && kernel.endsWith(")")) {
        kernel = kernel.substring(1, kernel.length() - 1);
      }
      assertTrue(
          declared.containsKey(name),
          "the emulator's table names " + name + ", which " + kernelInterface.getName() + " lacks");
      assertEquals(
          withoutSpaces(declared.get(name)),
          withoutSpaces(kernel),
          "the emulator's table runs another instantiation for " + name + " than its @Global");
      checked++;
    }
    assertTrue(checked > 0, "the emulator's table lists no kernel of " + kernelInterface.getName());
  }

  private static String withoutSpaces(String s) {
    return s.replaceAll("\\s+", "");
  }

  /**
   * Adds a buffer at a fake, 256-byte aligned device address; returns the address to pass to the
   * launch code.
   */
  public long buffer(DType type, float[] values) {
    long address = 0x100000L * (buffers.size() + 1);
    buffers.add(new Buffer(type, address, values.clone()));
    return address;
  }

  public long intBuffer(int[] values) {
    float[] bits = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.intBitsToFloat(values[i]);
    }
    return buffer(DType.I32, bits);
  }

  /** The values of the buffer at {@code address} after {@link #run}. */
  public float[] values(long address) {
    return buffers.stream().filter(b -> b.address == address).findFirst().orElseThrow().values;
  }

  /** Launches the recorded call on the CPU and reads every buffer back. */
  public void run(RecordingKernels.Call call) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(binary.toString(), call.kernel()));
    if (call.launch().grid().y() != 1
        || call.launch().grid().z() != 1
        || call.launch().block().y() != 1
        || call.launch().block().z() != 1) {
      throw new IllegalArgumentException("the emulator runs 1-D launches: " + call.launch());
    }
    command.add(String.valueOf(call.launch().grid().x()));
    command.add(String.valueOf(call.launch().block().x()));
    for (Object arg : call.args()) {
      if (arg instanceof ConstPtr<?> p) {
        command.add(bufferArgument(p.address()));
      } else if (arg instanceof Integer i) {
        command.add("i" + i);
      } else if (arg instanceof Long l) {
        command.add("l" + l);
      } else if (arg instanceof Float f) {
        command.add("f" + Float.toString(f));
      } else {
        throw new IllegalArgumentException("argument " + arg + " of " + call.kernel());
      }
    }
    Path dir = Files.createTempDirectory("kj-host-run");
    Path in = dir.resolve("in.bin");
    Path out = dir.resolve("out.bin");
    Files.write(in, encode());
    ProcessBuilder builder = new ProcessBuilder(command);
    // Dynamic shared memory (kj_host_shim.h's KJ_DYNAMIC_SHARED): the launch's size.
    builder
        .environment()
        .put("KJ_DYNAMIC_SHARED_BYTES", String.valueOf(call.launch().sharedBytes()));
    Process p =
        builder
            .redirectInput(in.toFile())
            .redirectOutput(out.toFile())
            .redirectError(dir.resolve("err.txt").toFile())
            .start();
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), "emulated " + call.kernel() + " timed out");
    assertEquals(
        0,
        p.exitValue(),
        "emulated " + call.kernel() + " failed: " + Files.readString(dir.resolve("err.txt")));
    decode(Files.readAllBytes(out));
  }

  /**
   * {@code b<index>}, or {@code b<index>+<bytes>} for an address inside a buffer (a view); {@code
   * n} for a null pointer.
   */
  private String bufferArgument(long address) {
    if (address == 0) {
      return "n";
    }
    for (int i = 0; i < buffers.size(); i++) {
      Buffer b = buffers.get(i);
      long offset = address - b.address;
      if (offset == 0) {
        return "b" + i;
      }
      if (offset > 0 && offset < (long) b.values.length * b.type.byteSize()) {
        return "b" + i + "+" + offset;
      }
    }
    throw new IllegalArgumentException(
        "address 0x" + Long.toHexString(address) + " names no buffer of this emulator");
  }

  private byte[] encode() {
    long bytes = 4;
    for (Buffer b : buffers) {
      bytes += 12 + 4L * b.values.length;
    }
    ByteBuffer bb = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    bb.putInt(buffers.size());
    for (Buffer b : buffers) {
      bb.putInt(typeCode(b.type)).putLong(b.values.length);
      for (float v : b.values) {
        bb.putFloat(v);
      }
    }
    return bb.array();
  }

  private void decode(byte[] bytes) {
    ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(buffers.size(), bb.getInt(), "buffers returned by the emulator");
    for (Buffer b : buffers) {
      bb.getInt();
      int n = (int) bb.getLong();
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = bb.getFloat();
      }
      b.values = v;
    }
  }

  private static int typeCode(DType t) {
    return switch (t) {
      case F32 -> 0;
      case F16 -> 1;
      case BF16 -> 2;
      case I32 -> 3;
      default ->
          throw new IllegalArgumentException(
              "the emulator holds f32, f16, bf16 and i32 buffers, not " + t);
    };
  }

  private static Path gxx() {
    for (String c : List.of("/usr/bin/g++", "/usr/local/bin/g++")) {
      if (Files.isExecutable(Path.of(c))) {
        return Path.of(c);
      }
    }
    return null;
  }

  /** The directory of CUDA's headers (cuda_bf16.h), or null where there is none. */
  public static Path cudaInclude() {
    List<Path> candidates = new ArrayList<>();
    Path nvcc = Nvcc.find();
    if (nvcc != null) {
      try {
        candidates.add(nvcc.toRealPath().getParent().resolveSibling("include"));
      } catch (IOException ignored) {
        // fall through to the usual place
      }
    }
    candidates.add(Path.of("/usr/local/cuda/include"));
    return candidates.stream()
        .filter(p -> Files.exists(p.resolve("cuda_bf16.h")))
        .findFirst()
        .orElse(null);
  }
}
