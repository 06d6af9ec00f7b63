package dev.kernelj.processor;

import static com.google.common.truth.Truth.assertThat;
import static dev.kernelj.processor.Compilations.compile;
import static dev.kernelj.processor.Compilations.source;
import static dev.kernelj.processor.GoldenFiles.assertLauncherMatches;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Generated launchers compared exactly with golden files; the compilation also proves they compile.
 */
class GoldenLauncherTest {
  @Test
  void saxpy() {
    assertLauncherMatches(
        compile(
            source(
                "test.Saxpy",
                "package test;",
                "import dev.kernelj.dsl.*;",
                "@Kernel(source = \"\"\"",
                "    extern \"C\" __global__ void saxpy(int n, float a, const float* __restrict__ x, float* __restrict__ y) {",
                "      int i = blockIdx.x * blockDim.x + threadIdx.x;",
                "      if (i < n) y[i] = a * x[i] + y[i];",
                "    }",
                "    \"\"\")",
                "interface Saxpy {",
                "  void saxpy(Launch launch, int n, float a, ConstPtr<F32> x, Ptr<F32> y);",
                "}")),
        "test.SaxpyLauncher");
  }

  @Test
  void templatedKernelsWithConstraintsAndOptions() {
    assertLauncherMatches(
        compile(
            source(
                "test.Templates",
                "package test;",
                "import dev.kernelj.dsl.*;",
                "@Kernel(options = {\"-use_fast_math\", \"--std=c++17\"}, source = \"\"\"",
                "    template <typename T>",
                "    __global__ void scale(T* x, T a, int n) {",
                "      int i = blockIdx.x * blockDim.x + threadIdx.x;",
                "      if (i < n) x[i] *= a;",
                "    }",
                "",
                "    template <typename T, int BLOCK>",
                "    __global__ void __launch_bounds__(BLOCK) blockSum(const T* in, T* out, int n) {",
                "      extern __shared__ unsigned char smem[];",
                "      T* partial = reinterpret_cast<T*>(smem);",
                "      int i = blockIdx.x * BLOCK + threadIdx.x;",
                "      partial[threadIdx.x] = i < n ? in[i] : T(0);",
                "      __syncthreads();",
                "      if (threadIdx.x == 0) {",
                "        T sum = 0;",
                "        for (int k = 0; k < BLOCK; k++) sum += partial[k];",
                "        out[blockIdx.x] = sum;",
                "      }",
                "    }",
                "    \"\"\")",
                "interface Templates {",
                "  @Global(\"scale<float>\") void scaleF32(Launch launch, Ptr<F32> x, float a, int n);",
                "  @Global(\"scale<double>\") void scaleF64(Launch launch, Ptr<F64> x, double a, int n);",
                "  @Global(value = \"blockSum<float, 256>\", maxThreadsPerBlock = 256, maxDynamicSharedBytes = 1024)",
                "  void blockSum(Launch launch, ConstPtr<F32> in, Ptr<F32> out, int n);",
                "}")),
        "test.TemplatesLauncher");
  }

  @Test
  void namespacedKernels() {
    assertLauncherMatches(
        compile(
            source(
                "test.Namespaced",
                "package test;",
                "import dev.kernelj.dsl.*;",
                "@Kernel(source = \"\"\"",
                "    #include <cuda_fp16.h>",
                "    namespace kj { namespace f32 {",
                "    __global__ void scale(float* x, float a, int n) {",
                "      int i = blockIdx.x * blockDim.x + threadIdx.x;",
                "      if (i < n) x[i] *= a;",
                "    }",
                "    } namespace f16 {",
                "    __global__ void scale(__half* x, float a, int n) {",
                "      int i = blockIdx.x * blockDim.x + threadIdx.x;",
                "      if (i < n) x[i] = __float2half(__half2float(x[i]) * a);",
                "    }",
                "    extern \"C\" __global__ void kj_zero(float* x, int n) {",
                "      int i = blockIdx.x * blockDim.x + threadIdx.x;",
                "      if (i < n) x[i] = 0.0f;",
                "    }",
                "    } }",
                "    \"\"\")",
                "interface Namespaced {",
                "  @Global(\"kj::f32::scale\") void scaleF32(Launch launch, Ptr<F32> x, float a, int n);",
                "  @Global(\"kj::f16::scale\") void scaleF16(Launch launch, Ptr<F16> x, float a, int n);",
                "  @Global(\"kj::f16::kj_zero\") void zero(Launch launch, Ptr<F32> x, int n);",
                "}")),
        "test.NamespacedLauncher");
  }

  @Test
  void macroDefinedKernelsWithDefines() {
    assertLauncherMatches(
        compile(
            source(
                "test.MacroDefined",
                "package test;",
                "import dev.kernelj.dsl.*;",
                "@Kernel(defines = {\"BLOCK=128\", \"WITH_F64\"}, source = \"\"\"",
                "    #define DEFINE_AXPY(SUFFIX, T)                                          \\\\",
                "      extern \"C\" __global__ void __launch_bounds__(BLOCK)                 \\\\",
                "      axpy_##SUFFIX(int n, T a, const T* __restrict__ x, T* __restrict__ y) { \\\\",
                "        int i = blockIdx.x * BLOCK + threadIdx.x;                         \\\\",
                "        if (i < n) y[i] = a * x[i] + y[i];                                \\\\",
                "      }",
                "    DEFINE_AXPY(f32, float)",
                "    #ifdef WITH_F64",
                "    DEFINE_AXPY(f64, double)",
                "    #endif",
                "    \"\"\")",
                "interface MacroDefined {",
                "  @Global(value = \"axpy_f32\", maxThreadsPerBlock = 128)",
                "  void axpyF32(Launch launch, int n, float a, ConstPtr<F32> x, Ptr<F32> y);",
                "  @Global(value = \"axpy_f64\", maxThreadsPerBlock = 128)",
                "  void axpyF64(Launch launch, int n, double a, ConstPtr<F64> x, Ptr<F64> y);",
                "}")),
        "test.MacroDefinedLauncher");
  }

  @Test
  void everyScalarKind() {
    assertLauncherMatches(
        compile(
            source(
                "test.Scalars",
                "package test;",
                "import dev.kernelj.dsl.*;",
                "@Kernel(source = \"\"\"",
                "    #include <cstdint>",
                "    extern \"C\" __global__ void scalars(int8_t i8, uint8_t u8, short i16, unsigned short u16, bool flag,",
                "        int i32, unsigned int u32, long long i64, size_t u64, float f32, double f64, __nv_bfloat16* out) {}",
                "    \"\"\")",
                "interface Scalars {",
                "  void scalars(Launch launch, byte i8, @Unsigned byte u8, short i16, @Unsigned short u16, boolean flag,",
                "      int i32, @Unsigned int u32, long i64, @Unsigned long u64, float f32, double f64, Ptr<BF16> out);",
                "}")),
        "test.ScalarsLauncher");
  }

  @Test
  void resourceFileKernel() {
    assertLauncherMatches(
        compile(
            source(
                "test.res.Relu",
                "package test.res;",
                "import dev.kernelj.dsl.*;",
                "@Kernel(resource = \"relu.cu\")",
                "public interface Relu {",
                "  void relu(Launch launch, long n, ConstPtr<F16> in, Ptr<F16> out);",
                "}")),
        "test.res.ReluLauncher");
  }

  @Test
  void nestedInterfaceWithNamesThatCollideWithGeneratedOnes() {
    // A parameter named like the function field and one named like the local parameter block.
    assertLauncherMatches(
        compile(
            source(
                "test.Outer",
                "package test;",
                "import dev.kernelj.dsl.*;",
                "public class Outer {",
                "  @Kernel(source = \"extern \\\"C\\\" __global__ void fill(float* fill, float args, int SOURCE) {}\")",
                "  public interface Inner {",
                "    void fill(Launch module, Ptr<F32> fill, float args, int SOURCE);",
                "  }",
                "}")),
        "test.Outer_InnerLauncher");
  }

  @Test
  void generationIsDeterministic() throws IOException {
    String first =
        launcherText(
            compile(
                source(
                    "test.D",
                    "package test;",
                    "import dev.kernelj.dsl.*;",
                    "@Kernel(source = \"extern \\\"C\\\" __global__ void f(int n, double* x) {}\")",
                    "interface D { void f(Launch launch, int n, Ptr<F64> x); }")));
    String second =
        launcherText(
            compile(
                source(
                    "test.D",
                    "package test;",
                    "import dev.kernelj.dsl.*;",
                    "@Kernel(source = \"extern \\\"C\\\" __global__ void f(int n, double* x) {}\")",
                    "interface D { void f(Launch launch, int n, Ptr<F64> x); }")));
    assertThat(second).isEqualTo(first);
    assertThat(first).doesNotContain("date");
  }

  private static String launcherText(Compilation compilation) throws IOException {
    return compilation
        .generatedSourceFile("test.DLauncher")
        .orElseThrow()
        .getCharContent(false)
        .toString();
  }
}
