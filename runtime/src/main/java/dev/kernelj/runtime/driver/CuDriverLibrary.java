package dev.kernelj.runtime.driver;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.FloatByReference;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * The raw CUDA driver API with the C symbol names, including the {@code _v2} suffixes that {@code
 * cuda.h} maps its public names to (calling {@code cuMemAlloc} instead of {@code cuMemAlloc_v2}
 * would reach the legacy 32-bit entry point). Every method returns a {@code CUresult}; {@link
 * Driver} turns non-zero results into {@link CudaException}s.
 *
 * <p>Handles ({@code CUcontext}, {@code CUstream}, {@code CUfunction}, ...) and device pointers are
 * passed as {@code long}; sizes ({@code size_t}) as {@code long}. Only 64-bit platforms are
 * supported. The launch hot path does not come through here but through {@link CuDirect}.
 */
@SuppressWarnings({"checkstyle:MethodName", "unused"})
public interface CuDriverLibrary extends Library {
  int cuInit(int flags);

  int cuDriverGetVersion(IntByReference version);

  int cuGetErrorName(int error, PointerByReference name);

  int cuGetErrorString(int error, PointerByReference text);

  // Devices
  int cuDeviceGet(IntByReference device, int ordinal);

  int cuDeviceGetCount(IntByReference count);

  int cuDeviceGetName(byte[] name, int length, int device);

  int cuDeviceGetAttribute(IntByReference value, int attribute, int device);

  int cuDeviceTotalMem_v2(LongByReference bytes, int device);

  int cuDeviceGetDefaultMemPool(LongByReference pool, int device);

  // Contexts
  int cuDevicePrimaryCtxRetain(LongByReference context, int device);

  int cuDevicePrimaryCtxRelease_v2(int device);

  int cuCtxSetCurrent(long context);

  int cuCtxGetCurrent(LongByReference context);

  int cuCtxSynchronize();

  int cuMemGetInfo_v2(LongByReference free, LongByReference total);

  // Streams and events
  int cuStreamCreate(LongByReference stream, int flags);

  int cuStreamDestroy_v2(long stream);

  int cuStreamSynchronize(long stream);

  int cuStreamBeginCapture_v2(long stream, int mode);

  int cuStreamEndCapture(long stream, LongByReference graph);

  int cuEventCreate(LongByReference event, int flags);

  int cuEventRecord(long event, long stream);

  int cuEventSynchronize(long event);

  int cuEventElapsedTime_v2(FloatByReference millis, long start, long end);

  /** Drivers before CUDA 12.8 export only this name. */
  int cuEventElapsedTime(FloatByReference millis, long start, long end);

  int cuEventDestroy_v2(long event);

  // Memory
  int cuMemAlloc_v2(LongByReference devicePointer, long bytes);

  int cuMemFree_v2(long devicePointer);

  int cuMemAllocAsync(LongByReference devicePointer, long bytes, long stream);

  int cuMemFreeAsync(long devicePointer, long stream);

  int cuMemPoolSetAttribute(long pool, int attribute, Pointer value);

  int cuMemPoolGetAttribute(long pool, int attribute, Pointer value);

  int cuMemPoolTrimTo(long pool, long minBytesToKeep);

  int cuMemHostAlloc(PointerByReference hostPointer, long bytes, int flags);

  int cuMemFreeHost(Pointer hostPointer);

  int cuMemcpyHtoD_v2(long dst, Pointer src, long bytes);

  int cuMemcpyDtoH_v2(Pointer dst, long src, long bytes);

  int cuMemcpyDtoD_v2(long dst, long src, long bytes);

  int cuMemcpyHtoDAsync_v2(long dst, Pointer src, long bytes, long stream);

  int cuMemcpyDtoHAsync_v2(Pointer dst, long src, long bytes, long stream);

  int cuMemcpyDtoDAsync_v2(long dst, long src, long bytes, long stream);

  int cuMemsetD8_v2(long dst, byte value, long count);

  int cuMemsetD32_v2(long dst, int value, long count);

  int cuMemsetD8Async(long dst, byte value, long count, long stream);

  int cuMemsetD16Async(long dst, short value, long count, long stream);

  int cuMemsetD32Async(long dst, int value, long count, long stream);

  // Modules and functions
  int cuModuleLoadData(LongByReference module, Pointer image);

  int cuModuleLoadDataEx(
      LongByReference module, Pointer image, int numOptions, Pointer options, Pointer optionValues);

  int cuModuleUnload(long module);

  int cuModuleGetFunction(LongByReference function, long module, String name);

  int cuFuncGetAttribute(IntByReference value, int attribute, long function);

  int cuFuncSetAttribute(long function, int attribute, int value);

  /** CUDA 12.4+; look it up with {@link Driver#hasFuncGetParamInfo()} before calling. */
  int cuFuncGetParamInfo(
      long function, long paramIndex, LongByReference paramOffset, LongByReference paramSize);

  int cuLaunchKernel(
      long function,
      int gridX,
      int gridY,
      int gridZ,
      int blockX,
      int blockY,
      int blockZ,
      int sharedBytes,
      long stream,
      Pointer kernelParams,
      Pointer extra);

  /**
   * The same entry point taking a Java {@code Pointer[]} (converted by JNA per call); only the
   * benchmark's naive variant uses it.
   */
  int cuLaunchKernel(
      long function,
      int gridX,
      int gridY,
      int gridZ,
      int blockX,
      int blockY,
      int blockZ,
      int sharedBytes,
      long stream,
      Pointer[] kernelParams,
      Pointer extra);

  // Graphs
  int cuGraphInstantiateWithFlags(LongByReference graphExec, long graph, long flags);

  int cuGraphLaunch(long graphExec, long stream);

  int cuGraphDestroy(long graph);

  int cuGraphExecDestroy(long graphExec);
}
