package dev.kernelj.runtime.nvrtc;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * The raw NVRTC API with its C names ({@code nvrtc.h}). Every function but {@link
 * #nvrtcGetErrorString} returns an {@code nvrtcResult}; {@link Nvrtc} checks them. {@code
 * nvrtcProgram} handles are {@link Pointer}s; {@code size_t} is {@code long}.
 */
@SuppressWarnings("unused")
public interface NvrtcLibrary extends Library {
  String nvrtcGetErrorString(int result);

  int nvrtcVersion(IntByReference major, IntByReference minor);

  int nvrtcGetNumSupportedArchs(IntByReference count);

  int nvrtcGetSupportedArchs(int[] archs);

  int nvrtcCreateProgram(
      PointerByReference program,
      String source,
      String name,
      int numHeaders,
      String[] headers,
      String[] includeNames);

  int nvrtcDestroyProgram(PointerByReference program);

  int nvrtcCompileProgram(Pointer program, int numOptions, String[] options);

  int nvrtcGetPTXSize(Pointer program, LongByReference size);

  int nvrtcGetPTX(Pointer program, byte[] ptx);

  int nvrtcGetCUBINSize(Pointer program, LongByReference size);

  int nvrtcGetCUBIN(Pointer program, byte[] cubin);

  int nvrtcGetProgramLogSize(Pointer program, LongByReference size);

  int nvrtcGetProgramLog(Pointer program, byte[] log);

  int nvrtcAddNameExpression(Pointer program, String nameExpression);

  int nvrtcGetLoweredName(Pointer program, String nameExpression, PointerByReference loweredName);
}
