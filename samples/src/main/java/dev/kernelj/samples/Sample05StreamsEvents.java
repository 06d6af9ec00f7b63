package dev.kernelj.samples;

import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.Launch;
import dev.kernelj.runtime.cuda.CudaContext;
import dev.kernelj.runtime.cuda.CudaEvent;
import dev.kernelj.runtime.cuda.CudaStream;
import dev.kernelj.runtime.cuda.DeviceBuffer;
import dev.kernelj.runtime.cuda.PinnedBuffer;
import java.io.PrintStream;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Sample 05: two streams, each copying its half in from pinned memory, running a kernel and copying
 * back, timed with events. Work on different streams may overlap; events measure each stream.
 */
final class Sample05StreamsEvents implements Sample {
  @Override
  public String title() {
    return "05 streams and events";
  }

  @Override
  public boolean run(CudaContext context, PrintStream out) {
    int half = 1 << 22;
    int rounds = 64;
    long halfBytes = (long) half * Float.BYTES;
    Busy kernels = BusyLauncher.load(context);
    try (PinnedBuffer host = context.allocatePinned(2 * halfBytes);
        DeviceBuffer<F32> device = context.allocate(F32.class, 2L * half);
        CudaStream s0 = context.createNonBlockingStream();
        CudaStream s1 = context.createNonBlockingStream();
        CudaEvent start0 = context.createEvent();
        CudaEvent end0 = context.createEvent();
        CudaEvent start1 = context.createEvent();
        CudaEvent end1 = context.createEvent()) {
      FloatBuffer values = host.asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
      for (int i = 0; i < 2 * half; i++) {
        values.put(i, i % 1000);
      }
      CudaStream[] streams = {s0, s1};
      CudaEvent[][] events = {{start0, end0}, {start1, end1}};
      Launch launch = Launch.grid(Launch.blocksFor(half, 256)).block(256);
      for (int s = 0; s < 2; s++) {
        DeviceBuffer<F32> part = device.slice((long) s * half, half);
        events[s][0].record(streams[s]);
        part.copyFromAsync(host, s * halfBytes, halfBytes, streams[s]);
        kernels.increment(launch.on(streams[s]), half, part, rounds);
        part.copyToAsync(host, s * halfBytes, halfBytes, streams[s]);
        events[s][1].record(streams[s]);
      }
      end0.synchronize();
      end1.synchronize();
      for (int s = 0; s < 2; s++) {
        out.printf(
            "  stream %d: copy in + %d-round kernel + copy out of %d MiB took %.3f ms%n",
            s, rounds, halfBytes >> 20, events[s][1].elapsedMillisSince(events[s][0]));
      }
      double worst = 0;
      for (int i = 0; i < 2 * half; i++) {
        worst = Math.max(worst, Math.abs(values.get(i) - (i % 1000 + rounds)));
      }
      return Check.report(out, "every element advanced by " + rounds, worst, 0);
    }
  }
}
