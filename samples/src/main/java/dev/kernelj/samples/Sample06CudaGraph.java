package dev.kernelj.samples;

import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Launch;
import dev.kernelj.runtime.cuda.CudaContext;
import dev.kernelj.runtime.cuda.CudaEvent;
import dev.kernelj.runtime.cuda.CudaGraph;
import dev.kernelj.runtime.cuda.CudaStream;
import dev.kernelj.runtime.cuda.DeviceBuffer;
import java.io.PrintStream;

/**
 * Sample 06: 100 small launches captured once into a CUDA graph and replayed. Replaying the graph
 * submits all 100 in one call, so the host no longer sets the pace.
 */
final class Sample06CudaGraph implements Sample {
  private static final int KERNELS = 100;

  @Override
  public String title() {
    return "06 CUDA graph capture and replay";
  }

  @Override
  public boolean run(CudaContext context, PrintStream out) {
    int n = 1024;
    Busy kernels = BusyLauncher.load(context);
    try (DeviceBuffer<F32> data = context.allocate(F32.class, n);
        CudaStream stream = context.createNonBlockingStream();
        CudaEvent start = context.createEvent();
        CudaEvent end = context.createEvent()) {
      data.fill(0f, stream);
      Launch launch = Launch.grid(Launch.blocksFor(n, 256)).block(256).on(stream);
      Runnable step =
          () -> {
            for (int i = 0; i < KERNELS; i++) {
              kernels.increment(launch, n, data, 1);
            }
          };
      step.run(); // warm-up: module load and first-launch costs stay out of the timing
      start.record(stream);
      step.run();
      end.record(stream);
      end.synchronize();
      float direct = end.elapsedMillisSince(start);

      int replays = 10;
      try (CudaGraph graph = CudaGraph.capture(stream, step)) {
        graph.launch(stream);
        start.record(stream);
        for (int r = 0; r < replays; r++) {
          graph.launch(stream);
        }
        end.record(stream);
        end.synchronize();
        float replayed = end.elapsedMillisSince(start) / replays;
        out.printf(
            "  %d launches: %.1f us issued one by one, %.1f us as one graph replay%n",
            KERNELS, direct * 1000, replayed * 1000);
      }
      float[] got = data.toFloatArray();
      float want = KERNELS * (2 + 1 + replays); // warm-up, timed run, first replay, timed replays
      double worst = 0;
      for (float v : got) {
        worst = Math.max(worst, Math.abs(v - want));
      }
      return Check.report(out, "each element incremented " + (int) want + " times", worst, 0);
    }
  }
}
