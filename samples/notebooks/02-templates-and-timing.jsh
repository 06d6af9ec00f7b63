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
var start = ctx.createEvent();
var end = ctx.createEvent();
scaleF.launch(launch, f, 2.0f, n);  // warm-up: module load and first-launch costs stay out of the timing
ctx.synchronize();
int reps = 20;
start.record(StreamRef.DEFAULT);
for (int r = 0; r < reps; r++) scaleF.launch(launch, f, 1.0f, n);
end.record(StreamRef.DEFAULT);
end.synchronize();
float ms = end.elapsedMillisSince(start) / reps;
System.out.printf("scale<float> over %d floats: %.3f ms per launch, %.0f GB/s (read + write)%n", n, ms, 2.0 * n * 4 / ms / 1e6);
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
