package dev.kernelj.llm.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.llm.util.ModelFormatException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class StrictJsonTest {
  private static final Path FILE = Path.of("x.json");

  private static JsonFields fields(String json) {
    return JsonFields.of(StrictJson.parseObject(json, FILE, "(root)"), FILE);
  }

  @Test
  void integersAreReadExactlyOrRejected() {
    JsonFields f =
        fields(
            """
                {"a": 4096, "b": 4096.0, "c": 4.096e3, "d": 9223372036854775807, "e": -3, "f": 12345678901}""");
    assertEquals(4096, f.requireInt("a"));
    assertEquals(-3, f.requireInt("e"));
    assertEquals(12345678901L, f.requireLong("f"));
    assertEquals("b", assertThrows(ModelFormatException.class, () -> f.requireInt("b")).field());
    assertEquals("c", assertThrows(ModelFormatException.class, () -> f.requireInt("c")).field());
    assertTrue(
        assertThrows(ModelFormatException.class, () -> f.requireInt("d"))
            .getMessage()
            .contains("expected an integer"));
    assertTrue(
        assertThrows(ModelFormatException.class, () -> f.requireInt("f"))
            .getMessage()
            .contains("out of range"));
  }

  @Test
  void nestedPathsAndListsAreNamed() {
    JsonFields f = fields("{\"rope\": {\"factor\": \"eight\"}, \"ids\": [1, \"two\"], \"one\": 7}");
    ModelFormatException e =
        assertThrows(
            ModelFormatException.class, () -> f.requireObject("rope").requireDouble("factor"));
    assertEquals("rope.factor", e.field());
    assertEquals(
        "x.json: rope.factor: expected a number but found a string (\"eight\")", e.getMessage());
    assertEquals(
        "ids[1]", assertThrows(ModelFormatException.class, () -> f.intOrIntList("ids")).field());
    assertEquals(List.of(7), f.intOrIntList("one"));
    assertEquals(List.of(), f.intOrIntList("absent"));
  }

  @Test
  void hugeExponentsDoNotHangOrEscape() {
    JsonFields f = fields("{\"a\": 1e999999999, \"b\": 1e-999999999}");
    assertEquals("a", assertThrows(ModelFormatException.class, () -> f.requireDouble("a")).field());
    assertEquals(0.0, f.requireDouble("b"));
    assertEquals("a", assertThrows(ModelFormatException.class, () -> f.requireInt("a")).field());
  }

  @Test
  void syntaxProblemsAreOneTypedError() {
    for (String bad :
        List.of("", "{", "{\"a\": NaN}", "{'a': 1}", "{\"a\": 1,}", "// c\n{}", "{\"a\": 01}")) {
      ModelFormatException e = assertThrows(ModelFormatException.class, () -> fields(bad), bad);
      assertEquals("(root)", e.field());
      assertTrue(e.getMessage().startsWith("x.json: (root): malformed JSON"), e.getMessage());
    }
  }
}
