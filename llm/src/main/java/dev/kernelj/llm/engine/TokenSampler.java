package dev.kernelj.llm.engine;

import dev.kernelj.ops.Tensor;
import java.util.List;

/**
 * Draws the next token of each row of a step's logits on the backend that computed them, so that a
 * decode step reads back only the sampled ids, never the logits. Split in two so that a decode step
 * can be a CUDA graph: {@link #prepare} writes the per-row settings into fixed inputs (queued
 * copies, before a replay), {@link #launch} queues the sampling itself (captured in the graph).
 * Both backends give the same token for the same logits and rows (the ops' Philox sampler and its
 * Java twin); greedy rows take the argmax, the lowest id on ties.
 */
interface TokenSampler extends AutoCloseable {
  /**
   * Sets the rows of the next {@link #launch}: {@code rows} first, then greedy padding up to {@code
   * rowCount}.
   *
   * @return whether any row is penalized; pass it to {@link #launch} (a graph is captured per
   *     value)
   */
  boolean prepare(List<SampleRow> rows, int rowCount);

  /**
   * Queues sampling of F32 {@code logits [rowCount, vocab]} (contiguous) with the prepared rows
   * into {@link #sampled()}; the logits stay as they are.
   */
  void launch(Tensor logits, boolean penalized);

  /** I32 {@code [capacity]}: row {@code r}'s token after a launch. */
  Tensor sampled();

  @Override
  void close();
}
