package dev.kernelj.llm.engine;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.quant.GptqZeroFormat;
import dev.kernelj.llm.quant.ModuleOverride;
import dev.kernelj.llm.quant.QuantMethod;
import dev.kernelj.llm.quant.QuantizationConfig;
import dev.kernelj.ops.Capabilities;
import dev.kernelj.ops.DTypes;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The quantized half of {@link BackendSupport}: a backend's capabilities, not its name, decide
 * whether it runs a checkpoint's quantized layers, before a weight loads.
 */
class BackendSupportTest {
  /** What the CUDA backend declares: 4- and 8-bit codes with f16 or bf16 activations. */
  private static final Capabilities HALF_ONLY =
      new Capabilities(
          "CUDA",
          true,
          true,
          DType.BF16,
          Set.of(DType.BF16),
          Set.of(64, 128),
          DTypes.FLOATING,
          Set.of(4, 8),
          Set.of(DType.F16, DType.BF16),
          8,
          false);

  /** A backend with 4-bit kernels only. */
  private static final Capabilities FOUR_BIT_ONLY =
      new Capabilities(
          "test",
          false,
          false,
          DType.F32,
          DTypes.FLOATING,
          Set.of(),
          DTypes.FLOATING,
          Set.of(4),
          DTypes.FLOATING,
          0,
          false);

  private static QuantizationConfig gptq(int bits, List<ModuleOverride> overrides) {
    return new QuantizationConfig(
        Path.of("m", "config.json"),
        QuantMethod.GPTQ,
        bits,
        128,
        false,
        true,
        GptqZeroFormat.EXACT,
        List.of(),
        overrides);
  }

  @Test
  void aQuantizedModelRunsWhereTheCapabilitiesCoverIt() {
    BackendSupport.checkQuantized(null, DType.F32, FOUR_BIT_ONLY);
    BackendSupport.checkQuantized(gptq(4, List.of()), DType.BF16, HALF_ONLY);
    BackendSupport.checkQuantized(gptq(8, List.of()), DType.F16, HALF_ONLY);
    BackendSupport.checkQuantized(gptq(4, List.of()), DType.F32, FOUR_BIT_ONLY);
  }

  @Test
  void activationsTheQuantizedKernelsDoNotTakeAreRefused() {
    EngineException e =
        assertThrows(
            EngineException.class,
            () -> BackendSupport.checkQuantized(gptq(4, List.of()), DType.F32, HALF_ONLY));
    assertTrue(e.getMessage().contains("bf16 or f16 activations"), e.getMessage());
    assertTrue(e.getMessage().contains("4-bit weights with f32"), e.getMessage());
  }

  @Test
  void aDynamicOverrideWithBitsTheBackendLacksIsRefusedUnlessItExcludes() {
    ModuleOverride eightBitDown = new ModuleOverride(Pattern.compile(".*down_proj"), false, 8, 0);
    ModuleOverride excluded = new ModuleOverride(Pattern.compile(".*lm_head"), true, 8, 0);
    BackendSupport.checkQuantized(gptq(4, List.of(excluded)), DType.F32, FOUR_BIT_ONLY);
    EngineException e =
        assertThrows(
            EngineException.class,
            () ->
                BackendSupport.checkQuantized(
                    gptq(4, List.of(eightBitDown)), DType.F32, FOUR_BIT_ONLY));
    assertTrue(e.getMessage().contains("runs 4-bit quantized weights"), e.getMessage());
    assertTrue(e.getMessage().contains("config.json asks for 8-bit"), e.getMessage());
  }
}
