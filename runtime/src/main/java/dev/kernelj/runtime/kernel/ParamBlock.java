package dev.kernelj.runtime.kernel;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.kernelj.dsl.ConstPtr;
import dev.kernelj.dsl.check.ParamLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A kernel's arguments in native memory, allocated once per function and rewritten for every
 * launch: first the argument values at their {@link ParamLayout} offsets, then the {@code void*
 * kernelParams[]} array that {@code cuLaunchKernel} takes, pointing at each value. Offsets come
 * from generated code, which took them from the same layout. Nothing is allocated per launch, and
 * writes go through a direct {@link ByteBuffer} over the block, which the JIT turns into plain
 * stores (JNA's {@code Memory.setInt} would be one native call per argument).
 */
public final class ParamBlock {
  private final ParamLayout layout;
  private final Memory memory;
  private final ByteBuffer args;
  private final long argsAddress;
  private final long pointerArrayAddress;

  public ParamBlock(ParamLayout layout) {
    this.layout = layout;
    int pointerArrayOffset = layout.totalBytes();
    this.memory = new Memory((long) pointerArrayOffset + 8L * Math.max(1, layout.count()));
    memory.clear();
    this.args = memory.getByteBuffer(0, pointerArrayOffset).order(ByteOrder.nativeOrder());
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

  /**
   * Address of the argument values themselves (for tests and for {@code cuFuncGetParamInfo}
   * checks).
   */
  public long argsAddress() {
    return argsAddress;
  }

  public void putByte(int offset, byte value) {
    args.put(offset, value);
  }

  public void putBoolean(int offset, boolean value) {
    args.put(offset, value ? (byte) 1 : (byte) 0);
  }

  public void putShort(int offset, short value) {
    args.putShort(offset, value);
  }

  public void putInt(int offset, int value) {
    args.putInt(offset, value);
  }

  public void putLong(int offset, long value) {
    args.putLong(offset, value);
  }

  public void putFloat(int offset, float value) {
    args.putFloat(offset, value);
  }

  public void putDouble(int offset, double value) {
    args.putDouble(offset, value);
  }

  /** Writes a device address; {@code null} is rejected, since no kernel expects it by accident. */
  public void putPointer(int offset, ConstPtr<?> pointer, String parameterName) {
    if (pointer == null) {
      throw new NullPointerException("kernel argument '" + parameterName + "' is null");
    }
    args.putLong(offset, pointer.address());
  }

  /** The argument bytes as they are now, for tests. */
  public byte[] argumentBytes() {
    return memory.getByteArray(0, layout.totalBytes());
  }
}
