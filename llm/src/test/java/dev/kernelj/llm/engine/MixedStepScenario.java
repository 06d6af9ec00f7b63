package dev.kernelj.llm.engine;

import dev.kernelj.llm.model.MixedBatch;
import dev.kernelj.ops.SampleRow;
import dev.kernelj.ops.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Drives a {@link ServingModel}'s {@link BatchStepRunner} by hand through mixed steps that cover
 * every case of the layout: a prompt prefilled in three chunks, a chunk next to another sequence's
 * chunk, chunks next to decode rows, a one-token chunk that samples nothing (a decode row without
 * logits), a prompt whose first 8 blocks are another sequence's blocks (a prefix-cache hit that
 * prefills only its suffix), then decode-only steps padded to buckets 4 and 1. Records the logits
 * of every sampled row, feeding back greedy tokens.
 */
final class MixedStepScenario {
  static final int BLOCK = 4;

  /** One sequence: its tokens, blocks, and the logits of each sampled step in order. */
  static final class Seq {
    final int[] prompt;
    int[] tokens;
    int length;
    final int[] blocks = new int[64];
    int blockCount;
    final List<float[]> logits = new ArrayList<>();
    final List<Integer> sampled = new ArrayList<>();

    Seq(int[] prompt) {
      this.prompt = prompt;
      this.tokens = Arrays.copyOf(prompt, prompt.length + 16);
      this.length = prompt.length;
    }
  }

  final Seq a;
  final Seq b;
  final Seq c;
  final Seq d;
  private final BatchStepRunner runner;
  private int nextBlock;

  MixedStepScenario(ServingModel model, long seed) {
    this.runner = model.runner();
    Random random = new Random(seed);
    a = new Seq(random.ints(37, 0, 256).toArray());
    b = new Seq(random.ints(9, 0, 256).toArray());
    int[] cPrompt = Arrays.copyOf(a.prompt, 38);
    for (int i = 32; i < 38; i++) {
      cPrompt[i] = random.nextInt(256);
    }
    c = new Seq(cPrompt);
    d = new Seq(random.ints(5, 0, 256).toArray());
  }

  /** A step entry: {@code count} tokens of {@code s} from {@code start}; samples when it ends s. */
  private record Entry(Seq s, int start, int count) {
    boolean samples() {
      return start + count == s.length;
    }
  }

  void run() {
    for (int i = 0; i < 8; i++) {
      c.blocks[c.blockCount++] = -1; // filled with a's first 8 blocks once a has them
    }
    step(List.of(new Entry(a, 0, 16)));
    step(List.of(new Entry(a, 16, 16), new Entry(b, 0, 9)));
    System.arraycopy(a.blocks, 0, c.blocks, 0, 8); // c's prefix: a's first 32 tokens, cached
    step(List.of(new Entry(a, 32, 5), new Entry(b, 9, 1), new Entry(d, 0, 1)));
    step(
        List.of(new Entry(a, 37, 1), new Entry(b, 10, 1), new Entry(c, 32, 6), new Entry(d, 1, 4)));
    step(
        List.of(new Entry(a, 38, 1), new Entry(b, 11, 1), new Entry(c, 38, 1), new Entry(d, 5, 1)));
    step(List.of(new Entry(a, 39, 1), new Entry(b, 12, 1), new Entry(c, 39, 1)));
    step(List.of(new Entry(a, 40, 1)));
  }

  private void step(List<Entry> entries) {
    int tokens = entries.stream().mapToInt(Entry::count).sum();
    boolean decodeOnly = entries.stream().allMatch(e -> e.count() == 1 && e.samples());
    MixedBatch batch = runner.begin(tokens, entries.size(), decodeOnly);
    List<Entry> order = new ArrayList<>();
    for (Entry e : entries) {
      if (e.count() == 1) {
        reserve(e.s(), e.start() + 1);
        batch.addDecode(
            e.s().tokens[e.start()], e.start(), e.s().blocks, e.s().blockCount, e.samples());
        order.add(e);
      }
    }
    for (Entry e : entries) {
      if (e.count() > 1) {
        reserve(e.s(), e.start() + e.count());
        batch.addChunk(
            e.s().tokens, e.start(), e.count(), e.s().blocks, e.s().blockCount, e.samples());
        order.add(e);
      }
    }
    List<Entry> sampling = order.stream().filter(Entry::samples).toList();
    for (Entry e : sampling) {
      runner.sampleWith(
          SampleRow.of(SamplingParams.greedy(), 0, e.s().length - e.s().prompt.length));
    }
    int[] sampled = new int[entries.size()];
    runner.run(sampled);
    for (int row = 0; row < sampling.size(); row++) {
      Seq s = sampling.get(row).s();
      s.logits.add(runner.logits(row));
      s.sampled.add(sampled[row]);
      s.tokens[s.length++] = sampled[row];
    }
  }

  private void reserve(Seq s, int tokens) {
    while (s.blockCount * BLOCK < tokens) {
      s.blocks[s.blockCount++] = nextBlock++;
    }
  }
}
