package dev.kernelj.runtime.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.IntToLongFunction;
import org.junit.jupiter.api.Test;

class ParamInfoCheckTest {
  static IntToLongFunction device(long... sizes) {
    return i -> i < sizes.length ? sizes[i] : ParamInfoCheck.NO_PARAMETER;
  }

  @Test
  void agreementHasNoProblems() {
    assertEquals(
        List.of(), ParamInfoCheck.problems(new int[] {4, 4, 8, 8}, device(4, 4, 8, 8), "S.saxpy"));
    assertEquals(List.of(), ParamInfoCheck.problems(new int[0], device(), "S.empty"));
  }

  @Test
  void sizeDifferencesNameTheMethodAndParameter() {
    List<String> p =
        ParamInfoCheck.problems(
            new int[] {4, 8, 8}, device(4, 4, 8), "com.acme.Saxpy.saxpy (saxpy)");
    assertEquals(
        List.of(
            "com.acme.Saxpy.saxpy (saxpy): parameter 1 is 4 bytes in the loaded kernel but 8 bytes in the Java method"),
        p);
  }

  @Test
  void countDifferencesInBothDirections() {
    List<String> fewer = ParamInfoCheck.problems(new int[] {4, 4, 8}, device(4, 4), "S.f");
    assertEquals(
        "S.f: the loaded kernel takes 2 parameters, the Java method declares 3", fewer.get(0));
    List<String> more = ParamInfoCheck.problems(new int[] {4}, device(4, 4, 4, 4), "S.f");
    assertTrue(
        more.get(0).contains("takes more than 1 parameters, the Java method declares 1"),
        more.toString());
  }
}
