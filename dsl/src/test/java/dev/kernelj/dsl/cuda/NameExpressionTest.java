package dev.kernelj.dsl.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NameExpressionTest {

  @Test
  void plainName() {
    NameExpression e = NameExpression.parse("  saxpy ");
    assertEquals(new NameExpression("saxpy", List.of(), "saxpy"), e);
    assertFalse(e.isInstantiation());
  }

  @Test
  void singleTypeArgument() {
    NameExpression e = NameExpression.parse("scale<float>");
    assertEquals("scale", e.name());
    assertEquals(List.of("float"), e.templateArgs());
    assertEquals("scale<float>", e.text());
    assertTrue(e.isInstantiation());
  }

  @Test
  void whiteSpaceIsFolded() {
    NameExpression e = NameExpression.parse("reduce <\n  float ,\t256 >");
    assertEquals(List.of("float", "256"), e.templateArgs());
    assertEquals("reduce<float, 256>", e.text());
    assertEquals(List.of("unsigned int"), NameExpression.parse("f<unsigned   int>").templateArgs());
  }

  @Test
  void nestedAnglesAndParenthesisedComparisons() {
    NameExpression e = NameExpression.parse("f<Pair<int,int>, (3>2)>");
    assertEquals("f", e.name());
    assertEquals(List.of("Pair<int,int>", "(3>2)"), e.templateArgs());
    assertEquals(
        List.of("Outer<Inner<int>>"), NameExpression.parse("g<Outer<Inner<int>>>").templateArgs());
  }

  @Test
  void qualifiedNameKeepsItsQualificationInTheText() {
    NameExpression e = NameExpression.parse("kj::scale<float>");
    assertEquals("scale", e.name());
    assertEquals("kj::scale<float>", e.text());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "2fast",
        "f<float",
        "f<float>>",
        "f<float> g",
        "f<>",
        "f<int,>",
        "f<(1>",
        "sa xpy",
        "f-g"
      })
  void malformedExpressionsAreRejectedNamingTheText(String text) {
    CudaParseException e = assertThrows(CudaParseException.class, () -> NameExpression.parse(text));
    assertEquals(0, e.line());
    if (!text.isBlank()) {
      assertTrue(e.getMessage().contains("'" + text.strip() + "'"), e.getMessage());
    }
  }

  @Test
  void messagesSayWhatIsWrong() {
    assertEquals(
        "'2fast' in kernel name expression '2fast' is not a C identifier",
        assertThrows(CudaParseException.class, () -> NameExpression.parse("2fast")).getMessage());
    assertEquals(
        "kernel name expression 'f<float' must end with the '>' closing its template arguments",
        assertThrows(CudaParseException.class, () -> NameExpression.parse("f<float")).getMessage());
    assertEquals(
        "empty template argument in 'f<int,>'",
        assertThrows(CudaParseException.class, () -> NameExpression.parse("f<int,>")).getMessage());
    assertEquals(
        "empty kernel name expression",
        assertThrows(CudaParseException.class, () -> NameExpression.parse(" ")).getMessage());
  }
}
