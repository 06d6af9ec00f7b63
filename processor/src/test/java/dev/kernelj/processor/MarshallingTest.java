package dev.kernelj.processor;

import static com.google.common.truth.Truth.assertThat;
import static dev.kernelj.processor.Compilations.compile;
import static dev.kernelj.processor.Compilations.source;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.CompilationSubject;
import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.runtime.kernel.KernelBinding;
import dev.kernelj.runtime.kernel.KernelModuleLoader;
import dev.kernelj.runtime.kernel.KernelSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs a generated launcher against a fake loader and checks the exact argument bytes it writes:
 * every scalar kind at its aligned offset, pointers as addresses, and the launch passed through.
 */
class MarshallingTest {
  private static final String CUDA =
      """
      #include <cstdint>
      extern "C" __global__ void scalars(int8_t i8, uint8_t u8, short i16, unsigned short u16, bool flag,
          int i32, unsigned int u32, long long i64, size_t u64, float f32, double f64, __nv_bfloat16* out) {}
      template <typename T> __global__ void scale(T* x, T a, int n) {}
      """;

  private static Class<?> kernelInterface;
  private static Class<?> launcherClass;

  @BeforeAll
  static void compileKernel() throws Exception {
    Compilation compilation =
        compile(
            source(
                "test.Marshal",
                "package test;",
                "import dev.kernelj.dsl.*;",
                "@Kernel(source = \"\"\"",
                CUDA.lines().map(l -> "    " + l).reduce((a, b) -> a + "\n" + b).orElseThrow(),
                "    \"\"\")",
                "public interface Marshal {",
                "  void scalars(Launch launch, byte i8, @Unsigned byte u8, short i16, @Unsigned short u16, boolean flag,",
                "      int i32, @Unsigned int u32, long i64, @Unsigned long u64, float f32, double f64, Ptr<BF16> out);",
                "  @Global(\"scale<float>\") void scale(Launch launch, Ptr<F32> x, float a, int n);",
                "}"));
    CompilationSubject.assertThat(compilation).succeededWithoutWarnings();
    ClassLoader loader = new CompiledClassLoader(compilation);
    kernelInterface = loader.loadClass("test.Marshal");
    launcherClass = loader.loadClass("test.MarshalLauncher");
  }

  private static Object load(RecordingModuleLoader loader) throws Exception {
    Object kernels = launcherClass.getMethod("load", KernelModuleLoader.class).invoke(null, loader);
    assertThat(kernelInterface.isInstance(kernels)).isTrue();
    return kernels;
  }

  private static Method kernelMethod(String name) {
    for (Method m : kernelInterface.getMethods()) {
      if (m.getName().equals(name)) {
        return m;
      }
    }
    throw new AssertionError("no method " + name);
  }

  @Test
  void sourceConstantDescribesTheInterface() throws Exception {
    KernelSource source = (KernelSource) launcherClass.getField("SOURCE").get(null);
    assertThat(source.owner()).isSameInstanceAs(kernelInterface);
    assertThat(source.cudaSource()).isEqualTo(CUDA);
    String sha =
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256").digest(CUDA.getBytes(StandardCharsets.UTF_8)));
    assertThat(source.sha256()).isEqualTo(sha);
    assertThat(source.options()).isEmpty();
    List<KernelBinding> bindings = source.bindings();
    assertThat(bindings).hasSize(2);
    assertThat(bindings.get(0).nameExpression()).isEqualTo("scalars");
    assertThat(bindings.get(0).paramSizes())
        .asList()
        .containsExactly(1, 1, 2, 2, 1, 4, 4, 8, 8, 4, 8, 8)
        .inOrder();
    assertThat(bindings.get(1).methodName()).isEqualTo("scale");
    assertThat(bindings.get(1).nameExpression()).isEqualTo("scale<float>");
    assertThat(bindings.get(1).paramSizes()).asList().containsExactly(8, 4, 4).inOrder();
  }

  @Test
  void everyScalarKindLandsAtItsOffset() throws Exception {
    RecordingModuleLoader loader = new RecordingModuleLoader();
    Object kernels = load(loader);
    Launch launch = Launch.grid(3).block(128);
    Ptr<BF16> out = Ptr.ofAddress(0x7f00_1234_5678L, BF16.class);
    kernelMethod("scalars")
        .invoke(
            kernels,
            launch,
            (byte) -2,
            (byte) 0xF0,
            (short) -3,
            (short) 0xFFFE,
            true,
            -4,
            0xFFFF_FFF0,
            -5L,
            0xFFFF_FFFF_FFFF_FFF0L,
            1.5f,
            -2.25,
            out);

    assertThat(loader.loaded).hasSize(1);
    assertThat(loader.launches).hasSize(1);
    RecordingModuleLoader.Launched launched = loader.launches.get(0);
    assertThat(launched.bindingIndex()).isEqualTo(0);
    assertThat(launched.launch()).isSameInstanceAs(launch);

    ByteBuffer expected = ByteBuffer.allocate(56).order(ByteOrder.nativeOrder());
    expected
        .put(0, (byte) -2)
        .put(1, (byte) 0xF0)
        .putShort(2, (short) -3)
        .putShort(4, (short) 0xFFFE)
        .put(6, (byte) 1)
        .putInt(8, -4)
        .putInt(12, 0xFFFF_FFF0)
        .putLong(16, -5L)
        .putLong(24, 0xFFFF_FFFF_FFFF_FFF0L)
        .putFloat(32, 1.5f)
        .putDouble(40, -2.25)
        .putLong(48, 0x7f00_1234_5678L);
    assertThat(launched.arguments()).isEqualTo(expected.array());
  }

  @Test
  void secondBindingUsesItsOwnFunctionAndLayout() throws Exception {
    RecordingModuleLoader loader = new RecordingModuleLoader();
    Object kernels = load(loader);
    kernelMethod("scale")
        .invoke(kernels, Launch.grid(1), Ptr.ofAddress(0x1000L, F32.class), 0.5f, 77);
    kernelMethod("scale").invoke(kernels, Launch.grid(1), Ptr.ofAddress(0x2000L, F32.class), 3f, 5);

    assertThat(loader.launches).hasSize(2);
    ByteBuffer expected = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
    expected.putLong(0, 0x2000L).putFloat(8, 3f).putInt(12, 5);
    RecordingModuleLoader.Launched last = loader.launches.get(1);
    assertThat(last.bindingIndex()).isEqualTo(1);
    assertThat(last.arguments()).isEqualTo(expected.array());
  }

  @Test
  void nullPointerArgumentIsRejectedByName() throws Exception {
    RecordingModuleLoader loader = new RecordingModuleLoader();
    Object kernels = load(loader);
    InvocationTargetException thrown =
        assertThrows(
            InvocationTargetException.class,
            () -> kernelMethod("scale").invoke(kernels, Launch.grid(1), null, 1f, 1));
    assertThat(thrown.getCause()).isInstanceOf(NullPointerException.class);
    assertThat(thrown.getCause()).hasMessageThat().isEqualTo("kernel argument 'x' is null");
    assertThat(loader.launches).isEmpty();
  }
}
