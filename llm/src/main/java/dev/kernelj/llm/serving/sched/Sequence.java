package dev.kernelj.llm.serving.sched;

import dev.kernelj.llm.engine.SamplingSettings;
import dev.kernelj.llm.serving.kv.BlockHasher;
import java.util.Arrays;

/**
 * One request as the scheduler sees it: every token known so far (the prompt, then each sampled
 * token), how many of them have their K/V in the cache, the cache blocks that hold them, and the
 * prefix-cache keys of its full blocks. Owned by the scheduler thread (the prompt's keys are
 * computed by the submitting thread before the scheduler sees it).
 *
 * <p>Invariant while running: {@code computed < length}: the last known token is always still to be
 * fed (a prompt's remaining chunk, or the token sampled last step).
 */
public final class Sequence {
  /** Where a sequence is in its life. */
  public enum Status {
    WAITING,
    RUNNING,
    FINISHED
  }

  private final String id;
  private final int promptLength;
  private final int maxTokens;
  private final SamplingSettings sampling;
  private final int logprobs;
  private final int promptLogprobs;
  private final Object owner;
  private int[] tokens;
  private int length;
  private int computed;
  private int[] blocks = new int[8];
  private int blockCount;
  private long[] keys = new long[8];
  private int keyCount;
  private int registered;
  private int cachedPromptTokens = -1;
  private int preemptions;
  Status status = Status.WAITING;

  /**
   * @param promptLogprobs -1 for none; else the logprob of every prompt token after the first and
   *     this many alternatives: then every prompt position gets logits ({@link #scoring}) and the
   *     prompt is never taken from the prefix cache
   * @param owner what the caller keeps per request (its output state); the scheduler never reads it
   */
  public Sequence(
      String id,
      int[] prompt,
      int maxTokens,
      SamplingSettings sampling,
      int logprobs,
      int promptLogprobs,
      Object owner) {
    if (prompt.length == 0) {
      throw new IllegalArgumentException("a sequence needs at least one prompt token");
    }
    this.id = id;
    this.promptLength = prompt.length;
    this.maxTokens = maxTokens;
    this.sampling = sampling;
    this.logprobs = logprobs;
    this.promptLogprobs = promptLogprobs;
    this.owner = owner;
    this.tokens = Arrays.copyOf(prompt, prompt.length + Math.min(maxTokens, 1 << 12));
    this.length = prompt.length;
  }

  public String id() {
    return id;
  }

  public Object owner() {
    return owner;
  }

  public SamplingSettings sampling() {
    return sampling;
  }

  /** Logprob alternatives asked for; -1 for none. */
  public int logprobs() {
    return logprobs;
  }

  /** Prompt logprob alternatives asked for; -1 for none. */
  public int promptLogprobs() {
    return promptLogprobs;
  }

  /**
   * Whether the next chunk is scored: the sequence asked for prompt logprobs and its cache does not
   * yet hold every prompt token but the last, so each position it feeds gets its own logit row.
   */
  public boolean scoring() {
    return promptLogprobs >= 0 && computed < promptLength - 1;
  }

  public int promptLength() {
    return promptLength;
  }

  public int maxTokens() {
    return maxTokens;
  }

  /** Tokens known: the prompt and every sampled token. */
  public int length() {
    return length;
  }

  /** Tokens whose K/V are in the cache. */
  public int computed() {
    return computed;
  }

  /** Tokens sampled so far: also the counter of the sequence's random stream. */
  public int generated() {
    return length - promptLength;
  }

  public int token(int i) {
    return tokens[i];
  }

  /** The backing array of the known tokens (read only; valid up to {@link #length()}). */
  public int[] tokenArray() {
    return tokens;
  }

  public int lastToken() {
    return tokens[length - 1];
  }

  public Status status() {
    return status;
  }

  /** Prompt tokens found in the prefix cache when the sequence was first admitted; -1 before. */
  public int cachedPromptTokens() {
    return cachedPromptTokens;
  }

  /** Times this sequence was preempted (its blocks freed, to be recomputed). */
  public int preemptions() {
    return preemptions;
  }

  /** The cache blocks holding tokens {@code 0 .. computed + scheduled}, in order. */
  public int[] blockArray() {
    return blocks;
  }

  public int blockCount() {
    return blockCount;
  }

  public int block(int i) {
    return blocks[i];
  }

  // ---------------------------------------------------------------- scheduler side

  void append(int token) {
    if (length == tokens.length) {
      tokens = Arrays.copyOf(tokens, tokens.length * 2);
    }
    tokens[length++] = token;
  }

  void advance(int count) {
    computed += count;
  }

  void addBlock(int block) {
    if (blockCount == blocks.length) {
      blocks = Arrays.copyOf(blocks, blocks.length * 2);
    }
    blocks[blockCount++] = block;
  }

  int removeLastBlock() {
    return blocks[--blockCount];
  }

  /** After its blocks went back to the pool: nothing cached, everything to be recomputed. */
  void resetAfterRelease(boolean preempted) {
    blockCount = 0;
    computed = 0;
    registered = 0;
    if (preempted) {
      preemptions++;
    }
  }

  void recordCachedPrompt(int tokens) {
    if (cachedPromptTokens < 0) {
      cachedPromptTokens = tokens;
    }
  }

  int registered() {
    return registered;
  }

  void setRegistered(int blocks) {
    registered = blocks;
  }

  /** The key of full block {@code i}, computing the chain up to it where needed. */
  long key(int i, BlockHasher hasher) {
    while (keyCount <= i) {
      if (keyCount == keys.length) {
        keys = Arrays.copyOf(keys, keys.length * 2);
      }
      long parent = keyCount == 0 ? hasher.root() : keys[keyCount - 1];
      keys[keyCount] = hasher.hash(parent, tokens, keyCount * hasher.blockSize());
      keyCount++;
    }
    return keys[i];
  }

  /** The parent key of full block {@code i}. */
  long parentKey(int i, BlockHasher hasher) {
    return i == 0 ? hasher.root() : key(i - 1, hasher);
  }

  /** Keys of every full block of the prompt (done by the submitting thread). */
  public void keyPrompt(BlockHasher hasher) {
    int full = promptLength / hasher.blockSize();
    if (full > 0) {
      key(full - 1, hasher);
    }
  }

  @Override
  public String toString() {
    return "Sequence["
        + id
        + ", "
        + status
        + ", "
        + computed
        + "/"
        + length
        + " computed, "
        + blockCount
        + " blocks]";
  }
}
