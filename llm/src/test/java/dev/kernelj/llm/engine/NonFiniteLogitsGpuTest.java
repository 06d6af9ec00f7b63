package dev.kernelj.llm.engine;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.testing.Gpu;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link NonFiniteScenarios} on CUDA, eager and with CUDA graphs: the device sampler marks the row,
 * and the engine names the same step as on the CPU.
 */
@Tag("gpu")
class NonFiniteLogitsGpuTest {
  @TempDir Path dir;

  private static EngineOptions cuda(boolean graphs) {
    EngineOptions options =
        EngineOptions.defaults()
            .withDevice(Device.CUDA)
            .withActivation(DType.BF16)
            .withMaxContext(64)
            .withGpuMemoryUtilization(0.3)
            .withCudaGraphs(graphs);
    Gpu.assumeUsable();
    return options;
  }

  @ParameterizedTest(name = "graphs {0}")
  @ValueSource(booleans = {false, true})
  void aPoisonedLayerStopsAfterThePrompt(boolean graphs) throws Exception {
    NonFiniteScenarios.poisonedLayerStopsAfterThePrompt(dir, cuda(graphs));
  }

  @ParameterizedTest(name = "graphs {0}")
  @ValueSource(booleans = {false, true})
  void aPoisonedTokenStopsAtTheFirstDecodeStep(boolean graphs) throws Exception {
    NonFiniteScenarios.poisonedTokenStopsAtTheFirstDecodeStep(dir, cuda(graphs));
  }

  @ParameterizedTest(name = "graphs {0}")
  @ValueSource(booleans = {false, true})
  void aTinyTemperatureSamplesLikeGreedy(boolean graphs) throws Exception {
    NonFiniteScenarios.tinyTemperatureSamplesLikeGreedy(dir, cuda(graphs));
  }
}
