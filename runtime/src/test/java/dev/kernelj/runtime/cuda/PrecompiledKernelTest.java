package dev.kernelj.runtime.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.runtime.kernel.KernelBinding;
import dev.kernelj.runtime.kernel.KernelSource;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrecompiledKernelTest {
  interface NoResources {}

  static KernelSource source(Class<?> owner, String text, String... nameExpressions) {
    List<KernelBinding> bindings =
        java.util.Arrays.stream(nameExpressions)
            .map(n -> new KernelBinding("m_" + n.length(), n, new int[] {8}, 0, 0))
            .toList();
    return new KernelSource(owner, text, PrecompiledKernel.sha256(text), List.of(), bindings);
  }

  @Test
  void aMatchingBinaryIsUsableWithTheLoweredNameOfEveryBinding() {
    PrecompiledKernel.Lookup found =
        PrecompiledKernel.find(
            source(PrecompiledOwner.class, PrecompiledOwner.SOURCE, "k", "reduce<float, 256>"));
    PrecompiledKernel.Usable u = assertInstance(PrecompiledKernel.Usable.class, found);
    assertArrayEquals("FAKEFATBIN".getBytes(StandardCharsets.US_ASCII), u.fatbin());
    assertEquals("k", u.loweredNames().get("k"));
    assertEquals("_Z6reduceIfLi256EEvPT_", u.loweredNames().get("reduce<float, 256>"));
    assertEquals("sm_80,sm_90,compute_90", u.archs());
  }

  @Test
  void whiteSpaceInNameExpressionsDoesNotMatter() {
    PrecompiledKernel.Lookup found =
        PrecompiledKernel.find(
            source(PrecompiledOwner.class, PrecompiledOwner.SOURCE, "reduce< float,256 >"));
    assertInstance(PrecompiledKernel.Usable.class, found);
  }

  @Test
  void noResourcesMeansSkippedWithTheResourceName() {
    PrecompiledKernel.Skipped s =
        assertInstance(
            PrecompiledKernel.Skipped.class,
            PrecompiledKernel.find(source(NoResources.class, PrecompiledOwner.SOURCE, "k")));
    assertTrue(s.reason().contains("PrecompiledKernelTest$NoResources.kernelj.fatbin"), s.reason());
  }

  @Test
  void aBinaryOfOtherSourceIsSkipped() {
    PrecompiledKernel.Skipped s =
        assertInstance(
            PrecompiledKernel.Skipped.class,
            PrecompiledKernel.find(
                source(PrecompiledOwner.class, PrecompiledOwner.SOURCE + "// edited\n", "k")));
    assertTrue(s.reason().contains("built from other source"), s.reason());
  }

  @Test
  void aBindingWithoutLoweredNameIsSkipped() {
    PrecompiledKernel.Skipped s =
        assertInstance(
            PrecompiledKernel.Skipped.class,
            PrecompiledKernel.find(
                source(
                    PrecompiledOwner.class, PrecompiledOwner.SOURCE, "k", "reduce<double, 128>")));
    assertTrue(s.reason().contains("'reduce<double, 128>'"), s.reason());
  }

  @Test
  void baseNameKeepsNestingButDropsThePackage() {
    assertEquals(
        "PrecompiledKernelTest$NoResources", PrecompiledKernel.baseName(NoResources.class));
    assertEquals("PrecompiledOwner", PrecompiledKernel.baseName(PrecompiledOwner.class));
  }

  private static <T> T assertInstance(Class<T> type, Object o) {
    assertTrue(type.isInstance(o), "expected " + type.getSimpleName() + " but got " + o);
    return type.cast(o);
  }
}
