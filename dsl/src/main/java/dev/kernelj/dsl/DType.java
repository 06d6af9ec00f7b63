package dev.kernelj.dsl;

/**
 * The element types a kernel parameter can carry, with their size in bytes and the Java marker
 * class ({@link F32}, {@link BF16}, ...) that names them in pointer types such as {@code Ptr<F32>}.
 */
public enum DType {
  F32(4, F32.class),
  F64(8, F64.class),
  F16(2, F16.class),
  BF16(2, BF16.class),
  I8(1, I8.class),
  U8(1, U8.class),
  I16(2, I16.class),
  U16(2, U16.class),
  I32(4, I32.class),
  U32(4, U32.class),
  I64(8, I64.class),
  U64(8, U64.class),
  BOOL(1, Bool.class);

  private final int byteSize;
  private final Class<? extends Element> marker;

  DType(int byteSize, Class<? extends Element> marker) {
    this.byteSize = byteSize;
    this.marker = marker;
  }

  /** Size of one element in bytes (also its alignment as a kernel parameter). */
  public int byteSize() {
    return byteSize;
  }

  /** The marker class used as the type argument of {@link Ptr} and {@link ConstPtr}. */
  public Class<? extends Element> marker() {
    return marker;
  }

  /** The DType whose marker class has this simple or canonical name, or null. */
  public static DType ofMarkerName(String name) {
    String simple = name.substring(name.lastIndexOf('.') + 1);
    for (DType t : values()) {
      if (t.marker.getSimpleName().equals(simple)) {
        return t;
      }
    }
    return null;
  }

  /** The DType for a marker class. */
  public static DType of(Class<? extends Element> marker) {
    for (DType t : values()) {
      if (t.marker == marker) {
        return t;
      }
    }
    throw new IllegalArgumentException("not an element marker: " + marker.getName());
  }
}
