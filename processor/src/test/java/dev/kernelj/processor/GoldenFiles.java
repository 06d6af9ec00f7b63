package dev.kernelj.processor;

import static com.google.common.truth.Truth.assertWithMessage;
import static com.google.testing.compile.CompilationSubject.assertThat;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.tools.JavaFileObject;

/**
 * Compares generated launchers with {@code src/test/resources/golden/*.java}, byte for byte. After
 * a deliberate change to the writer, run the tests once with {@code -Dkernelj.updateGolden=true} to
 * rewrite the files, then review the diff like any other change.
 */
final class GoldenFiles {
  private static final Path GOLDEN_DIR = Path.of("src", "test", "resources", "golden");

  private GoldenFiles() {}

  static void assertLauncherMatches(Compilation compilation, String qualifiedLauncher) {
    assertThat(compilation).succeededWithoutWarnings();
    String actual = generated(compilation, qualifiedLauncher);
    Path golden =
        GOLDEN_DIR.resolve(
            qualifiedLauncher.substring(qualifiedLauncher.lastIndexOf('.') + 1) + ".java");
    try {
      if (Boolean.getBoolean("kernelj.updateGolden")) {
        Files.createDirectories(GOLDEN_DIR);
        Files.writeString(golden, actual, StandardCharsets.UTF_8);
      }
      String expected = Files.readString(golden, StandardCharsets.UTF_8);
      assertWithMessage(
              "generated %s differs from %s (rerun with -Dkernelj.updateGolden=true after a deliberate"
                  + " change)",
              qualifiedLauncher, golden)
          .that(actual)
          .isEqualTo(expected);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String generated(Compilation compilation, String qualifiedName) {
    JavaFileObject file =
        compilation
            .generatedSourceFile(qualifiedName)
            .orElseThrow(
                () ->
                    new AssertionError(
                        "no generated source "
                            + qualifiedName
                            + "; generated: "
                            + compilation.generatedSourceFiles()));
    try {
      return file.getCharContent(false).toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
