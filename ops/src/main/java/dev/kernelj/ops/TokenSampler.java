package dev.kernelj.ops;

import dev.kernelj.ops.kernels.sampling.SamplingRows;
import java.util.List;

/**
 * Draws the next token of each row of a step's logits on the backend that computed them, so that a
 * step reads back only the sampled ids (and logprobs where asked), never the logits. Made by {@link
 * Ops#tokenSampler}.
 *
 * <p>Split in two so that a step can be a captured graph: {@link #prepare} writes every row's
 * settings, seed, step and history into fixed tensors through {@link StepIo} (queued copies, before
 * a replay), {@link #launch} queues the kernels that read them (captured once per {@link Pass}).
 * Rows are independent: a batch may mix greedy and sampled rows, penalties, seeds, steps and
 * logprob counts, and row {@code r} gets the token it would get alone. Both backends give the same
 * token for the same logits and rows (the ops' Philox sampler and its Java twin); greedy rows take
 * the argmax, the lowest id on ties. Logprobs are the raw log-softmax of the logits (before
 * penalties and temperature), as OpenAI and vLLM report them.
 *
 * <pre>{@code
 * Pass pass = sampler.prepare(rows, bucket);  // writes through the step's StepIo
 * sampler.launch(logits, pass);               // or replay a graph that captured it for this pass
 * int[] ids = io.readInts(sampler.sampled().slice(0, 0, rows.size()));
 * }</pre>
 */
public interface TokenSampler extends AutoCloseable {
  /**
   * The sizes a sampler is made for.
   *
   * @param capacity most rows of one launch
   * @param vocab logits per row
   * @param maxHistory most history tokens one row's penalties count (the engine's context)
   * @param maxTopLogprobs most alternatives one row may ask for (0 to 64; 0 still gives the sampled
   *     token's own logprob)
   */
  record Shape(int capacity, int vocab, int maxHistory, int maxTopLogprobs) {
    public Shape {
      if (capacity < 1 || vocab < 1 || maxHistory < 1) {
        throw new IllegalArgumentException(
            "sampler shape: capacity "
                + capacity
                + ", vocab "
                + vocab
                + " and maxHistory "
                + maxHistory
                + " must be >= 1");
      }
      if (maxTopLogprobs < 0 || maxTopLogprobs > SamplingRows.MAX_TOP_LOGPROBS) {
        throw new IllegalArgumentException(
            "sampler shape: maxTopLogprobs "
                + maxTopLogprobs
                + " must be in [0, "
                + SamplingRows.MAX_TOP_LOGPROBS
                + "]");
      }
    }

    /** Ints one {@link #prepare} may write through {@link StepIo} (size the step I/O with it). */
    public int stagedInts() {
      return SamplingRows.words(capacity) + capacity * maxHistory;
    }
  }

  /**
   * What a launch runs for the prepared rows: the penalty kernels when a row is penalized, the
   * logprob kernels when a row asked for logprobs. A captured step is captured once per pass.
   */
  enum Pass {
    PLAIN(false, false),
    PENALTIES(true, false),
    LOGPROBS(false, true),
    PENALTIES_AND_LOGPROBS(true, true);

    private final boolean penalties;
    private final boolean logprobs;

    Pass(boolean penalties, boolean logprobs) {
      this.penalties = penalties;
      this.logprobs = logprobs;
    }

    /** The pass that runs what {@code penalties} and {@code logprobs} ask for. */
    public static Pass of(boolean penalties, boolean logprobs) {
      return penalties
          ? (logprobs ? PENALTIES_AND_LOGPROBS : PENALTIES)
          : (logprobs ? LOGPROBS : PLAIN);
    }

    public boolean penalties() {
      return penalties;
    }

    public boolean logprobs() {
      return logprobs;
    }
  }

  /** The sizes this sampler was made for. */
  Shape shape();

  /**
   * Sets the rows of the next {@link #launch}: {@code rows} first, then {@link SampleRow#PADDING}
   * up to {@code rowCount}.
   *
   * @return the pass the rows need; hand it to {@link #launch}
   * @throws IllegalArgumentException when the rows do not fit the shape (too many rows, a longer
   *     history, more logprobs)
   */
  Pass prepare(List<SampleRow> rows, int rowCount);

  /**
   * Queues sampling of F32 {@code logits [rowCount, vocab]} (contiguous) with the prepared rows:
   * ids into {@link #sampled()}, and with a logprobs pass, logprobs into {@link
   * #sampledLogprobs()}, {@link #topIds()} and {@link #topLogprobs()}. The logits stay as they are.
   */
  void launch(Tensor logits, Pass pass);

  /** I32 {@code [capacity]}: row {@code r}'s token after a launch. */
  Tensor sampled();

  /** F32 {@code [capacity]}: the log-probability of row {@code r}'s token after a logprobs pass. */
  Tensor sampledLogprobs();

  /**
   * I32 {@code [capacity, maxTopLogprobs]}: row {@code r}'s most likely tokens, best first (ties to
   * the lower id), after a logprobs pass; null when {@code maxTopLogprobs} is 0.
   */
  Tensor topIds();

  /** F32 {@code [capacity, maxTopLogprobs]}: their log-probabilities; null like {@link #topIds}. */
  Tensor topLogprobs();

  /**
   * Bytes of backend memory this sampler holds or may take at a later pass (penalty and logprob
   * buffers are made at their first use), for sizing what is left to a KV cache.
   */
  long reservedBytes();

  @Override
  void close();
}
