package dev.kernelj.runtime.cache;

import dev.kernelj.runtime.nvrtc.CompiledProgram;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A separate process that writes and re-reads one cache key many times, for the concurrent-writer
 * test.
 */
public final class CacheWriterMain {
  static CacheKey key() {
    return new CacheKey(
        "process-shared",
        List.of("--gpu-architecture=sm_90"),
        "sm_90",
        "13.0",
        13000,
        List.of("k"));
  }

  static CompiledProgram program() {
    byte[] b = new byte[256 * 1024];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (i * 31);
    }
    return new CompiledProgram(b, true, Map.of("k", "k"), "");
  }

  public static void main(String[] args) {
    KernelCache cache = new KernelCache(Path.of(args[0]));
    int rounds = Integer.parseInt(args[1]);
    for (int i = 0; i < rounds; i++) {
      cache.put(key(), program());
      if (cache.get(key()).isEmpty()) {
        System.out.println("read a damaged entry in round " + i);
        System.exit(1);
      }
    }
  }
}
