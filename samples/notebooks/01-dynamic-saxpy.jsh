// KernelJ in jshell: compile a CUDA C string at run time and launch it. The arguments are checked
// against the __global__ declaration by the same rules javac applies to @Kernel interfaces.
// Run from the repository root after the README's first command:
//   jshell --class-path "$(ls samples/target/lib/*.jar | paste -sd:)" samples/notebooks/01-dynamic-saxpy.jsh

import dev.kernelj.dsl.*;
import dev.kernelj.runtime.cuda.*;

if (!Cuda.isAvailable()) {
    System.out.println("No usable GPU here: " + Cuda.unavailableReason());
    System.exit(0);
}

var ctx = Cuda.context(0);
System.out.println("GPU: " + ctx.device().name());

var saxpy = ctx.compile("""
    extern "C" __global__ void saxpy(int n, float a, const float* x, float* y) {
      int i = blockIdx.x * blockDim.x + threadIdx.x;
      if (i < n) y[i] = a * x[i] + y[i];
    }
    """, "saxpy");

int n = 1 << 20;
float[] xs = new float[n];
float[] ys = new float[n];
for (int i = 0; i < n; i++) { xs[i] = i; ys[i] = 1; }
var x = ctx.upload(xs);
var y = ctx.upload(ys);

saxpy.launch(Launch.grid(Launch.blocksFor(n, 256)).block(256), n, 2.0f, x, y);
float[] out = y.toFloatArray();
System.out.println("y[0..4] = " + out[0] + ", " + out[1] + ", " + out[2] + ", " + out[3]);
System.out.println(out[12345] == 2f * 12345 + 1 ? "saxpy: ok" : "saxpy: MISMATCH");

// A wrong argument is caught before anything reaches the GPU: n passed as a long here.
try {
    saxpy.launch(Launch.grid(1).block(1), (long) n, 2.0f, x, y);
} catch (IllegalArgumentException e) {
    System.out.println("rejected as expected:\n" + e.getMessage());
}

x.close(); y.close(); ctx.close();
/exit
