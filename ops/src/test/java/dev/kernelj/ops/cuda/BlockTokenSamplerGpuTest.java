package dev.kernelj.ops.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.CapturedGraph;
import dev.kernelj.ops.SampleRow;
import dev.kernelj.ops.SamplingParams;
import dev.kernelj.ops.StepIo;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.TokenSampler;
import dev.kernelj.ops.reference.ReferenceOps;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The CUDA token sampler against the reference one on the same logits: the same token for every
 * row, eagerly and replayed from a CUDA graph whose per-row settings, seeds and steps change
 * between replays; logprobs within f32 rounding of the reference's.
 */
class BlockTokenSamplerGpuTest extends CudaGpuTest {
  private static final int ROWS = 5;
  private static final int VOCAB = 3000;
  private static final TokenSampler.Shape SHAPE = new TokenSampler.Shape(ROWS, VOCAB, 64, 4);

  private StepIo io;
  private TokenSampler device;
  private final ReferenceOps host = new ReferenceOps();
  private final StepIo hostIo = host.stepIo(SHAPE.stagedInts(), ROWS * VOCAB);
  private final TokenSampler hostSampler = host.tokenSampler(SHAPE, hostIo);
  private Tensor hostLogits;
  private Tensor deviceLogits;

  @BeforeEach
  void open() {
    io = cuda.stepIo(SHAPE.stagedInts(), ROWS * VOCAB);
    device = cuda.tokenSampler(SHAPE, io);
    float[] values = new float[ROWS * VOCAB];
    Random random = new Random(9);
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (3 * random.nextGaussian());
    }
    values[2 * VOCAB + 17] = values[2 * VOCAB + 4] = 40f; // a tie: greedy must take the lower id
    hostLogits = Tensor.fromFloats(DType.F32, values, ROWS, VOCAB);
    deviceLogits = cuda.upload(hostLogits);
  }

  @AfterEach
  void close() {
    hostSampler.close();
    hostIo.close();
    if (device != null) {
      deviceLogits.close();
      device.close();
      io.close();
    }
  }

  /**
   * Rows of every kind at {@code step}; row 3 penalizes a history that holds the top tokens of its
   * row; rows 0 and 3 ask for logprobs when {@code logprobs}.
   */
  private static List<SampleRow> rows(int step, boolean penalties, boolean logprobs) {
    List<SampleRow> rows = new ArrayList<>();
    SampleRow first = SampleRow.of(SamplingParams.of(1, 0, 1, 0), 100, step);
    rows.add(logprobs ? first.withLogprobs(4) : first);
    rows.add(SampleRow.of(SamplingParams.of(0.7f, 50, 0.9f, 0), 200, step));
    rows.add(SampleRow.of(SamplingParams.greedy(), 0, step));
    int[] history = new Random(step).ints(40, 0, VOCAB).toArray();
    SamplingParams fourth =
        SamplingParams.of(1.3f, 0, 0.95f, 0.02f)
            .withPenalties(penalties ? 1.5f : 1, penalties ? 0.3f : 0, penalties ? 0.1f : 0);
    SampleRow row3 = SampleRow.of(fourth, 300 + step, step).withHistory(history, history.length);
    rows.add(logprobs ? row3.withLogprobs(0) : row3);
    rows.add(SampleRow.of(SamplingParams.of(2, 5, 1, 0), -7, step + 3));
    return rows;
  }

  private record Drawn(int[] tokens, float[] chosen, int[] topIds, float[] top) {}

  private static Drawn read(StepIo io, TokenSampler s, boolean logprobs) {
    int[] tokens = io.readInts(s.sampled());
    Drawn d =
        logprobs
            ? new Drawn(
                tokens,
                io.readFloats(s.sampledLogprobs()),
                io.readInts(s.topIds()),
                io.readFloats(s.topLogprobs()))
            : new Drawn(tokens, null, null, null);
    io.endStep();
    return d;
  }

  private Drawn onHost(List<SampleRow> rows) {
    TokenSampler.Pass pass = hostSampler.prepare(rows, ROWS);
    hostSampler.launch(hostLogits, pass);
    return read(hostIo, hostSampler, pass.logprobs());
  }

  private Drawn onDeviceEagerly(List<SampleRow> rows, TokenSampler.Pass expected) {
    TokenSampler.Pass pass = device.prepare(rows, ROWS);
    assertEquals(expected, pass, "the pass the rows need");
    device.launch(deviceLogits, pass);
    return read(io, device, pass.logprobs());
  }

  private static void assertSame(Drawn expected, Drawn actual, String where) {
    assertArrayEquals(expected.tokens(), actual.tokens(), where);
    if (expected.chosen() != null) {
      for (int r : new int[] {0, 3}) {
        assertEquals(expected.chosen()[r], actual.chosen()[r], 1e-4, where + " row " + r);
      }
      for (int j = 0; j < 4; j++) {
        assertEquals(expected.topIds()[j], actual.topIds()[j], where + " top " + j);
        assertEquals(expected.top()[j], actual.top()[j], 1e-4, where + " top " + j);
      }
    }
  }

  @Test
  void eagerDeviceSamplingMatchesTheReference() {
    for (TokenSampler.Pass kind : TokenSampler.Pass.values()) {
      for (int step = 0; step < 6; step++) {
        List<SampleRow> rows = rows(step, kind.penalties(), kind.logprobs());
        assertSame(onHost(rows), onDeviceEagerly(rows, kind), "step " + step + " " + kind);
      }
    }
  }

  @Test
  void aCapturedLaunchSamplesWithTheRowsOfEachReplay() {
    for (TokenSampler.Pass kind : TokenSampler.Pass.values()) {
      // As in the engine: one eager run (which allocates the penalty buffers), then capture.
      onDeviceEagerly(rows(0, kind.penalties(), kind.logprobs()), kind);
      try (CapturedGraph graph =
          cuda.captureGraph(() -> device.launch(deviceLogits, kind)).orElseThrow()) {
        List<Integer> seen = new ArrayList<>();
        for (int step = 1; step < 12; step++) {
          List<SampleRow> rows = rows(step, kind.penalties(), kind.logprobs());
          device.prepare(rows, ROWS);
          graph.replay();
          Drawn got = read(io, device, kind.logprobs());
          assertSame(onHost(rows), got, "replay of step " + step + " " + kind);
          seen.add(got.tokens()[0]);
        }
        assertFalse(
            seen.stream().distinct().count() == 1,
            "row 0 drew one token in 11 replays: the step did not reach the graph");
      }
    }
  }
}
