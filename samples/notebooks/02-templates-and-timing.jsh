// A templated kernel compiled twice from one string, timed with CUDA events.
//   jshell --class-path "$(ls samples/target/lib/*.jar | paste -sd:)" samples/notebooks/02-templates-and-timing.jsh

import dev.kernelj.dsl.*;
import dev.kernelj.runtime.cuda.*;

if (!Cuda.isAvailable()) {
    System.out.println("No usable GPU here: " + Cuda.unavailableReason());
    System.exit(0);
}

var ctx = Cuda.context(0);
String source = """
    template <typename T>
    __global__ void scale(T* data, T factor, int n) {
      int i = blockIdx.x * blockDim.x + threadIdx.x;
      if (i < n) data[i] *= factor;
    }
    """;
var scaleF = ctx.compile(source, "scale<float>");
var scaleD = ctx.compile(source, "scale<double>");

int n = 1 << 24;
var f = ctx.allocate(F32.class, n);
var d = ctx.allocate(F64.class, n);
f.fill(1.5f, StreamRef.DEFAULT);
d.copyFrom(new double[n]);
var launch = Launch.grid(Launch.blocksFor(n, 256)).block(256);

// Time inside one call: jshell compiles each top-level statement (snippet) before it runs it, and
// CUDA events recorded in different snippets would time that compiling too (the GPU idles meanwhile).
// ctx.time runs the launches once, queues a warm-up, then records, launches and records in one go.
var timing = ctx.time(20, () -> scaleF.launch(launch, f, 1.0f, n));
System.out.printf("scale<float> over %d floats: %s, %.0f GB/s (read + write)%n", n, timing, 2.0 * n * 4 / (timing.microsPerLaunch() * 1e3));
System.out.println(timing.reportLine("scale<float> n=" + n));

// What the same events read when the record, the loop and the record are three snippets:
var start = ctx.createEvent();
var end = ctx.createEvent();
start.record(StreamRef.DEFAULT);
for (int r = 0; r < 20; r++) scaleF.launch(launch, f, 1.0f, n);
end.record(StreamRef.DEFAULT);
end.synchronize();
System.out.printf("the same 20 launches timed across three snippets: %.1f µs per launch (jshell's compiling included)%n", end.elapsedMillisSince(start) * 1000 / 20);

scaleF.launch(launch, f, 2.0f, n);
System.out.println("f[7] = " + f.toFloatArray()[7] + " (expected 3.0)");
scaleD.launch(launch, d, 3.0, n);

// scale<double> with a float factor is rejected by the same rules javac uses:
try {
    scaleD.launch(launch, d, 3.0f, n);
} catch (IllegalArgumentException e) {
    System.out.println("rejected as expected:\n" + e.getMessage());
}
f.close(); d.close(); start.close(); end.close(); ctx.close();
/exit
