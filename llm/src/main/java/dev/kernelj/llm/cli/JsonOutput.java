package dev.kernelj.llm.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.PrettyPrinter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;

/**
 * The JSON that {@code --json} prints for scripts: records and maps as indented objects with
 * snake_case keys ({@code kvHeads} becomes {@code kv_heads}), nulls written out.
 */
final class JsonOutput {
  private static final ObjectWriter WRITER =
      new ObjectMapper()
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .writer(
              new DefaultPrettyPrinter()
                  .withSeparators(
                      PrettyPrinter.DEFAULT_SEPARATORS.withObjectFieldValueSpacing(
                          Separators.Spacing.AFTER)));

  private JsonOutput() {}

  /** {@code value} as indented JSON text, without a final line break. */
  static String toJson(Object value) {
    try {
      return WRITER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + value.getClass().getSimpleName(), e);
    }
  }
}
