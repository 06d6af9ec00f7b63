package dev.kernelj.runtime.nativelib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.NativeLibrary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeLibrariesTest {
  @TempDir Path tmp;

  private LibrarySpec spec(Path dir) {
    return new LibrarySpec(
        "Test library (libkjtest)",
        "KERNELJ_LIBKJTEST",
        "kernelj.libkjtest",
        List.of("kernelj_no_such_library_xyz"),
        List.of("libkjtest.so.1", "libkjtest.so"),
        List.of(dir.toString(), "$KJ_TEST_HOME/lib64"));
  }

  @Test
  void missingLibraryListsEveryCandidateWithItsReasonAndHowToOverride() {
    CudaLibraryNotFoundException e =
        assertThrows(
            CudaLibraryNotFoundException.class,
            () ->
                NativeLibraries.open(
                    spec(tmp), Map.of(), new Properties(), NativeLibrary::getInstance));
    // the bare name, then both file names in the one directory whose variable is set
    assertEquals(3, e.attempts().size(), e.getMessage());
    assertEquals("kernelj_no_such_library_xyz", e.attempts().get(0).candidate());
    assertEquals(tmp.resolve("libkjtest.so.1").toString(), e.attempts().get(1).candidate());
    assertEquals("no such file", e.attempts().get(1).reason());
    assertFalse(e.attempts().get(0).reason().isBlank());
    String msg = e.getMessage();
    assertTrue(
        msg.startsWith("Could not load the Test library (libkjtest); tried 3 candidates:"), msg);
    assertTrue(msg.contains("  - " + tmp.resolve("libkjtest.so") + ": no such file"), msg);
    assertTrue(msg.contains("KERNELJ_LIBKJTEST") && msg.contains("-Dkernelj.libkjtest"), msg);
  }

  @Test
  void environmentDirectoriesAreExpandedAndSkippedWhenUnset() {
    LibrarySpec s = spec(tmp);
    assertEquals(List.of(tmp.toString()), s.expandDirectories(Map.of()));
    assertEquals(
        List.of(tmp.toString(), "/opt/kj/lib64"),
        s.expandDirectories(Map.of("KJ_TEST_HOME", "/opt/kj")));
  }

  @Test
  void systemPropertyOverrideWinsAndIsTheOnlyCandidate() {
    Properties props = new Properties();
    props.setProperty("kernelj.libkjtest", "/nowhere/from-property.so");
    Map<String, String> env = Map.of("KERNELJ_LIBKJTEST", "/nowhere/from-env.so");
    assertEquals(List.of("/nowhere/from-property.so"), spec(tmp).candidates(env, props));
    assertEquals(List.of("/nowhere/from-env.so"), spec(tmp).candidates(env, new Properties()));

    CudaLibraryNotFoundException e =
        assertThrows(
            CudaLibraryNotFoundException.class,
            () -> NativeLibraries.open(spec(tmp), env, props, NativeLibrary::getInstance));
    assertEquals(1, e.attempts().size());
    assertEquals("no such file", e.attempts().get(0).reason());
  }

  @Test
  void aFileThatIsNotALibraryReportsTheLoadersReason() throws Exception {
    Path bogus = Files.writeString(tmp.resolve("libkjtest.so.1"), "not an ELF file");
    CudaLibraryNotFoundException e =
        assertThrows(
            CudaLibraryNotFoundException.class,
            () ->
                NativeLibraries.open(
                    spec(tmp), Map.of(), new Properties(), NativeLibrary::getInstance));
    CudaLibraryNotFoundException.Attempt a =
        e.attempts().stream()
            .filter(t -> t.candidate().equals(bogus.toString()))
            .findFirst()
            .orElseThrow();
    assertFalse(a.reason().equals("no such file"), a.reason());
    assertFalse(a.reason().contains("\n"), "reason must be one line: " + a.reason());
  }

  @Test
  void theFirstCandidateThatOpensWins() throws Exception {
    Path real = Files.writeString(tmp.resolve("libkjtest.so"), "");
    String opened =
        NativeLibraries.open(
            spec(tmp),
            Map.of(),
            new Properties(),
            candidate -> {
              if (!candidate.equals(real.toString())) {
                throw new UnsatisfiedLinkError("cannot open " + candidate);
              }
              return candidate;
            });
    assertEquals(real.toString(), opened);
  }

  @Test
  void libcudaEitherLoadsOrExplainsEveryTry() {
    try {
      assertNotNull(NativeLibraries.load(NativeLibraries.CUDA));
    } catch (CudaLibraryNotFoundException e) {
      String msg = e.getMessage();
      assertTrue(msg.contains("CUDA driver (libcuda)"), msg);
      assertTrue(msg.contains("/usr/lib/x86_64-linux-gnu/libcuda.so.1"), msg);
      assertTrue(msg.contains("KERNELJ_LIBCUDA") && msg.contains("kernelj.libcuda"), msg);
      assertTrue(e.attempts().size() >= 8, msg);
    }
  }

  @Test
  void toolkitLibrariesAreSoughtUnderCudaHomeAndVersionedInstalls() {
    List<String> c =
        NativeLibraries.NVRTC.candidates(Map.of("CUDA_HOME", "/opt/cuda"), new Properties());
    assertTrue(c.contains("/opt/cuda/lib64/libnvrtc.so.13"), c.toString());
    assertTrue(c.contains("/opt/cuda/targets/x86_64-linux/lib/libnvrtc.so.12"), c.toString());
    assertTrue(c.contains("/usr/local/cuda/lib64/libnvrtc.so.13"), c.toString());
    List<String> lt = NativeLibraries.CUBLASLT.candidates(Map.of(), new Properties());
    assertTrue(lt.contains("libcublasLt.so.13"), lt.toString());
  }
}
