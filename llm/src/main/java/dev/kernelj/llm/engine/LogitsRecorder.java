package dev.kernelj.llm.engine;

import dev.kernelj.llm.model.BlockTable;
import dev.kernelj.llm.model.PagedKvCache;
import java.util.List;

/** Runs a prompt and greedy decode steps, keeping every row of logits (for {@code kernelj logits} and parity checks). */
final class LogitsRecorder {
    private final Generator generator;
    private final PagedKvCache cache;
    private final int vocab;

    LogitsRecorder(Generator generator, PagedKvCache cache, int vocab) {
        this.generator = generator;
        this.cache = cache;
        this.vocab = vocab;
    }

    LogitsTrace record(GenerationRequest request, int steps) {
        int[] ids = request.promptIds();
        BlockTable table = cache.newSequence();
        try {
            table.reserve(ids.length + steps);
            SequenceState s = new SequenceState(0, request, table, vocab, null);
            float[] rows = new float[(ids.length + steps) * vocab];
            float[] prompt = generator.prefill(s, ids, true);
            System.arraycopy(prompt, 0, rows, 0, prompt.length);
            int[] greedy = new int[steps + 1];
            greedy[0] = HostSampler.argmax(rows, (ids.length - 1) * vocab, vocab);
            for (int step = 0; step < steps; step++) {
                s.accept(greedy[step]);
                float[] row = generator.decodeStep(List.of(s));
                System.arraycopy(row, 0, rows, (ids.length + step) * vocab, vocab);
                greedy[step + 1] = HostSampler.argmax(row, 0, vocab);
            }
            return new LogitsTrace(vocab, rows, greedy);
        } finally {
            table.release();
        }
    }
}
