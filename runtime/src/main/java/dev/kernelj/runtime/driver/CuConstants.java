package dev.kernelj.runtime.driver;

/** Enum and flag values from {@code cuda.h} (CUDA 13.0) that KernelJ uses. */
public final class CuConstants {
  private CuConstants() {}

  // CUresult
  public static final int CUDA_SUCCESS = 0;
  public static final int CUDA_ERROR_INVALID_VALUE = 1;
  public static final int CUDA_ERROR_OUT_OF_MEMORY = 2;
  public static final int CUDA_ERROR_NOT_INITIALIZED = 3;
  public static final int CUDA_ERROR_NO_DEVICE = 100;
  public static final int CUDA_ERROR_INVALID_IMAGE = 200;
  public static final int CUDA_ERROR_NO_BINARY_FOR_GPU = 209;
  public static final int CUDA_ERROR_INVALID_PTX = 218;
  public static final int CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222;
  public static final int CUDA_ERROR_NOT_FOUND = 500;
  public static final int CUDA_ERROR_NOT_SUPPORTED = 801;

  // CUdevice_attribute
  public static final int CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1;
  public static final int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK = 8;
  public static final int CU_DEVICE_ATTRIBUTE_WARP_SIZE = 10;
  public static final int CU_DEVICE_ATTRIBUTE_CLOCK_RATE = 13;
  public static final int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
  public static final int CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE = 36;
  public static final int CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH = 37;
  public static final int CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE = 38;
  public static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
  public static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
  public static final int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR = 81;
  public static final int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;
  public static final int CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED = 115;

  // CUfunction_attribute
  public static final int CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 0;
  public static final int CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES = 1;
  public static final int CU_FUNC_ATTRIBUTE_NUM_REGS = 4;

  /**
   * The virtual architecture (major * 10 + minor) the function's code was compiled from: its {@code
   * __CUDA_ARCH__ / 10}.
   */
  public static final int CU_FUNC_ATTRIBUTE_PTX_VERSION = 5;

  public static final int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;

  // CUmemPool_attribute
  public static final int CU_MEMPOOL_ATTR_RELEASE_THRESHOLD = 4;

  // CUstream_flags, CUevent_flags, CUstreamCaptureMode
  public static final int CU_STREAM_DEFAULT = 0;
  public static final int CU_STREAM_NON_BLOCKING = 1;
  public static final int CU_EVENT_DEFAULT = 0;
  public static final int CU_EVENT_DISABLE_TIMING = 2;
  public static final int CU_STREAM_CAPTURE_MODE_GLOBAL = 0;
  public static final int CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1;
  public static final int CU_STREAM_CAPTURE_MODE_RELAXED = 2;

  // cuMemHostAlloc flags
  public static final int CU_MEMHOSTALLOC_PORTABLE = 0x01;
  public static final int CU_MEMHOSTALLOC_DEVICEMAP = 0x02;
  public static final int CU_MEMHOSTALLOC_WRITECOMBINED = 0x04;

  /** The default dynamic shared memory a launch may use without raising the function's limit. */
  public static final int DEFAULT_DYNAMIC_SHARED_LIMIT = 48 * 1024;
}
