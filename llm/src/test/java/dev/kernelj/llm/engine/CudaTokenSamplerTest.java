package dev.kernelj.llm.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.kernelj.dsl.DType;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.backend.CapturedGraph;
import dev.kernelj.ops.backend.CudaOps;
import dev.kernelj.ops.backend.ReferenceOps;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The CUDA sampler against the reference sampler on the same logits: the same token for every row,
 * eagerly and replayed from a CUDA graph whose per-row settings, seeds and steps change between
 * replays.
 */
@Tag("gpu")
class CudaTokenSamplerTest {
  private static final int ROWS = 5;
  private static final int VOCAB = 3000;
  private static final int MAX_HISTORY = 64;

  private CudaOps cuda;
  private StepIo io;
  private CudaTokenSampler device;
  private final ReferenceOps reference = new ReferenceOps();
  private final ReferenceTokenSampler host = new ReferenceTokenSampler(reference, ROWS);
  private Tensor hostLogits;
  private Tensor deviceLogits;

  @BeforeEach
  void open() {
    String[] why = new String[1];
    Optional<CudaOps> opened = CudaOps.tryOpen(0, why);
    Assumptions.assumeTrue(opened.isPresent(), () -> "no usable GPU: " + why[0]);
    cuda = opened.get();
    io = CudaBridge.stepIo(cuda, CudaTokenSampler.stagedWords(ROWS, MAX_HISTORY), ROWS * VOCAB);
    device = new CudaTokenSampler(cuda, io, ROWS, VOCAB, MAX_HISTORY);
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
    host.close();
    reference.close();
    if (cuda != null) {
      deviceLogits.close();
      device.close();
      io.close();
      cuda.close();
    }
  }

  /**
   * Rows of every kind at {@code step}; row 3 penalizes a history that holds the top tokens of its
   * row.
   */
  private List<SampleRow> rows(int step, boolean penalties) {
    List<SampleRow> rows = new ArrayList<>();
    rows.add(new SampleRow(new SamplingSettings(1.0, 0, 1, 0, 1, 100), step, null));
    rows.add(new SampleRow(new SamplingSettings(0.7, 50, 0.9, 0, 1, 200), step, null));
    rows.add(new SampleRow(SamplingSettings.greedy(), step, null));
    int[] history = new Random(step).ints(40, 0, VOCAB).toArray();
    rows.add(
        new SampleRow(
            new SamplingSettings(1.3, 0, 0.95, 0.02, penalties ? 1.5 : 1, 300 + step),
            step,
            history));
    rows.add(new SampleRow(new SamplingSettings(2.0, 5, 1, 0, 1, -7), step + 3, null));
    return rows;
  }

  private int[] onHost(List<SampleRow> rows) {
    boolean penalized = host.prepare(rows, ROWS);
    host.launch(hostLogits, penalized);
    return StepIo.host().readInts(host.sampled());
  }

  private int[] onDeviceEagerly(List<SampleRow> rows) {
    boolean penalized = device.prepare(rows, ROWS);
    device.launch(deviceLogits, penalized);
    int[] out = io.readInts(device.sampled());
    io.endStep();
    return out;
  }

  @Test
  void eagerDeviceSamplingMatchesTheReference() {
    for (boolean penalties : new boolean[] {false, true}) {
      for (int step = 0; step < 6; step++) {
        List<SampleRow> rows = rows(step, penalties);
        assertArrayEquals(
            onHost(rows), onDeviceEagerly(rows), "step " + step + " penalties " + penalties);
      }
    }
  }

  @Test
  void aCapturedLaunchSamplesWithTheRowsOfEachReplay() {
    for (boolean penalties : new boolean[] {false, true}) {
      // As in the engine: one eager run (which allocates the penalty buffers), then capture.
      onDeviceEagerly(rows(0, penalties));
      try (CapturedGraph graph =
          cuda.port().captureGraph(() -> device.launch(deviceLogits, penalties))) {
        List<Integer> seen = new ArrayList<>();
        for (int step = 1; step < 12; step++) {
          List<SampleRow> rows = rows(step, penalties);
          device.prepare(rows, ROWS);
          graph.replay();
          int[] got = io.readInts(device.sampled());
          io.endStep();
          assertArrayEquals(
              onHost(rows), got, "replay of step " + step + " penalties " + penalties);
          seen.add(got[0]);
        }
        assertFalse(
            seen.stream().distinct().count() == 1,
            "row 0 drew one token in 11 replays: the step did not reach the graph");
      }
    }
  }
}
