package dev.kernelj.llm.engine;

import dev.kernelj.llm.model.LlamaModel;
import dev.kernelj.llm.model.PagedKvCache;
import dev.kernelj.llm.model.StepBuffers;
import dev.kernelj.ops.CapturedGraph;
import dev.kernelj.ops.TokenSampler;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Runs decode steps per batch-size bucket (1, 2, 4, 8, ... up to the engine's max batch). A step is
 * the whole way from token ids to sampled ids: embedding, layers, LM head, then the {@link
 * TokenSampler}. Each bucket has its own fixed {@link StepBuffers}; where the backend captures
 * graphs, its step runs eagerly once (which loads kernels and sizes the backend's scratch), is then
 * captured, and is replayed from then on: the host only queues the copies of the step inputs and
 * launches one graph. Each sampler {@link TokenSampler.Pass} of a bucket is captured separately
 * (penalties and logprobs add kernels).
 */
final class DecodeRunner implements AutoCloseable {
  private final LlamaModel model;
  private final PagedKvCache cache;
  private final TokenSampler sampler;
  private final int maxBatch;
  private final int maxBlocksPerSequence;
  private final boolean useGraphs;
  private final Map<Integer, Bucket> buckets = new TreeMap<>();

  /** One captured variant of a bucket's step. */
  private static final class Variant {
    int eagerRuns;
    boolean captureTried;
    Optional<CapturedGraph> graph = Optional.empty();
  }

  private static final class Bucket {
    final StepBuffers buffers;
    final Map<TokenSampler.Pass, Variant> variants = new EnumMap<>(TokenSampler.Pass.class);

    Bucket(StepBuffers buffers) {
      this.buffers = buffers;
    }

    Variant variant(TokenSampler.Pass pass) {
      return variants.computeIfAbsent(pass, p -> new Variant());
    }
  }

  DecodeRunner(
      LlamaModel model,
      PagedKvCache cache,
      TokenSampler sampler,
      int maxBatch,
      int maxBlocksPerSequence,
      boolean useGraphs) {
    this.model = model;
    this.cache = cache;
    this.sampler = sampler;
    this.maxBatch = maxBatch;
    this.maxBlocksPerSequence = maxBlocksPerSequence;
    this.useGraphs = useGraphs && model.ops().capabilities().graphs();
  }

  /** The smallest bucket that holds {@code sequences} rows. */
  int bucketFor(int sequences) {
    if (sequences < 1 || sequences > maxBatch) {
      throw new IllegalArgumentException(
          sequences + " sequences for a decode step; 1 to " + maxBatch + " allowed");
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

  /**
   * Queues the decode step of {@code bucket} (graph replay once captured): the model writes the
   * bucket's logits, the sampler its outputs. The sampler must have been prepared for {@code
   * bucket} rows, which gave {@code pass}.
   */
  void step(int bucket, TokenSampler.Pass pass) {
    Bucket b = bucketOf(bucket);
    Variant v = b.variant(pass);
    if (v.graph.isPresent()) {
      v.graph.get().replay();
      return;
    }
    queueStep(b, pass);
    v.eagerRuns++;
  }

  private void queueStep(Bucket b, TokenSampler.Pass pass) {
    model.decode(b.buffers, cache);
    sampler.launch(b.buffers.logits, pass);
  }

  /**
   * Called once the outputs of a step have been read: captures the variant's graph after its first
   * eager run (capture only records; it runs nothing, so buffers and cache are untouched).
   */
  void afterStep(int bucket, TokenSampler.Pass pass) {
    Bucket b = bucketOf(bucket);
    Variant v = b.variant(pass);
    if (useGraphs && !v.captureTried && v.eagerRuns > 0) {
      v.captureTried = true;
      v.graph = model.ops().captureGraph(() -> queueStep(b, pass));
    }
  }

  private Bucket bucketOf(int bucket) {
    return buckets.computeIfAbsent(
        bucket,
        n ->
            new Bucket(
                StepBuffers.forDecode(
                    model.ops(), model.config(), model.activation(), n, maxBlocksPerSequence)));
  }

  @Override
  public void close() {
    for (Bucket b : buckets.values()) {
      b.variants.values().forEach(v -> v.graph.ifPresent(CapturedGraph::close));
      b.buffers.close();
    }
    buckets.clear();
  }
}
