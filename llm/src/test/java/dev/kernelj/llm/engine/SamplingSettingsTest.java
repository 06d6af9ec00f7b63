package dev.kernelj.llm.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kernelj.ops.SampleRow;
import org.junit.jupiter.api.Test;

/** Sampling settings as the ops' sampler takes them, per sequence. */
class SamplingSettingsTest {
  @Test
  void settingsMapToTheOpsParameters() {
    var p = new SamplingSettings(0.7, 40, 0.9, 0.05, 1.3, 5).toParams();
    assertEquals(0.7f, p.temperature());
    assertEquals(40, p.topK());
    assertEquals(0.9f, p.topP());
    assertEquals(0.05f, p.minP());
    assertEquals(1.3f, p.repetitionPenalty());
    assertEquals(
        0f,
        SamplingSettings.greedy().withTemperature(-1).toParams().temperature(),
        "temperature <= 0 is greedy");
    assertThrows(EngineException.class, () -> SamplingSettings.greedy().withMinP(1));
  }

  @Test
  void aSequenceRowCarriesItsSeedItsStepAndItsHistoryOnlyWhenItPenalizes() {
    var plain =
        new GenerationRequest(new int[] {4, 5}, SamplingSettings.greedy().withSeed(9), stop(8));
    SequenceState s = new SequenceState(0, plain, null, null);
    s.accept(7);
    SampleRow row = s.samplingRow();
    assertEquals(9, row.seed());
    assertEquals(1, row.step(), "one token generated: the random counter");
    assertEquals(0, row.historyLength());

    var penalized =
        new GenerationRequest(
            new int[] {4, 5}, SamplingSettings.greedy().withRepetitionPenalty(1.2), stop(8));
    SequenceState t = new SequenceState(0, penalized, null, null);
    t.accept(7);
    SampleRow r = t.samplingRow();
    assertEquals(3, r.historyLength());
    assertEquals(7, r.history()[2], "prompt, then the generated tokens");
  }

  private static StopConditions stop(int maxTokens) {
    return new StopConditions(maxTokens, java.util.Set.of(), java.util.List.of());
  }
}
