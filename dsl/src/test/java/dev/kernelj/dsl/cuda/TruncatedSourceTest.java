package dev.kernelj.dsl.cuda;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Half-written CUDA C is what the processor sees while a user types: every prefix of every corpus
 * file must either parse or fail with a {@link CudaParseException}, never with another exception.
 */
class TruncatedSourceTest {

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.kernelj.dsl.cuda.CorpusTest#files")
  void everyPrefixParsesOrFailsWithAParseException(String file) throws IOException {
    String source;
    try (InputStream in = getClass().getResourceAsStream("/corpus/" + file)) {
      source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    // A prime stride lands cuts inside every kind of token, at a fraction of the cost of every cut.
    for (int end = 0; end <= source.length(); end += 29) {
      String prefix = source.substring(0, end);
      try {
        CudaSource.parse(prefix);
      } catch (CudaParseException expected) {
        if (expected.getMessage() == null || expected.getMessage().isBlank()) {
          fail(file + " cut at " + end + ": a parse error without a message");
        }
      } catch (RuntimeException e) {
        throw new AssertionError(
            file
                + " cut at "
                + end
                + " threw "
                + e
                + "; source ends with: "
                + prefix.substring(Math.max(0, end - 80)),
            e);
      }
    }
  }
}
