package dev.kernelj.llm.engine;

import dev.kernelj.llm.model.BlockTable;
import dev.kernelj.llm.model.LlamaModel;
import dev.kernelj.llm.model.PagedKvCache;
import dev.kernelj.llm.model.StepBuffers;
import dev.kernelj.llm.tokenizer.Tokenizer;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.SampleRow;
import dev.kernelj.ops.StepIo;
import dev.kernelj.ops.TokenSampler;
import java.util.ArrayList;
import java.util.List;

/**
 * The generation loop of a static batch: reserve each sequence's cache blocks for its whole budget,
 * prefill the prompts one by one, then decode all live sequences together, one token each per step,
 * until every one has stopped. Sequences that stop leave the batch; the rest move up, and the step
 * uses the smallest bucket that holds them. Tokens are sampled where the logits are (the {@link
 * TokenSampler}); a step reads back only the sampled ids.
 */
final class Generator {
  private final LlamaModel model;
  private final PagedKvCache cache;
  private final DecodeRunner runner;
  private final TokenSampler sampler;
  private final StepIo io;
  private final Tokenizer tokenizer;
  private final int maxContext;
  private int lastBucket = -1;

  Generator(
      LlamaModel model,
      PagedKvCache cache,
      DecodeRunner runner,
      TokenSampler sampler,
      StepIo io,
      Tokenizer tokenizer,
      int maxContext) {
    this.model = model;
    this.cache = cache;
    this.runner = runner;
    this.sampler = sampler;
    this.io = io;
    this.tokenizer = tokenizer;
    this.maxContext = maxContext;
  }

  record Outcome(List<GenerationResult> results, GenerationStats stats) {}

  Outcome generate(List<GenerationRequest> requests, TokenListener listener) {
    long start = System.nanoTime();
    List<SequenceState> all = new ArrayList<>();
    try {
      for (int i = 0; i < requests.size(); i++) {
        GenerationRequest r = requests.get(i);
        int budget = r.promptIds().length + r.stop().maxTokens();
        if (budget > maxContext) {
          throw new EngineException(
              "sequence "
                  + i
                  + ": prompt of "
                  + r.promptIds().length
                  + " tokens + "
                  + r.stop().maxTokens()
                  + " new tokens = "
                  + budget
                  + " exceeds the engine's context of "
                  + maxContext
                  + " tokens");
        }
        BlockTable table = cache.newSequence();
        all.add(new SequenceState(i, r, table, tokenizer));
        // The last generated token is never fed back, so it needs no cache slot.
        table.reserve(budget - 1);
      }

      long promptTokens = 0;
      long firstToken = 0;
      for (SequenceState s : all) {
        int[] prompt = s.request.promptIds();
        promptTokens += prompt.length;
        emit(listener, s, s.accept(prefill(s, prompt, null)));
        if (firstToken == 0) {
          firstToken = System.nanoTime() - start;
        }
      }
      long prefillNanos = System.nanoTime() - start;

      long decodeStart = System.nanoTime();
      int steps = 0;
      List<SequenceState> live = liveOf(all);
      while (!live.isEmpty()) {
        int[] tokens = decodeStep(live);
        for (int row = 0; row < live.size(); row++) {
          SequenceState s = live.get(row);
          emit(listener, s, s.accept(tokens[row]));
        }
        steps++;
        live = liveOf(all);
      }
      long decodeNanos = System.nanoTime() - decodeStart;
      long generated = all.stream().mapToLong(SequenceState::generatedCount).sum();
      List<GenerationResult> results = all.stream().map(SequenceState::result).toList();
      return new Outcome(
          results,
          new GenerationStats(
              all.size(), promptTokens, generated, prefillNanos, firstToken, steps, decodeNanos));
    } finally {
      all.forEach(s -> s.blocks.release());
    }
  }

  private static void emit(TokenListener listener, SequenceState s, String text) {
    if (!text.isEmpty()) {
      listener.onText(s.index, text);
    }
  }

  private static List<SequenceState> liveOf(List<SequenceState> all) {
    return all.stream().filter(SequenceState::live).toList();
  }

  /**
   * Prefills a fresh sequence and samples its first token. With {@code allLogits} (at least {@code
   * prompt * vocab} long) the logits of every position are copied to its start, row-major.
   */
  int prefill(SequenceState s, int[] prompt, float[] allLogits) {
    int n = prompt.length;
    int[] positions = new int[n];
    int[] slots = new int[n];
    for (int p = 0; p < n; p++) {
      positions[p] = p;
      slots[p] = s.blocks.slot(p);
    }
    Ops ops = model.ops();
    try (StepBuffers b =
        StepBuffers.forPrefill(ops, model.config(), model.activation(), n, allLogits != null)) {
      io.write(b.inputs, b.packInputs(prompt, positions, slots, null, null));
      model.prefill(b, cache);
      TokenSampler.Pass pass = sampler.prepare(List.of(s.samplingRow()), 1);
      int last = b.logitRows();
      sampler.launch(b.logits.slice(0, last - 1, last), pass);
      int token = io.readInts(sampler.sampled().slice(0, 0, 1))[0];
      if (allLogits != null) {
        float[] rows = io.readFloats(b.logits);
        System.arraycopy(rows, 0, allLogits, 0, rows.length);
      }
      io.endStep();
      s.cached = n;
      return SampledTokens.checked(token, s);
    }
  }

  /** One decode step for {@code live} (in row order); returns the token sampled for each. */
  int[] decodeStep(List<SequenceState> live) {
    int bucket = runner.bucketFor(live.size());
    StepBuffers b = runner.buffers(bucket);
    int width = b.blockTables.dim(1);
    int[] ids = new int[bucket];
    int[] positions = new int[bucket];
    int[] slots = new int[bucket];
    int[] table = new int[bucket * width];
    int[] lens = new int[bucket];
    List<SampleRow> rows = new ArrayList<>(live.size());
    for (int row = 0; row < bucket; row++) {
      if (row < live.size()) {
        SequenceState s = live.get(row);
        int pos = s.cached;
        ids[row] = s.lastToken();
        positions[row] = pos;
        slots[row] = s.blocks.slot(pos);
        s.blocks.writeRow(table, row * width, width);
        lens[row] = pos + 1;
        rows.add(s.samplingRow());
      } else {
        // Padding row: writes nowhere (slot -1), attends to one harmless cache row, samples
        // greedily.
        slots[row] = -1;
        lens[row] = 1;
      }
    }
    io.write(b.inputs, b.packInputs(ids, positions, slots, table, lens));
    TokenSampler.Pass pass = sampler.prepare(rows, bucket);
    runner.step(bucket, pass);
    int[] tokens = io.readInts(sampler.sampled().slice(0, 0, live.size()));
    io.endStep();
    for (int row = 0; row < tokens.length; row++) {
      SampledTokens.checked(tokens[row], live.get(row));
    }
    runner.afterStep(bucket, pass);
    lastBucket = bucket;
    for (SequenceState s : live) {
      s.cached++;
    }
    return tokens;
  }

  /**
   * The logits {@code [rows, vocab]} of the last decode step's first {@code rows} rows (for
   * recording).
   */
  float[] lastDecodeLogits(int rows) {
    if (lastBucket < 0) {
      throw new IllegalStateException("no decode step has run yet");
    }
    float[] out = io.readFloats(runner.buffers(lastBucket).logits.slice(0, 0, rows));
    io.endStep();
    return out;
  }
}
