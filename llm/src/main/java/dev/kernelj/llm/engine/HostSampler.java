package dev.kernelj.llm.engine;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks tokens from host logits, one sequence at a time, with {@link SamplingSettings}. Each
 * sequence owns one sampler: its random stream starts at the settings' seed, so a run is
 * reproducible. Not thread-safe.
 */
public final class HostSampler {
    private final SamplingSettings settings;
    private final SplittableRandom random;
    private final boolean[] seen;

    /** @param vocab logits per row */
    public HostSampler(SamplingSettings settings, int vocab) {
        this.settings = settings;
        this.random = new SplittableRandom(settings.seed());
        this.seen = new boolean[vocab];
    }

    /** Marks tokens as seen, for the repetition penalty (the prompt, then every generated token). */
    public void observe(int... tokens) {
        for (int t : tokens) {
            if (t >= 0 && t < seen.length) {
                seen[t] = true;
            }
        }
    }

    /** The next token from {@code logits[from, from + vocab)}; the array is not modified. */
    public int next(float[] logits, int from) {
        int vocab = seen.length;
        double[] z = new double[vocab];
        double penalty = settings.repetitionPenalty();
        for (int i = 0; i < vocab; i++) {
            double l = logits[from + i];
            if (penalty != 1 && seen[i]) {
                l = l > 0 ? l / penalty : l * penalty;
            }
            z[i] = l;
        }
        if (settings.isGreedy()) {
            return argmax(z);
        }
        return draw(z);
    }

    /** Index of the largest value; the lowest index on ties; NaN never wins. */
    public static int argmax(double[] z) {
        int best = 0;
        for (int i = 1; i < z.length; i++) {
            if (z[i] > z[best] || Double.isNaN(z[best])) {
                best = i;
            }
        }
        return best;
    }

    /** Index of the largest value of {@code row[from, from + n)}; the lowest index on ties. */
    public static int argmax(float[] row, int from, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (row[from + i] > row[from + best] || Float.isNaN(row[from + best])) {
                best = i;
            }
        }
        return best;
    }

    private int draw(double[] z) {
        int vocab = z.length;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double[] p = new double[vocab];
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            p[i] = Math.exp((z[i] - max) / settings.temperature());
            sum += p[i];
        }
        for (int i = 0; i < vocab; i++) {
            p[i] /= sum;
        }
        // Candidates by probability, most likely first (ties: lower id first), as one sort of packed keys.
        int[] ids = sortedByProbability(p);
        int keep = vocab;
        if (settings.topK() > 0) {
            keep = Math.min(keep, settings.topK());
        }
        if (settings.topP() < 1) {
            double mass = 0;
            double keptMass = 0;
            for (int i = 0; i < keep; i++) {
                keptMass += p[ids[i]];
            }
            for (int i = 0; i < keep; i++) {
                mass += p[ids[i]];
                // HF renormalizes after top-k, so top-p is measured against what top-k kept.
                if (mass / keptMass >= settings.topP()) {
                    keep = i + 1;
                    break;
                }
            }
        }
        if (settings.minP() > 0) {
            double floor = settings.minP() * p[ids[0]];
            int k = 1;
            while (k < keep && p[ids[k]] >= floor) {
                k++;
            }
            keep = k;
        }
        double total = 0;
        for (int i = 0; i < keep; i++) {
            total += p[ids[i]];
        }
        double u = random.nextDouble() * total;
        double run = 0;
        for (int i = 0; i < keep; i++) {
            run += p[ids[i]];
            if (u < run) {
                return ids[i];
            }
        }
        return ids[keep - 1];
    }

    /** Token ids ordered by falling probability, lower id first among equals. */
    private static int[] sortedByProbability(double[] p) {
        long[] keys = new long[p.length];
        for (int i = 0; i < p.length; i++) {
            // Probabilities are >= 0, so their float bits order like the values; invert for descending order.
            long bits = Float.floatToIntBits((float) p[i]) & 0xffffffffL;
            keys[i] = ((0xffffffffL - bits) << 32) | i;
        }
        Arrays.sort(keys);
        int[] ids = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            ids[i] = (int) (keys[i] & 0xffffffffL);
        }
        return ids;
    }
}
