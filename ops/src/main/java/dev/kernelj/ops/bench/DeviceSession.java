package dev.kernelj.ops.bench;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.Element;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.runtime.kernel.KernelModuleLoader;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

/**
 * Device 0 for the attention/sampling benchmark and GPU tests: buffers, copies, launcher loading
 * and event timing.
 *
 * <p>Why reflection: this was written while the runtime's CUDA classes ({@code Cuda},
 * {@code CudaContext}, {@code DeviceBuffer}, {@code CudaEvent} in {@code dev.kernelj.runtime.cuda})
 * existed in the source tree but not in the installed runtime jar this module compiled against.
 * Each call below names exactly a method of that API, so once it is installed every call can
 * become a direct one without changing the callers.
 */
public final class DeviceSession implements AutoCloseable {
  private final Object context;
  private final List<AutoCloseable> buffers = new ArrayList<>();

  private DeviceSession(Object context) {
    this.context = context;
  }

  /** Why no session can be opened here, or null when one can. */
  public static String unavailableReason() {
    try {
      return (String) callStatic(Class.forName("dev.kernelj.runtime.cuda.Cuda"), "unavailableReason");
    } catch (ClassNotFoundException e) {
      return "the runtime has no dev.kernelj.runtime.cuda.Cuda on the class path";
    }
  }

  /** Opens the primary context of device 0; fails with {@link #unavailableReason()} when there is none. */
  public static DeviceSession open() {
    String reason = unavailableReason();
    if (reason != null) {
      throw new IllegalStateException("no GPU: " + reason);
    }
    try {
      return new DeviceSession(callStatic(Class.forName("dev.kernelj.runtime.cuda.Cuda"), "context", 0));
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether the generated launcher of a {@code @Kernel} interface is on the class path. */
  public static boolean hasLauncher(Class<?> kernelInterface) {
    try {
      Class.forName(kernelInterface.getName() + "Launcher");
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  /** The generated launcher's implementation of a {@code @Kernel} interface, loaded in this context. */
  public <K> K load(Class<K> kernelInterface) {
    try {
      Class<?> launcher = Class.forName(kernelInterface.getName() + "Launcher");
      return kernelInterface.cast(callStatic(launcher, "load", (KernelModuleLoader) context));
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("no generated " + kernelInterface.getSimpleName()
          + "Launcher: build the module with the KernelJ annotation processor", e);
    }
  }

  /** Multiprocessor count of the device. */
  public int multiprocessors() {
    return (Integer) call(call(context, "device"), "smCount");
  }

  /** The device's name. */
  public String deviceName() {
    return (String) call(call(context, "device"), "name");
  }

  /**
   * A fresh buffer of {@code count} elements; when its byte size is a multiple of 4 it is filled
   * with the 32-bit pattern {@code fill} (a NaN pattern poisons outputs).
   */
  @SuppressWarnings("unchecked")
  public <T extends Element> Ptr<T> allocate(Class<T> element, long count, int fill) {
    long n = Math.max(1, count);
    Object buffer = call(context, "allocate", element, n);
    buffers.add((AutoCloseable) buffer);
    if (n * DType.of(element).byteSize() % 4 == 0) {
      call(buffer, "fill32", fill, StreamRef.DEFAULT);
    }
    return (Ptr<T>) buffer;
  }

  /** A buffer holding a copy of {@code hostArray} (short[], int[], long[], float[] or double[]). */
  public <T extends Element> Ptr<T> upload(Class<T> element, Object hostArray) {
    Ptr<T> buffer = allocate(element, Array.getLength(hostArray), 0);
    call(buffer, "copyFrom", hostArray);
    return buffer;
  }

  /** f32 values stored as bf16 (round to nearest even). */
  public Ptr<BF16> uploadBf16(float[] values) {
    short[] bits = new short[values.length];
    for (int i = 0; i < bits.length; i++) {
      int x = Float.floatToRawIntBits(values[i]);
      bits[i] = Float.isNaN(values[i]) ? (short) 0x7FC0 : (short) ((x + 0x7FFF + ((x >>> 16) & 1)) >>> 16);
    }
    return upload(BF16.class, bits);
  }

  /** Copies a device buffer into {@code hostArray} after synchronizing the context. */
  public <A> A download(Ptr<?> buffer, A hostArray) {
    synchronize();
    call(buffer, "copyTo", hostArray);
    return hostArray;
  }

  /**
   * Fills {@code dst} (a buffer from this session) with repeated copies of {@code pattern}, device
   * to device; returns the measured copy bandwidth in GB/s (bytes read plus written).
   */
  public double tile(Ptr<?> dst, Ptr<?> pattern) {
    long chunk = (Long) call(pattern, "count");
    long total = (Long) call(dst, "count");
    double bytes = 0;
    synchronize();
    long start = System.nanoTime();
    for (long at = 0; at < total; at += chunk) {
      long n = Math.min(chunk, total - at);
      Object view = call(dst, "slice", at, n);
      Object source = n == chunk ? pattern : call(pattern, "slice", 0L, n);
      call(view, "copyFrom", source, StreamRef.DEFAULT);
      bytes += 2.0 * n * (Long) call(dst, "byteSize") / total;
    }
    synchronize();
    return bytes / (System.nanoTime() - start);
  }

  /** Milliseconds of one device-to-device copy of {@code src} into {@code dst} (same size), event-timed. */
  public float copyMillis(Ptr<?> dst, Ptr<?> src) {
    return timeMillis(() -> call(dst, "copyFrom", src, StreamRef.DEFAULT));
  }

  public void synchronize() {
    call(context, "synchronize");
  }

  /** Milliseconds that {@code body}'s work on the default stream takes, between two CUDA events. */
  public float timeMillis(Runnable body) {
    Object start = call(context, "createEvent");
    Object end = call(context, "createEvent");
    try {
      call(start, "record", StreamRef.DEFAULT);
      body.run();
      call(end, "record", StreamRef.DEFAULT);
      call(end, "synchronize");
      return (Float) call(end, "elapsedMillisSince", start);
    } finally {
      call(start, "close");
      call(end, "close");
    }
  }

  @Override
  public void close() throws Exception {
    synchronize();
    for (AutoCloseable buffer : buffers) {
      buffer.close();
    }
    buffers.clear();
  }

  private static Object call(Object target, String name, Object... args) {
    return invoke(target.getClass(), target, name, args);
  }

  private static Object callStatic(Class<?> type, String name, Object... args) {
    return invoke(type, null, name, args);
  }

  private static Object invoke(Class<?> type, Object target, String name, Object... args) {
    for (Method m : type.getMethods()) {
      if (m.getName().equals(name) && m.getParameterCount() == args.length && accepts(m.getParameterTypes(), args)) {
        try {
          return m.invoke(target, args);
        } catch (ReflectiveOperationException e) {
          Throwable cause = e.getCause() != null ? e.getCause() : e;
          throw cause instanceof RuntimeException r ? r : new IllegalStateException(name + " failed", cause);
        }
      }
    }
    throw new IllegalStateException("the runtime's " + type.getName() + " has no method " + name + " taking "
        + args.length + " arguments of these types");
  }

  private static boolean accepts(Class<?>[] types, Object[] args) {
    for (int i = 0; i < types.length; i++) {
      Class<?> t = types[i].isPrimitive() ? java.lang.invoke.MethodType.methodType(types[i]).wrap().returnType() : types[i];
      if (args[i] != null && !t.isInstance(args[i])) {
        return false;
      }
    }
    return true;
  }
}
