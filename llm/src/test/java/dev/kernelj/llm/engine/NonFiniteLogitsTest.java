package dev.kernelj.llm.engine;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link NonFiniteScenarios} on the reference backend. */
class NonFiniteLogitsTest {
  @TempDir Path dir;

  private static EngineOptions cpu() {
    return EngineOptions.defaults().withDevice(Device.CPU).withMaxContext(64);
  }

  @Test
  void aPoisonedLayerStopsAfterThePrompt() throws Exception {
    NonFiniteScenarios.poisonedLayerStopsAfterThePrompt(dir, cpu());
  }

  @Test
  void aPoisonedTokenStopsAtTheFirstDecodeStep() throws Exception {
    NonFiniteScenarios.poisonedTokenStopsAtTheFirstDecodeStep(dir, cpu());
  }

  @Test
  void aTinyTemperatureSamplesLikeGreedy() throws Exception {
    NonFiniteScenarios.tinyTemperatureSamplesLikeGreedy(dir, cpu());
  }
}
