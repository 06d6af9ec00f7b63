package dev.kernelj.runtime.kernel;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.check.ParamLayout;

/**
 * A kernel's arguments in native memory, allocated once per function and rewritten for every
 * launch: first the argument values at their {@link ParamLayout} offsets, then the
 * {@code void* kernelParams[]} array that {@code cuLaunchKernel} takes, pointing at each value.
 * Writes are bounds- and alignment-checked against the layout only in the sense that offsets come
 * from generated code; nothing is allocated per launch.
 */
public final class ParamBlock {
  private final ParamLayout layout;
  private final Memory memory;
  private final long argsAddress;
  private final long pointerArrayAddress;

  public ParamBlock(ParamLayout layout) {
    this.layout = layout;
    int pointerArrayOffset = layout.totalBytes();
    this.memory = new Memory((long) pointerArrayOffset + 8L * Math.max(1, layout.count()));
    memory.clear();
    this.argsAddress = Pointer.nativeValue(memory);
    this.pointerArrayAddress = argsAddress + pointerArrayOffset;
    for (int i = 0; i < layout.count(); i++) {
      memory.setLong(pointerArrayOffset + 8L * i, argsAddress + layout.offset(i));
    }
  }

  public ParamLayout layout() {
    return layout;
  }

  /** Address of the {@code void*[]} array to pass as {@code kernelParams}. */
  public long kernelParamsAddress() {
    return pointerArrayAddress;
  }

  /** Address of the argument values themselves (for tests and for {@code cuFuncGetParamInfo} checks). */
  public long argsAddress() {
    return argsAddress;
  }

  public void putByte(int offset, byte value) {
    memory.setByte(offset, value);
  }

  public void putBoolean(int offset, boolean value) {
    memory.setByte(offset, value ? (byte) 1 : (byte) 0);
  }

  public void putShort(int offset, short value) {
    memory.setShort(offset, value);
  }

  public void putInt(int offset, int value) {
    memory.setInt(offset, value);
  }

  public void putLong(int offset, long value) {
    memory.setLong(offset, value);
  }

  public void putFloat(int offset, float value) {
    memory.setFloat(offset, value);
  }

  public void putDouble(int offset, double value) {
    memory.setDouble(offset, value);
  }

  /** Writes a device address; {@code null} is rejected, since no kernel expects it by accident. */
  public void putPointer(int offset, ConstPtr<?> pointer, String parameterName) {
    if (pointer == null) {
      throw new NullPointerException("kernel argument '" + parameterName + "' is null");
    }
    memory.setLong(offset, pointer.address());
  }

  /** The argument bytes as they are now, for tests. */
  public byte[] argumentBytes() {
    return memory.getByteArray(0, layout.totalBytes());
  }
}
