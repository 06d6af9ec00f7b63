package dev.kernelj.samples;

import dev.kernelj.dsl.F32;
import dev.kernelj.dsl.F64;
import dev.kernelj.dsl.Launch;
import dev.kernelj.runtime.cuda.CudaContext;
import dev.kernelj.runtime.cuda.DeviceBuffer;
import dev.kernelj.runtime.cuda.KernelTimer;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Sample 04: one C++ template kernel, instantiated for float and for double; then the float
 * instantiation timed over 64 MiB exactly as notebook 02 times it in jshell ({@link KernelTimer}),
 * so that the two figures can be set side by side.
 */
final class Sample04Templates implements Sample {
  @Override
  public String title() {
    return "04 templated kernel, two instantiations";
  }

  @Override
  public boolean run(CudaContext context, PrintStream out) {
    int n = 4099;
    float[] f = new float[n];
    double[] d = new double[n];
    for (int i = 0; i < n; i++) {
      f[i] = i * 0.5f;
      d[i] = i * 0.25;
    }
    Scale kernels = ScaleLauncher.load(context);
    try (DeviceBuffer<F32> df = context.upload(f);
        DeviceBuffer<F64> dd = context.allocate(F64.class, n)) {
      dd.copyFrom(d);
      Launch launch = Launch.grid(Launch.blocksFor(n, 128)).block(128);
      kernels.scaleF32(launch, df, 3.0f, n);
      kernels.scaleF64(launch, dd, 1.0 / 3.0, n);

      float[] gotF = df.toFloatArray();
      double[] gotD = new double[n];
      dd.copyTo(gotD);
      double[] wantF = new double[n];
      double worstD = 0;
      for (int i = 0; i < n; i++) {
        wantF[i] = f[i] * 3.0f;
        worstD = Math.max(worstD, Math.abs(gotD[i] - d[i] * (1.0 / 3.0)));
      }
      boolean ok = Check.report(out, "scale<float>", Check.maxRelativeError(gotF, wantF), 0);
      ok &= Check.report(out, "scale<double> (absolute)", worstD, 0);
      timeTheNotebooksLaunch(context, kernels, out);
      return ok;
    }
  }

  /** Notebook 02's launch: scale<float> by 1 over 2^24 floats, 256 threads a block, 20 times. */
  private static void timeTheNotebooksLaunch(CudaContext context, Scale kernels, PrintStream out) {
    int n = TIMED_FLOATS;
    try (DeviceBuffer<F32> data = context.allocate(F32.class, n)) {
      Launch launch = Launch.grid(Launch.blocksFor(n, 256)).block(256);
      KernelTimer.Timing timing = context.time(20, () -> kernels.scaleF32(launch, data, 1.0f, n));
      out.printf(
          Locale.ROOT,
          "  scale<float> over %d floats: %s, %.0f GB/s (read + write)%n",
          n,
          timing,
          2.0 * n * Float.BYTES / (timing.microsPerLaunch() * 1e3));
      out.println("  " + timing.reportLine("scale<float> n=" + n));
    }
  }

  /** The size notebook 02 times (64 MiB of floats). */
  static final int TIMED_FLOATS = 1 << 24;
}
