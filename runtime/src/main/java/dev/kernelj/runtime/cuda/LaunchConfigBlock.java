package dev.kernelj.runtime.cuda;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.kernelj.dsl.Dim3;
import dev.kernelj.dsl.Launch;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A reusable native {@code CUlaunchConfig} with one {@code CUlaunchAttribute}, for {@code
 * cuLaunchKernelEx}: programmatic stream serialization allowed, which is how a {@link
 * Launch#overlappingPrevious()} launch reaches the driver. Filled with plain buffer stores, so a
 * launch allocates nothing. Layout (cuda.h, 64-bit): the config is seven 32-bit sizes, the stream
 * at 32, the attribute array at 40, their count at 48 (56 bytes); an attribute is its 32-bit id, 4
 * bytes of padding and a 64-byte value union (72 bytes).
 */
final class LaunchConfigBlock {
  /** {@code CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION}. */
  static final int PROGRAMMATIC_STREAM_SERIALIZATION = 6;

  private static final int CONFIG_BYTES = 56;
  private static final int ATTRIBUTE_BYTES = 72;

  private final Memory memory = new Memory(CONFIG_BYTES + ATTRIBUTE_BYTES);
  private final ByteBuffer buffer =
      memory.getByteBuffer(0, CONFIG_BYTES + ATTRIBUTE_BYTES).order(ByteOrder.nativeOrder());

  LaunchConfigBlock() {
    memory.clear();
    buffer.putLong(40, Pointer.nativeValue(memory) + CONFIG_BYTES);
    buffer.putInt(48, 1);
    buffer.putInt(CONFIG_BYTES, PROGRAMMATIC_STREAM_SERIALIZATION);
    buffer.putInt(CONFIG_BYTES + 8, 1);
  }

  /** Writes {@code launch}'s shape and stream; returns the config's address. */
  long fill(Launch launch) {
    Dim3 grid = launch.grid();
    Dim3 block = launch.block();
    buffer.putInt(0, grid.x()).putInt(4, grid.y()).putInt(8, grid.z());
    buffer.putInt(12, block.x()).putInt(16, block.y()).putInt(20, block.z());
    buffer.putInt(24, launch.sharedBytes());
    buffer.putLong(32, launch.stream().streamHandle());
    return Pointer.nativeValue(memory);
  }
}
