package dev.kernelj.llm.bench;

import dev.kernelj.llm.safetensors.SafetensorsCheckpoint;
import dev.kernelj.llm.safetensors.SafetensorsDType;
import dev.kernelj.llm.safetensors.SafetensorsWriter;
import dev.kernelj.llm.util.ByteSizes;
import dev.kernelj.llm.util.ConsoleProgressBar;
import dev.kernelj.llm.util.ProgressListener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Loader benchmark: how long opening a multi-GB safetensors checkpoint and parsing its header takes
 * (goal: under 50 ms), and how long touching every byte through the memory mappings takes next to
 * {@code cat FILE > /dev/null} of the same files. Both run against a warm page cache (dropping it
 * needs root), so the comparison is of the read paths, not of the disk.
 *
 * <pre>
 * java -cp ... dev.kernelj.llm.bench.LoaderBench [--size-gib N] [--keep] [PATH]
 * </pre>
 *
 * Without PATH, writes a temporary file of N GiB (default 3) shaped like a Llama checkpoint and
 * deletes it after.
 */
public final class LoaderBench {
  private static final int OPEN_REPEATS = 100;
  private static final int READ_REPEATS = 3;

  private LoaderBench() {}

  /** Runs the benchmark; see the class comment for arguments. */
  public static void main(String[] args) throws IOException, InterruptedException {
    double sizeGib = 3;
    boolean keep = false;
    Path path = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--size-gib" -> sizeGib = Double.parseDouble(args[++i]);
        case "--keep" -> keep = true;
        default -> path = Path.of(args[i]);
      }
    }
    boolean created = path == null;
    if (created) {
      path = Files.createTempFile("kernelj-bench-", ".safetensors");
      writeSynthetic(path, (long) (sizeGib * (1L << 30)));
    }
    try {
      run(path);
    } finally {
      if (created && !keep) {
        Files.deleteIfExists(path);
      }
    }
  }

  private static void run(Path path) throws IOException, InterruptedException {
    List<Path> files = new ArrayList<>();
    long firstOpenNanos;
    long tensorBytes;
    int tensorCount = 0;
    long start = System.nanoTime();
    try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(path)) {
      firstOpenNanos = System.nanoTime() - start;
      tensorBytes = checkpoint.tensorBytes();
      checkpoint.files().forEach(f -> files.add(f.path()));
      tensorCount = checkpoint.tensorNames().size();
    }
    long[] open = new long[OPEN_REPEATS];
    for (int i = 0; i < OPEN_REPEATS; i++) {
      long t = System.nanoTime();
      try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(path)) {
        open[i] = System.nanoTime() - t;
      }
    }
    long fileBytes = 0;
    for (Path f : files) {
      fileBytes += Files.size(f);
    }
    // Warm the page cache once so both read paths see the same state.
    cat(files);
    long[] touch = new long[READ_REPEATS];
    long[] cat = new long[READ_REPEATS];
    long checksum = 0;
    for (int i = 0; i < READ_REPEATS; i++) {
      long t = System.nanoTime();
      try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(path)) {
        ProgressListener bar = ConsoleProgressBar.forStderr("touch", false);
        checksum += checkpoint.touchAll(bar);
      }
      touch[i] = System.nanoTime() - t;
      cat[i] = cat(files);
    }

    System.out.printf(
        Locale.ROOT,
        "loader benchmark: %s (%d file(s), %s, %d tensors; checksum %x)%n",
        path,
        files.size(),
        ByteSizes.format(fileBytes),
        tensorCount,
        checksum);
    System.out.printf(Locale.ROOT, "%-38s %12s %14s%n", "step", "time", "throughput");
    row("open + header parse (first, cold JVM)", firstOpenNanos, -1);
    row("open + header parse (median of " + OPEN_REPEATS + ")", median(open), -1);
    row("touch every tensor byte (median of " + READ_REPEATS + ")", median(touch), tensorBytes);
    row("cat > /dev/null (median of " + READ_REPEATS + ")", median(cat), fileBytes);
    System.out.printf(
        Locale.ROOT,
        "%-38s %12.2f%n",
        "touch / cat time ratio",
        (double) median(touch) / median(cat));
    System.out.printf(
        Locale.ROOT, "header goal (< 50 ms): %s%n", median(open) < 50_000_000L ? "met" : "MISSED");
  }

  private static void row(String step, long nanos, long bytes) {
    String time =
        nanos >= 1_000_000_000L
            ? String.format(Locale.ROOT, "%.3f s", nanos / 1e9)
            : String.format(Locale.ROOT, "%.3f ms", nanos / 1e6);
    String rate = bytes < 0 ? "" : ByteSizes.format((long) (bytes / (nanos / 1e9))) + "/s";
    System.out.printf(Locale.ROOT, "%-38s %12s %14s%n", step, time, rate);
  }

  private static long median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  /** Times {@code cat FILES > /dev/null}. */
  private static long cat(List<Path> files) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("cat"));
    files.forEach(f -> command.add(f.toString()));
    long t = System.nanoTime();
    Process process =
        new ProcessBuilder(command)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    int code = process.waitFor();
    long elapsed = System.nanoTime() - t;
    if (code != 0) {
      throw new IOException("cat exited with " + code);
    }
    return elapsed;
  }

  /**
   * Writes about {@code totalBytes} of BF16 tensors named and proportioned like a Llama
   * checkpoint's (embedding, per-layer attention and MLP projections, norms, LM head).
   */
  static void writeSynthetic(Path path, long totalBytes) throws IOException {
    int hidden = 4096;
    int intermediate = 14336;
    long layerBytes = 2L * hidden * (4L * hidden + 3L * intermediate);
    int layers = (int) Math.max(1, totalBytes / layerBytes);
    byte[] pattern = new byte[1 << 20];
    new Random(42).nextBytes(pattern);
    SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
    addBf16(writer, "model.embed_tokens.weight", 32000, hidden, pattern);
    for (int l = 0; l < layers; l++) {
      String p = "model.layers." + l + ".";
      addBf16(writer, p + "self_attn.q_proj.weight", hidden, hidden, pattern);
      addBf16(writer, p + "self_attn.k_proj.weight", hidden / 4, hidden, pattern);
      addBf16(writer, p + "self_attn.v_proj.weight", hidden / 4, hidden, pattern);
      addBf16(writer, p + "self_attn.o_proj.weight", hidden, hidden, pattern);
      addBf16(writer, p + "mlp.gate_proj.weight", intermediate, hidden, pattern);
      addBf16(writer, p + "mlp.up_proj.weight", intermediate, hidden, pattern);
      addBf16(writer, p + "mlp.down_proj.weight", hidden, intermediate, pattern);
      addBf16(writer, p + "input_layernorm.weight", 1, hidden, pattern);
      addBf16(writer, p + "post_attention_layernorm.weight", 1, hidden, pattern);
    }
    addBf16(writer, "model.norm.weight", 1, hidden, pattern);
    System.err.printf(Locale.ROOT, "writing %d layers to %s ...%n", layers, path);
    writer.write(path);
  }

  private static void addBf16(
      SafetensorsWriter writer, String name, int rows, int cols, byte[] pattern) {
    long[] shape = rows == 1 ? new long[] {cols} : new long[] {rows, cols};
    long bytes = 2L * rows * cols;
    writer.add(
        name,
        SafetensorsDType.BF16,
        shape,
        out -> {
          long left = bytes;
          while (left > 0) {
            ByteBuffer chunk = ByteBuffer.wrap(pattern, 0, (int) Math.min(pattern.length, left));
            left -= chunk.remaining();
            while (chunk.hasRemaining()) {
              out.write(chunk);
            }
          }
        });
  }
}
