package dev.kernelj.runtime.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.runtime.nvrtc.CompiledProgram;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelCacheTest {
  @TempDir Path dir;

  static CacheKey key(String source) {
    return new CacheKey(
        source,
        List.of("--gpu-architecture=sm_90"),
        "sm_90",
        "13.0",
        13000,
        List.of("scale<float>"));
  }

  static CompiledProgram program(int size, byte fill) {
    byte[] b = new byte[size];
    java.util.Arrays.fill(b, fill);
    b[0] = 0x7f;
    return new CompiledProgram(b, true, Map.of("scale<float>", "_Z5scaleIfEvPT_i"), "warning: x");
  }

  @Test
  void missThenHitReturnsTheSameBinaryAndLoweredNames() {
    KernelCache cache = new KernelCache(dir);
    CacheKey k = key("__global__ void f() {}");
    assertTrue(cache.get(k).isEmpty());
    CompiledProgram p = program(1000, (byte) 3);
    cache.put(k, p);
    CompiledProgram back = cache.get(k).orElseThrow();
    assertArrayEquals(p.binary(), back.binary());
    assertEquals("_Z5scaleIfEvPT_i", back.lowered("scale<float>"));
    assertTrue(back.cubin());
    assertTrue(
        cache.get(key("__global__ void g() {}")).isEmpty(), "another source is another entry");
  }

  @Test
  void getOrCompileCompilesOnlyOnAMiss() {
    KernelCache cache = new KernelCache(dir);
    AtomicInteger compiles = new AtomicInteger();
    KernelCache.Lookup first =
        cache.getOrCompile(
            key("a"),
            () -> {
              compiles.incrementAndGet();
              return program(10, (byte) 1);
            });
    KernelCache.Lookup second =
        cache.getOrCompile(
            key("a"),
            () -> {
              compiles.incrementAndGet();
              return program(10, (byte) 2);
            });
    assertFalse(first.hit());
    assertTrue(second.hit());
    assertEquals(1, compiles.get());
    assertEquals(first.program(), second.program());
  }

  @Test
  void everyKeyFieldChangesTheHash() {
    CacheKey base = key("src");
    List<CacheKey> variants =
        List.of(
            new CacheKey(
                "src ",
                base.options(),
                base.arch(),
                base.nvrtcVersion(),
                base.driverVersion(),
                base.nameExpressions()),
            new CacheKey(
                "src",
                List.of("--gpu-architecture=sm_80"),
                base.arch(),
                base.nvrtcVersion(),
                base.driverVersion(),
                base.nameExpressions()),
            new CacheKey(
                "src",
                base.options(),
                "sm_80",
                base.nvrtcVersion(),
                base.driverVersion(),
                base.nameExpressions()),
            new CacheKey(
                "src",
                base.options(),
                base.arch(),
                "12.8",
                base.driverVersion(),
                base.nameExpressions()),
            new CacheKey(
                "src",
                base.options(),
                base.arch(),
                base.nvrtcVersion(),
                12080,
                base.nameExpressions()),
            new CacheKey(
                "src",
                base.options(),
                base.arch(),
                base.nvrtcVersion(),
                base.driverVersion(),
                List.of("scale<double>")),
            new CacheKey(
                "src",
                List.of("--gpu-architecture=sm_90", ""),
                base.arch(),
                base.nvrtcVersion(),
                base.driverVersion(),
                base.nameExpressions()));
    for (CacheKey v : variants) {
      assertNotEquals(base.hash(), v.hash(), v.toString());
    }
    assertEquals(base.hash(), key("src").hash());
    assertEquals(64, base.hash().length());
  }

  @Test
  void corruptOrTruncatedEntriesAreMissesAndGetOverwritten() throws Exception {
    KernelCache cache = new KernelCache(dir);
    CacheKey k = key("x");
    cache.put(k, program(500, (byte) 9));
    Path file = cache.pathOf(k);
    byte[] good = Files.readAllBytes(file);

    byte[] flipped = good.clone();
    flipped[good.length - 10] ^= 0x01;
    Files.write(file, flipped);
    assertTrue(cache.get(k).isEmpty(), "a flipped bit is a miss");

    Files.write(file, java.util.Arrays.copyOf(good, good.length - 1));
    assertTrue(cache.get(k).isEmpty(), "a truncated entry is a miss");

    Files.write(file, new byte[10]);
    assertTrue(cache.get(k).isEmpty(), "a tiny file is a miss");

    Files.write(file, new byte[0]);
    assertTrue(cache.get(k).isEmpty(), "an empty file is a miss");

    KernelCache.Lookup redo = cache.getOrCompile(k, () -> program(500, (byte) 9));
    assertFalse(redo.hit());
    assertArrayEquals(
        good, Files.readAllBytes(file), "the damaged entry was replaced by a whole one");
    assertTrue(cache.get(k).isPresent());
  }

  @Test
  void anEntryStoredUnderAnotherKeyIsAMiss() throws Exception {
    KernelCache cache = new KernelCache(dir);
    cache.put(key("one"), program(100, (byte) 1));
    Files.copy(cache.pathOf(key("one")), cache.pathOf(key("two")));
    assertTrue(cache.get(key("two")).isEmpty());
  }

  @Test
  void concurrentThreadsWritingOneKeyLeaveOneValidEntryAndNoTemporaryFiles() throws Exception {
    KernelCache cache = new KernelCache(dir);
    CacheKey k = key("shared");
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      futures.add(
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < 20; i++) {
                  cache.put(k, program(64 * 1024, (byte) 5));
                  assertTrue(cache.get(k).isPresent(), "a reader never sees a partial entry");
                }
                return null;
              }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertEquals(program(64 * 1024, (byte) 5), cache.get(k).orElseThrow());
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(
          List.of(cache.pathOf(k).getFileName().toString()),
          files.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void concurrentProcessesWritingOneKeyLeaveOneValidEntry() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> processes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      processes.add(
          new ProcessBuilder(
                  java,
                  "-cp",
                  System.getProperty("java.class.path"),
                  CacheWriterMain.class.getName(),
                  dir.toString(),
                  "40")
              .redirectErrorStream(true)
              .start());
    }
    for (Process p : processes) {
      assertTrue(p.waitFor(120, TimeUnit.SECONDS), "writer process finished");
      String out = new String(p.getInputStream().readAllBytes());
      assertEquals(0, p.exitValue(), out);
    }
    KernelCache cache = new KernelCache(dir);
    assertEquals(CacheWriterMain.program(), cache.get(CacheWriterMain.key()).orElseThrow());
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(1, files.count(), "no temporary files left behind");
    }
  }

  @Test
  void locationComesFromPropertyThenEnvironmentThenHome() {
    Properties props = new Properties();
    props.setProperty("user.home", "/home/u");
    assertEquals(
        Path.of("/home/u/.cache/kernelj/kernels"), KernelCache.resolveDirectory(Map.of(), props));
    assertEquals(
        Path.of("/env/cache"),
        KernelCache.resolveDirectory(Map.of("KERNELJ_CACHE_DIR", "/env/cache"), props));
    props.setProperty("kernelj.cache.dir", "/prop/cache");
    assertEquals(
        Path.of("/prop/cache"),
        KernelCache.resolveDirectory(Map.of("KERNELJ_CACHE_DIR", "/env/cache"), props));
  }

  @Test
  void aMissingDirectoryIsCreatedOnFirstWrite() {
    Path nested = dir.resolve("a" + File.separator + "b");
    KernelCache cache = new KernelCache(nested);
    assertTrue(cache.get(key("k")).isEmpty());
    cache.put(key("k"), program(10, (byte) 1));
    assertTrue(Files.isDirectory(nested));
    assertTrue(cache.get(key("k")).isPresent());
  }
}
