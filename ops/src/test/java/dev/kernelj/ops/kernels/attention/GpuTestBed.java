package dev.kernelj.ops.kernels.attention;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.Element;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.ops.kernels.DeviceSession;
import org.junit.jupiter.api.Assumptions;

/**
 * The GPU tests' device access, in one place: a {@link DeviceSession} that skips the test with the
 * reason when there is no GPU, no runtime CUDA API, or no generated launcher.
 */
public final class GpuTestBed implements AutoCloseable {
  private final DeviceSession session;

  private GpuTestBed(DeviceSession session) {
    this.session = session;
  }

  /** Device 0, or an aborted test saying why there is none. */
  public static GpuTestBed open() {
    String reason = DeviceSession.unavailableReason();
    Assumptions.assumeTrue(reason == null, () -> "GPU test skipped: " + reason);
    return new GpuTestBed(DeviceSession.open());
  }

  public <K> K load(Class<K> kernelInterface) {
    Assumptions.assumeTrue(
        DeviceSession.hasLauncher(kernelInterface),
        () ->
            "GPU test skipped: no generated "
                + kernelInterface.getSimpleName()
                + "Launcher (was the module built with the KernelJ processor?)");
    return session.load(kernelInterface);
  }

  public int multiprocessors() {
    return session.multiprocessors();
  }

  /** The most shared memory one block may take (the device's opt-in maximum), in bytes. */
  public int sharedMemoryPerBlock() {
    return session.sharedMemoryPerBlock();
  }

  /**
   * A buffer whose elements are all NaN (floating) or -1 (integers), so an unwritten output shows.
   */
  public <T extends Element> Ptr<T> poisoned(Class<T> element, long count) {
    return session.poisoned(element, count);
  }

  /** A buffer of zeros. */
  public <T extends Element> Ptr<T> zeroed(Class<T> element, long count) {
    return session.filled(element, count, (byte) 0);
  }

  public <T extends Element> Ptr<T> upload(Class<T> element, Object hostArray) {
    return session.upload(element, hostArray);
  }

  public Ptr<BF16> uploadBf16(float[] values) {
    return session.uploadBf16(values);
  }

  public <A> A download(Ptr<?> buffer, A hostArray) {
    return session.download(buffer, hostArray);
  }

  public float[] downloadBf16(Ptr<BF16> buffer, int count) {
    return Bf16.decode(session.download(buffer, new short[count]));
  }

  @Override
  public void close() {
    session.close();
  }
}
