package dev.kernelj.runtime.dynamic;

import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.DType;
import dev.kernelj.dsl.Ptr;
import dev.kernelj.dsl.check.JavaParam;
import dev.kernelj.dsl.check.ParamLayout;
import dev.kernelj.runtime.kernel.ParamBlock;

/**
 * How a dynamic launch's Java argument values map to the {@link JavaParam}s the shared matching
 * rules check, and how they are written into a {@link ParamBlock}.
 */
public final class ArgumentMapping {
  private ArgumentMapping() {}

  /**
   * The parameter an argument value declares; {@link JavaParam.Unsupported} for anything unknown or
   * null.
   */
  public static JavaParam toJavaParam(Object arg) {
    if (arg == null) {
      return new JavaParam.Unsupported("null");
    }
    if (arg instanceof ConstPtr<?> p) {
      return new JavaParam.Pointer(p.dtype(), p instanceof Ptr<?>);
    }
    if (arg instanceof Args.Typed t) {
      return new JavaParam.Scalar(t.type());
    }
    DType type = boxedType(arg);
    return type != null
        ? new JavaParam.Scalar(type)
        : new JavaParam.Unsupported(arg.getClass().getName());
  }

  private static DType boxedType(Object arg) {
    if (arg instanceof Integer) {
      return DType.I32;
    }
    if (arg instanceof Long) {
      return DType.I64;
    }
    if (arg instanceof Float) {
      return DType.F32;
    }
    if (arg instanceof Double) {
      return DType.F64;
    }
    if (arg instanceof Short) {
      return DType.I16;
    }
    if (arg instanceof Byte) {
      return DType.I8;
    }
    if (arg instanceof Boolean) {
      return DType.BOOL;
    }
    return null;
  }

  /**
   * Writes {@code args} into {@code block} at its layout's offsets; the args must have passed the
   * check.
   */
  public static void write(ParamBlock block, Object[] args) {
    ParamLayout layout = block.layout();
    for (int i = 0; i < args.length; i++) {
      int at = layout.offset(i);
      Object a = args[i];
      if (a instanceof ConstPtr<?> p) {
        block.putPointer(at, p, "argument " + i);
      } else if (a instanceof Args.Typed t) {
        switch (t.type().byteSize()) {
          case 1 -> block.putByte(at, (byte) t.bits());
          case 2 -> block.putShort(at, (short) t.bits());
          case 4 -> block.putInt(at, (int) t.bits());
          default -> block.putLong(at, t.bits());
        }
      } else if (a instanceof Integer v) {
        block.putInt(at, v);
      } else if (a instanceof Long v) {
        block.putLong(at, v);
      } else if (a instanceof Float v) {
        block.putFloat(at, v);
      } else if (a instanceof Double v) {
        block.putDouble(at, v);
      } else if (a instanceof Short v) {
        block.putShort(at, v);
      } else if (a instanceof Byte v) {
        block.putByte(at, v);
      } else if (a instanceof Boolean v) {
        block.putBoolean(at, v);
      } else {
        throw new IllegalArgumentException(
            "argument " + i + " (" + a + ") cannot be passed to a kernel");
      }
    }
  }

  /** How an argument reads in messages: its value and Java type. */
  static String describe(Object arg) {
    if (arg == null) {
      return "null";
    }
    if (arg instanceof ConstPtr<?> p) {
      return toJavaParam(arg).javaSpelling() + " 0x" + Long.toHexString(p.address());
    }
    return arg + " (" + toJavaParam(arg).javaSpelling() + ")";
  }
}
