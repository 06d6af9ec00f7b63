package dev.kernelj.ops.kernels;

import dev.kernelj.dsl.BF16;
import dev.kernelj.dsl.Element;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.cuda.runtime.LauncherLookup;
import dev.kernelj.runtime.cuda.Cuda;
import dev.kernelj.runtime.cuda.CudaContext;
import dev.kernelj.runtime.cuda.DeviceBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Device 0 for the kernel-level GPU tests: buffers it frees on close, host copies, and the
 * generated launchers loaded in its context. A test helper: it calls the runtime's CUDA API
 * directly, which the ops module's main code does only in its runtime adapter. Only the launcher is
 * found by name ({@link LauncherLookup}), since a build without the annotation processor has none.
 */
public final class DeviceSession implements AutoCloseable {
  /**
   * The byte every element of a poisoned buffer holds: 0xFFFF is a bf16/f16 NaN, 0xFFFFFFFF an f32
   * NaN and -1 as an int.
   */
  public static final byte POISON = (byte) 0xFF;

  private final CudaContext context;
  private final List<DeviceBuffer<?>> buffers = new ArrayList<>();

  private DeviceSession(CudaContext context) {
    this.context = context;
  }

  /** Why no session can be opened here, or null when one can. */
  public static String unavailableReason() {
    return Cuda.unavailableReason();
  }

  /**
   * Opens the primary context of device 0; fails with {@link #unavailableReason()} when there is
   * none.
   */
  public static DeviceSession open() {
    String reason = unavailableReason();
    if (reason != null) {
      throw new IllegalStateException("no GPU: " + reason);
    }
    return new DeviceSession(Cuda.context(0));
  }

  /** Whether the generated launcher of a {@code @Kernel} interface is on the class path. */
  public static boolean hasLauncher(Class<?> kernelInterface) {
    return LauncherLookup.exists(kernelInterface);
  }

  /**
   * The generated launcher's implementation of a {@code @Kernel} interface, loaded in this context.
   */
  public <K> K load(Class<K> kernelInterface) {
    return LauncherLookup.load(kernelInterface, context);
  }

  /** Multiprocessor count of the device. */
  public int multiprocessors() {
    return context.device().smCount();
  }

  /** The most shared memory one block may take (the device's opt-in maximum), in bytes. */
  public int sharedMemoryPerBlock() {
    return context.device().maxSharedMemoryPerBlockOptin();
  }

  /** The device's name. */
  public String deviceName() {
    return context.device().name();
  }

  /** A fresh buffer of {@code count} elements (at least one), uninitialised. */
  public <T extends Element> DeviceBuffer<T> allocate(Class<T> element, long count) {
    DeviceBuffer<T> buffer = context.allocate(element, Math.max(1, count));
    buffers.add(buffer);
    return buffer;
  }

  /**
   * A buffer whose every byte is {@code value}, whatever the element size (0 zeroes, {@link
   * #POISON} poisons).
   */
  public <T extends Element> DeviceBuffer<T> filled(Class<T> element, long count, byte value) {
    DeviceBuffer<T> buffer = allocate(element, count);
    buffer.fillBytes(value, StreamRef.DEFAULT);
    return buffer;
  }

  /** A buffer poisoned with {@link #POISON}: NaN for floating elements, -1 for integers. */
  public <T extends Element> DeviceBuffer<T> poisoned(Class<T> element, long count) {
    return filled(element, count, POISON);
  }

  /**
   * A buffer holding a copy of {@code hostArray}: short[] (f16, bf16), int[], long[], float[],
   * double[] or byte[].
   */
  public <T extends Element> DeviceBuffer<T> upload(Class<T> element, Object hostArray) {
    DeviceBuffer<T> buffer = allocate(element, java.lang.reflect.Array.getLength(hostArray));
    if (hostArray instanceof short[] a) {
      buffer.copyFrom(a);
    } else if (hostArray instanceof int[] a) {
      buffer.copyFrom(a);
    } else if (hostArray instanceof long[] a) {
      buffer.copyFrom(a);
    } else if (hostArray instanceof float[] a) {
      buffer.copyFrom(a);
    } else if (hostArray instanceof double[] a) {
      buffer.copyFrom(a);
    } else if (hostArray instanceof byte[] a) {
      buffer.copyFrom(a);
    } else {
      throw new IllegalArgumentException("cannot upload a " + hostArray.getClass().getSimpleName());
    }
    return buffer;
  }

  /** f32 values stored as bf16 (round to nearest even). */
  public DeviceBuffer<BF16> uploadBf16(float[] values) {
    short[] bits = new short[values.length];
    for (int i = 0; i < bits.length; i++) {
      int x = Float.floatToRawIntBits(values[i]);
      bits[i] =
          Float.isNaN(values[i])
              ? (short) 0x7FC0
              : (short) ((x + 0x7FFF + ((x >>> 16) & 1)) >>> 16);
    }
    return upload(BF16.class, bits);
  }

  /** Copies the start of a device buffer into {@code hostArray} after synchronizing the context. */
  public <A> A download(Ptr<?> buffer, A hostArray) {
    if (!(buffer instanceof DeviceBuffer<?> b)) {
      throw new IllegalArgumentException(
          "download needs a DeviceBuffer of this session, got " + buffer);
    }
    synchronize();
    if (hostArray instanceof short[] a) {
      b.copyTo(a);
    } else if (hostArray instanceof int[] a) {
      b.copyTo(a);
    } else if (hostArray instanceof long[] a) {
      b.copyTo(a);
    } else if (hostArray instanceof float[] a) {
      b.copyTo(a);
    } else if (hostArray instanceof double[] a) {
      b.copyTo(a);
    } else if (hostArray instanceof byte[] a) {
      b.copyTo(a);
    } else {
      throw new IllegalArgumentException(
          "cannot download into a " + hostArray.getClass().getSimpleName());
    }
    return hostArray;
  }

  public void synchronize() {
    context.synchronize();
  }

  @Override
  public void close() {
    synchronize();
    for (DeviceBuffer<?> buffer : buffers) {
      buffer.close();
    }
    buffers.clear();
  }
}
