package dev.kernelj.llm.engine;

import dev.kernelj.llm.model.LlamaModel;
import dev.kernelj.llm.model.PagedKvCache;
import dev.kernelj.llm.model.StepBuffers;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Runs decode steps per batch-size bucket (1, 2, 4, 8, ... up to the engine's max batch). Each
 * bucket has its own fixed {@link StepBuffers}; on CUDA its step runs eagerly once (which loads
 * kernels and tables), is then captured as a CUDA graph, and is replayed from then on: the host
 * only writes the step inputs and launches one graph.
 */
final class DecodeRunner implements AutoCloseable {
    private final LlamaModel model;
    private final PagedKvCache cache;
    private final int maxBatch;
    private final int maxBlocksPerSequence;
    private final boolean useGraphs;
    private final Map<Integer, Bucket> buckets = new TreeMap<>();

    private static final class Bucket {
        final StepBuffers buffers;
        int eagerRuns;
        Optional<CudaBridge.Graph> graph = Optional.empty();
        boolean captureTried;

        Bucket(StepBuffers buffers) {
            this.buffers = buffers;
        }
    }

    DecodeRunner(LlamaModel model, PagedKvCache cache, int maxBatch, int maxBlocksPerSequence, boolean useGraphs) {
        this.model = model;
        this.cache = cache;
        this.maxBatch = maxBatch;
        this.maxBlocksPerSequence = maxBlocksPerSequence;
        this.useGraphs = useGraphs && CudaBridge.isCuda(model.ops());
    }

    /** The smallest bucket that holds {@code sequences} rows. */
    int bucketFor(int sequences) {
        if (sequences < 1 || sequences > maxBatch) {
            throw new IllegalArgumentException(sequences + " sequences for a decode step; 1 to " + maxBatch + " allowed");
        }
        int b = 1;
        while (b < sequences) {
            b *= 2;
        }
        return Math.min(b, maxBatch);
    }

    /** The buffers of {@code bucket}, allocated at first use; write the step inputs into them. */
    StepBuffers buffers(int bucket) {
        return bucketOf(bucket).buffers;
    }

    /** Queues the decode step of {@code bucket} (graph replay once captured). */
    void step(int bucket) {
        Bucket b = bucketOf(bucket);
        if (b.graph.isPresent()) {
            b.graph.get().replay();
            return;
        }
        model.decode(b.buffers, cache);
        b.eagerRuns++;
    }

    /**
     * Called once the outputs of a step have been read: captures the bucket's graph after its first
     * eager run (capture only records; it runs nothing, so buffers and cache are untouched).
     */
    void afterStep(int bucket) {
        Bucket b = bucketOf(bucket);
        if (useGraphs && !b.captureTried && b.eagerRuns > 0) {
            b.captureTried = true;
            b.graph = CudaBridge.capture(model.ops(), () -> model.decode(b.buffers, cache));
        }
    }

    /** Whether {@code bucket} replays a captured graph. */
    boolean replaysGraph(int bucket) {
        Bucket b = buckets.get(bucket);
        return b != null && b.graph.isPresent();
    }

    private Bucket bucketOf(int bucket) {
        return buckets.computeIfAbsent(bucket,
                n -> new Bucket(StepBuffers.forDecode(model.ops(), model.config(), model.activation(), n, maxBlocksPerSequence)));
    }

    @Override
    public void close() {
        for (Bucket b : buckets.values()) {
            b.graph.ifPresent(CudaBridge.Graph::close);
            b.buffers.close();
        }
        buckets.clear();
    }
}
