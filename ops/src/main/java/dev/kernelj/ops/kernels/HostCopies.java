package dev.kernelj.ops.kernels;

import dev.kernelj.ops.OpArgumentException;
import dev.kernelj.ops.Tensor;
import java.nio.ByteBuffer;

/** The checks {@link Ops#copyFromHost} makes on both backends before it copies anything. */
public final class HostCopies {
  private HostCopies() {}

  /**
   * The byte count {@code dst} needs, after checking that it is contiguous and that {@code bytes}
   * holds exactly that many (a size off by a factor of 2 or 4 usually means the bytes are of
   * another dtype, so the message names the dtype the bytes must be in).
   */
  public static long requireExactFit(Tensor dst, ByteBuffer bytes) {
    OpChecks.contiguous("copyFromHost", "dst", dst);
    long need = dst.numel() * dst.dtype().byteSize();
    if (bytes.remaining() != need) {
      throw new OpArgumentException(
          "copyFromHost",
          "bytes",
          "holds "
              + bytes.remaining()
              + " bytes but dst "
              + dst
              + " needs "
              + need
              + " ("
              + dst.numel()
              + " elements of "
              + dst.dtype()
              + ", "
              + dst.dtype().byteSize()
              + " bytes each, little-endian)");
    }
    return need;
  }
}
