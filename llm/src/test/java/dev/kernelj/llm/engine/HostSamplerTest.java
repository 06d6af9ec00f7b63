package dev.kernelj.llm.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Sampling filters and penalties on hand-made logits. */
class HostSamplerTest {
    private static final float[] LOGITS = {2.0f, 1.0f, 0.5f, 3.0f, -1.0f, 2.9f};

    static Map<Integer, Integer> histogram(SamplingSettings s, int draws) {
        HostSampler sampler = new HostSampler(s, LOGITS.length);
        Map<Integer, Integer> counts = new HashMap<>();
        for (int i = 0; i < draws; i++) {
            counts.merge(sampler.next(LOGITS, 0), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void greedyTakesTheArgmaxAndTheLowestIdOnTies() {
        assertEquals(3, new HostSampler(SamplingSettings.greedy(), 6).next(LOGITS, 0));
        assertEquals(1, HostSampler.argmax(new float[] {0, 5, 5}, 0, 3));
    }

    @Test
    void topKKeepsOnlyTheKMostLikely() {
        assertEquals(java.util.Set.of(3, 5), histogram(SamplingSettings.greedy().withTemperature(1).withTopK(2), 2000).keySet());
        assertEquals(java.util.Set.of(3, 5, 0), histogram(SamplingSettings.greedy().withTemperature(1).withTopK(3), 2000).keySet());
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // p(3) = 0.399, p(5) = 0.361, p(0) = 0.147, p(1) = 0.054 ...: top-p 0.75 keeps {3, 5}, 0.8 adds 0.
        assertEquals(java.util.Set.of(3, 5), histogram(SamplingSettings.greedy().withTemperature(1).withTopP(0.75), 3000).keySet());
        assertEquals(java.util.Set.of(3, 5, 0), histogram(SamplingSettings.greedy().withTemperature(1).withTopP(0.8), 3000).keySet());
        // After top-k 2 only {3, 5} remain (renormalized: 0.525, 0.475): top-p 0.5 keeps just 3.
        assertEquals(java.util.Set.of(3), histogram(SamplingSettings.greedy().withTemperature(1).withTopK(2).withTopP(0.5), 3000).keySet());
    }

    @Test
    void minPDropsTokensFarBelowTheBest() {
        // p(x) / p(3) = e^(l - 3): 0.905 for 5, 0.37 for 0, 0.135 for 1.
        assertEquals(java.util.Set.of(3, 5, 0), histogram(SamplingSettings.greedy().withTemperature(1).withMinP(0.3), 3000).keySet());
    }

    @Test
    void frequenciesFollowTheSoftmax() {
        Map<Integer, Integer> h = histogram(SamplingSettings.greedy().withTemperature(1).withSeed(77), 20000);
        double z = 0;
        for (float l : LOGITS) {
            z += Math.exp(l);
        }
        for (int i = 0; i < LOGITS.length; i++) {
            double expected = Math.exp(LOGITS[i]) / z;
            double seen = h.getOrDefault(i, 0) / 20000.0;
            assertTrue(Math.abs(seen - expected) < 0.015, "token " + i + ": " + seen + " vs " + expected);
        }
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        HostSampler sampler = new HostSampler(SamplingSettings.greedy().withRepetitionPenalty(2), 6);
        sampler.observe(3);
        assertEquals(5, sampler.next(LOGITS, 0)); // 3.0 / 2 = 1.5 < 2.9
        sampler.observe(5);
        assertEquals(0, sampler.next(LOGITS, 0)); // 2.9 / 2 = 1.45 < 2.0
    }
}
