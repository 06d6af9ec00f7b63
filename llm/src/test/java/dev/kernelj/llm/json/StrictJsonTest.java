package dev.kernelj.llm.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
  void syntaxProblemsAreOneTypedErrorNamingWhere() {
    for (String bad : List.of("", "{", "{'a': 1}", "// c\n{}")) {
      ModelFormatException e = assertThrows(ModelFormatException.class, () -> fields(bad), bad);
      assertEquals("(root)", e.field());
      assertTrue(e.getMessage().startsWith("x.json: (root): malformed JSON"), e.getMessage());
    }
    for (String bad : List.of("{\"a\": NaN}", "{\"a\": 1,}", "{\"a\": 01}")) {
      ModelFormatException e = assertThrows(ModelFormatException.class, () -> fields(bad), bad);
      assertEquals("a", e.field(), e.getMessage());
      assertTrue(e.getMessage().startsWith("x.json: a: malformed JSON at byte"), e.getMessage());
    }
  }

  @Test
  void messagesCarryNoClassOrFeatureNames() {
    for (String bad : List.of("{\"a\": NaN}", "// c\n{}", "{\"a\": 1} {}", "{\"a\":")) {
      String message =
          assertThrows(ModelFormatException.class, () -> fields(bad), bad).getMessage();
      assertFalse(message.matches(".*(`|Feature|Exception|Source:|StreamRead|http).*"), message);
    }
  }

  @Test
  void duplicateKeysAndDeepNestingNameThePath() {
    assertEquals(
        "a.b",
        assertThrows(ModelFormatException.class, () -> fields("{\"a\": {\"b\": 1, \"b\": 2}}"))
            .field());
    String deep = "[".repeat(10_000) + "]".repeat(10_000);
    ModelFormatException e =
        assertThrows(ModelFormatException.class, () -> fields("{\"x\": " + deep + "}"));
    assertTrue(e.getMessage().contains("nested deeper than 64 levels"), e.getMessage());
    assertTrue(e.field().startsWith("x[0][0]"), e.field());
  }

  @Test
  void bytesThatAreNotUtf8AreNamedWithTheirPath() {
    byte[] bytes = "{\"a\": {\"b\": \"x?\"}}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    bytes[13] = (byte) 0xC0;
    ModelFormatException e =
        assertThrows(
            ModelFormatException.class, () -> StrictJson.parseObject(bytes, FILE, "(root)"));
    assertEquals("a.b", e.field());
    assertTrue(e.getMessage().contains("not valid UTF-8: byte 0xC0 at byte 13"), e.getMessage());
  }
}
