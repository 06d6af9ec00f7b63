package dev.kernelj.ops;

import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.Element;
import dev.kernelj.dsl.Ptr;
import java.util.Arrays;

/**
 * An n-dimensional array of one {@link DType} with a shape, element strides and an offset into its
 * storage, on the host or on a device. Views ({@link #view}, {@link #slice}, {@link #select}) share
 * storage and copy nothing.
 *
 * <p>Host tensors are what the Java reference backend computes on; device tensors come from the
 * CUDA backend ({@code Ops.empty}, {@code Ops.upload}). Closing the tensor that allocated device
 * memory frees it; closing a view does nothing.
 */
public final class Tensor implements AutoCloseable {
  private final DType dtype;
  private final Shape shape;
  private final long[] strides;
  private final long offset;
  private final TensorStorage storage;
  private final boolean owner;

  private Tensor(
      DType dtype, Shape shape, long[] strides, long offset, TensorStorage storage, boolean owner) {
    this.dtype = dtype;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
    this.storage = storage;
    this.owner = owner;
  }

  // ---------------------------------------------------------------- creation

  /** A zero-filled host tensor. */
  public static Tensor zeros(DType dtype, int... dims) {
    Shape shape = Shape.of(dims);
    requireTensorType(dtype);
    long n = shape.numel();
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "host tensor "
              + dtype
              + shape
              + " has "
              + n
              + " elements; host tensors hold at most 2^31 - 9");
    }
    int size = (int) n;
    TensorStorage.Host storage =
        switch (dtype) {
          case F32, F16, BF16 -> new TensorStorage.Host(new float[size], null, null);
          case I32 -> new TensorStorage.Host(null, new int[size], null);
          default -> new TensorStorage.Host(null, null, new byte[size]);
        };
    return new Tensor(dtype, shape, shape.contiguousStrides(), 0, storage, true);
  }

  /** A host tensor holding {@code values} (copied, rounded to {@code dtype}) in row-major order. */
  public static Tensor fromFloats(DType dtype, float[] values, int... dims) {
    if (!DTypes.isFloating(dtype)) {
      throw new IllegalArgumentException("fromFloats needs f32, f16 or bf16, got " + dtype);
    }
    Tensor t = zeros(dtype, dims);
    checkLength(values.length, t.shape);
    float[] data = ((TensorStorage.Host) t.storage).floats();
    System.arraycopy(values, 0, data, 0, values.length);
    DTypes.roundInPlace(dtype, data, 0, data.length);
    return t;
  }

  /** An i32 host tensor holding {@code values} (copied) in row-major order. */
  public static Tensor fromInts(int[] values, int... dims) {
    Tensor t = zeros(DType.I32, dims);
    checkLength(values.length, t.shape);
    System.arraycopy(values, 0, ((TensorStorage.Host) t.storage).ints(), 0, values.length);
    return t;
  }

  /**
   * An i32 host tensor over {@code values} itself, not a copy: writes to either show in the other.
   * For handing an array just built (a repacked weight, gigabytes over a model) to {@link
   * Ops#upload} without copying it once more on the way.
   */
  public static Tensor wrapInts(int[] values, int... dims) {
    Shape shape = Shape.of(dims);
    checkLength(values.length, shape);
    return new Tensor(
        DType.I32,
        shape,
        shape.contiguousStrides(),
        0,
        new TensorStorage.Host(null, values, null),
        true);
  }

  /** An i8 or u8 host tensor holding {@code values} (copied) in row-major order. */
  public static Tensor fromBytes(DType dtype, byte[] values, int... dims) {
    if (dtype != DType.I8 && dtype != DType.U8) {
      throw new IllegalArgumentException("fromBytes needs i8 or u8, got " + dtype);
    }
    Tensor t = zeros(dtype, dims);
    checkLength(values.length, t.shape);
    System.arraycopy(values, 0, ((TensorStorage.Host) t.storage).bytes(), 0, values.length);
    return t;
  }

  /**
   * A contiguous device tensor over {@code allocation}; for backends. The tensor owns the
   * allocation.
   */
  public static Tensor onDevice(DType dtype, Shape shape, DeviceAllocation allocation) {
    requireTensorType(dtype);
    long need = shape.numel() * dtype.byteSize();
    if (allocation.bytes() < need) {
      throw new IllegalArgumentException(
          "allocation of " + allocation.bytes() + " bytes is too small for " + dtype + shape);
    }
    return new Tensor(
        dtype,
        shape,
        shape.contiguousStrides(),
        0,
        new TensorStorage.Device(allocation, allocation.bytes() / dtype.byteSize()),
        true);
  }

  // ---------------------------------------------------------------- description

  public DType dtype() {
    return dtype;
  }

  public Shape shape() {
    return shape;
  }

  public int rank() {
    return shape.rank();
  }

  /** Extent of dim {@code i}; negative counts from the end. */
  public int dim(int i) {
    return shape.dim(i);
  }

  public long numel() {
    return shape.numel();
  }

  /** Stride of dim {@code i} in elements; negative counts from the end. */
  public long stride(int i) {
    return strides[i < 0 ? strides.length + i : i];
  }

  public long[] strides() {
    return strides.clone();
  }

  /** Offset of element [0, ..., 0] in the storage, in elements. */
  public long offset() {
    return offset;
  }

  public TensorStorage storage() {
    return storage;
  }

  public boolean isHost() {
    return storage instanceof TensorStorage.Host;
  }

  public boolean isDevice() {
    return storage instanceof TensorStorage.Device;
  }

  /**
   * Whether the elements are laid out row-major without gaps (extents of 1 may have any stride).
   */
  public boolean isContiguous() {
    long expected = 1;
    for (int i = shape.rank() - 1; i >= 0; i--) {
      if (shape.dim(i) != 1 && strides[i] != expected) {
        return false;
      }
      expected *= shape.dim(i);
    }
    return true;
  }

  /**
   * Whether this tensor is a stack of rows of contiguous elements at one fixed distance apart: the
   * last dim has stride 1 and the dims before it collapse into one row index. Norms, softmax and
   * matmul accept such views (e.g. half of a fused gate/up output) without a copy.
   */
  public boolean hasUniformRows() {
    int r = shape.rank();
    if (r == 0) {
      return true;
    }
    if (shape.dim(-1) != 1 && strides[r - 1] != 1) {
      return false;
    }
    long expected = -1;
    for (int i = r - 2; i >= 0; i--) {
      if (shape.dim(i) == 1) {
        continue;
      }
      if (expected == -1) {
        expected = strides[i] * shape.dim(i);
        continue;
      }
      if (strides[i] != expected) {
        return false;
      }
      expected *= shape.dim(i);
    }
    return true;
  }

  /**
   * Distance in elements between consecutive rows (see {@link #hasUniformRows}); the row length
   * when there is one row.
   */
  public long rowStride() {
    if (!hasUniformRows()) {
      throw new IllegalStateException("tensor " + this + " does not have uniformly strided rows");
    }
    for (int i = shape.rank() - 2; i >= 0; i--) {
      if (shape.dim(i) != 1) {
        return strides[i];
      }
    }
    return shape.rank() == 0 ? 1 : shape.dim(-1);
  }

  /** {@code bf16[2, 4096] (cuda)}; used in every op error message. */
  @Override
  public String toString() {
    return DTypes.shortName(dtype)
        + shape
        + (isHost() ? " (host)" : " (device)")
        + (isContiguous() ? "" : " strides " + Arrays.toString(strides));
  }

  // ---------------------------------------------------------------- views

  /** The same elements under another shape; only for contiguous tensors. */
  public Tensor view(int... dims) {
    Shape newShape = Shape.of(dims);
    if (newShape.numel() != shape.numel()) {
      throw new IllegalArgumentException(
          "cannot view " + this + " as " + newShape + ": element counts differ");
    }
    if (!isContiguous()) {
      throw new IllegalArgumentException(
          "cannot view non-contiguous " + this + " as " + newShape + "; copy it first");
    }
    return new Tensor(dtype, newShape, newShape.contiguousStrides(), offset, storage, false);
  }

  /** Elements {@code [start, end)} along {@code dim}; the other dims unchanged. */
  public Tensor slice(int dim, int start, int end) {
    int d = dim < 0 ? rank() + dim : dim;
    if (d < 0 || d >= rank()) {
      throw new IllegalArgumentException("slice dim " + dim + " out of range for " + this);
    }
    if (start < 0 || end < start || end > shape.dim(d)) {
      throw new IllegalArgumentException(
          "slice [" + start + ", " + end + ") out of range for dim " + d + " of " + this);
    }
    int[] dims = shape.toArray();
    dims[d] = end - start;
    return new Tensor(
        dtype, Shape.of(dims), strides.clone(), offset + start * strides[d], storage, false);
  }

  /** The sub-tensor at {@code index} along {@code dim}, which disappears from the shape. */
  public Tensor select(int dim, int index) {
    int d = dim < 0 ? rank() + dim : dim;
    Tensor s = slice(d, index, index + 1);
    int[] dims = new int[rank() - 1];
    long[] st = new long[rank() - 1];
    for (int i = 0, j = 0; i < rank(); i++) {
      if (i != d) {
        dims[j] = shape.dim(i);
        st[j++] = strides[i];
      }
    }
    return new Tensor(dtype, Shape.of(dims), st, s.offset, storage, false);
  }

  // ---------------------------------------------------------------- host data

  /** Host floats of a floating tensor, indexed by {@link #offset()} and strides; for backends. */
  public float[] hostFloats() {
    float[] f = host().floats();
    if (f == null) {
      throw new IllegalStateException(this + " does not hold floats");
    }
    return f;
  }

  /** Host ints of an i32 tensor; for backends. */
  public int[] hostInts() {
    int[] i = host().ints();
    if (i == null) {
      throw new IllegalStateException(this + " does not hold ints");
    }
    return i;
  }

  /** Host bytes of an i8/u8 tensor; for backends. */
  public byte[] hostBytes() {
    byte[] b = host().bytes();
    if (b == null) {
      throw new IllegalStateException(this + " does not hold bytes");
    }
    return b;
  }

  /** Storage index of the element at {@code index}. */
  public long storageIndex(int... index) {
    if (index.length != rank()) {
      throw new IllegalArgumentException("index of rank " + index.length + " for " + this);
    }
    long at = offset;
    for (int i = 0; i < index.length; i++) {
      if (index[i] < 0 || index[i] >= shape.dim(i)) {
        throw new IndexOutOfBoundsException(
            "index " + Arrays.toString(index) + " out of bounds for " + this);
      }
      at += index[i] * strides[i];
    }
    return at;
  }

  /** One element of a host tensor, as float (ints and bytes widened; u8 unsigned). */
  public float getFloat(int... index) {
    int at = (int) storageIndex(index);
    TensorStorage.Host h = host();
    if (h.floats() != null) {
      return h.floats()[at];
    }
    if (h.ints() != null) {
      return h.ints()[at];
    }
    return dtype == DType.U8 ? h.bytes()[at] & 0xff : h.bytes()[at];
  }

  /** Sets one element of a floating host tensor, rounded to its dtype. */
  public void setFloat(float value, int... index) {
    hostFloats()[(int) storageIndex(index)] = DTypes.round(dtype, value);
  }

  /** The elements of a floating or integer host tensor, row-major, as a new array. */
  public float[] toFloatArray() {
    float[] out = new float[Math.toIntExact(numel())];
    int[] index = new int[rank()];
    for (int i = 0; i < out.length; i++) {
      out[i] = getFloat(index);
      increment(index);
    }
    return out;
  }

  /** The elements of an i32 host tensor, row-major, as a new array. */
  public int[] toIntArray() {
    int[] src = hostInts();
    int[] out = new int[Math.toIntExact(numel())];
    int[] index = new int[rank()];
    for (int i = 0; i < out.length; i++) {
      out[i] = src[(int) storageIndex(index)];
      increment(index);
    }
    return out;
  }

  /** A contiguous host copy of this host tensor (same dtype). */
  public Tensor contiguousCopy() {
    Tensor out = zeros(dtype, shape.toArray());
    switch (dtype) {
      case F32, F16, BF16 ->
          System.arraycopy(toFloatArray(), 0, out.hostFloats(), 0, (int) numel());
      case I32 -> System.arraycopy(toIntArray(), 0, out.hostInts(), 0, (int) numel());
      default -> {
        float[] v = toFloatArray();
        byte[] b = out.hostBytes();
        for (int i = 0; i < v.length; i++) {
          b[i] = (byte) (int) v[i];
        }
      }
    }
    return out;
  }

  private void increment(int[] index) {
    for (int d = index.length - 1; d >= 0; d--) {
      if (++index[d] < shape.dim(d)) {
        return;
      }
      index[d] = 0;
    }
  }

  private TensorStorage.Host host() {
    if (!(storage instanceof TensorStorage.Host h)) {
      throw new IllegalStateException(
          this + " is on a device; copy it to the host first (Ops.toHost)");
    }
    return h;
  }

  // ---------------------------------------------------------------- device data

  /** The device allocation behind this tensor. */
  public DeviceAllocation allocation() {
    if (!(storage instanceof TensorStorage.Device d)) {
      throw new IllegalStateException(this + " is on the host, not on a device");
    }
    return d.allocation();
  }

  /** Device address of element [0, ..., 0]. */
  public long address() {
    return allocation().address() + offset * dtype.byteSize();
  }

  /** A typed writable device pointer to element [0, ..., 0]; the marker must match the dtype. */
  public <T extends Element> Ptr<T> ptr(Class<T> element) {
    requireElement(element);
    return Ptr.ofAddress(address(), element);
  }

  /** A typed read-only device pointer to element [0, ..., 0]; the marker must match the dtype. */
  public <T extends Element> ConstPtr<T> constPtr(Class<T> element) {
    requireElement(element);
    return ConstPtr.ofAddress(address(), element);
  }

  /** Frees device memory when this tensor allocated it; a view or a host tensor does nothing. */
  @Override
  public void close() {
    if (owner && storage instanceof TensorStorage.Device d) {
      d.allocation().release();
    }
  }

  private void requireElement(Class<? extends Element> element) {
    if (DType.of(element) != dtype) {
      throw new IllegalArgumentException(
          "pointer of " + element.getSimpleName() + " requested from " + this);
    }
  }

  private static void requireTensorType(DType dtype) {
    if (!DTypes.TENSOR_TYPES.contains(dtype)) {
      throw new IllegalArgumentException("tensors hold " + DTypes.TENSOR_TYPES + ", not " + dtype);
    }
  }

  private static void checkLength(int length, Shape shape) {
    if (length != shape.numel()) {
      throw new IllegalArgumentException(
          length + " values given for shape " + shape + " (" + shape.numel() + " elements)");
    }
  }
}
