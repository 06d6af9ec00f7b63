package dev.kernelj.runtime.cuda;

import com.sun.jna.ptr.IntByReference;
import dev.kernelj.dsl.Dim3;
import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.check.ParamLayout;
import dev.kernelj.runtime.driver.CuConstants;
import dev.kernelj.runtime.driver.CuDirect;
import dev.kernelj.runtime.driver.CuLaunchEx;
import dev.kernelj.runtime.driver.Driver;
import dev.kernelj.runtime.kernel.KernelBinding;
import dev.kernelj.runtime.kernel.KernelFunction;
import dev.kernelj.runtime.kernel.ParamBlock;

/**
 * One loaded kernel ({@code CUfunction}) with its reusable {@link ParamBlock}. {@link #launch}
 * checks the block size and shared memory against the declared and the compiled limits, then calls
 * {@code cuLaunchKernel} through JNA direct mapping: a successful launch allocates nothing. A
 * launch that may overlap the previous kernel goes through {@code cuLaunchKernelEx} on devices that
 * take it (compute capability 9.0+) and through {@code cuLaunchKernel} elsewhere.
 */
public final class CudaFunction implements KernelFunction {
  /**
   * {@code -Dkernelj.launchOverlap=false} launches every kernel plainly, ignoring {@link
   * Launch#overlappingPrevious()}: to measure what overlap gains, or to rule it out.
   */
  static final boolean OVERLAP_ENABLED =
      !"false".equalsIgnoreCase(System.getProperty("kernelj.launchOverlap"));

  private final CudaContext context;
  private final long handle;
  private final String name;
  private final ParamBlock params;
  private final int maxThreadsPerBlock;
  private final String threadsLimitSource;
  private final int maxDynamicSharedBytes;
  private final SharedMemoryPlan shared;

  /** Whether the device takes programmatic dependent launches (compute capability 9.0+). */
  private final boolean overlapSupported;

  private LaunchConfigBlock overlapConfig;

  CudaFunction(CudaContext context, long handle, String name, KernelBinding binding) {
    this.context = context;
    this.handle = handle;
    this.name = name;
    this.params = new ParamBlock(ParamLayout.ofSizes(binding.paramSizes()));
    int compiled = attribute(CuConstants.CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
    int declared = binding.maxThreadsPerBlock();
    if (declared > 0 && declared < compiled) {
      this.maxThreadsPerBlock = declared;
      this.threadsLimitSource = "the declared maxThreadsPerBlock";
    } else {
      this.maxThreadsPerBlock = compiled;
      this.threadsLimitSource = "the compiled kernel's limit (registers, __launch_bounds__)";
    }
    // Overlap needs the device (sm_90+), the driver call, and code built for compute_90 or later:
    // a kernel JIT-compiled from older PTX was compiled without its griddepcontrol.wait, and
    // launching it to overlap would race with the kernel before it.
    this.overlapSupported =
        OVERLAP_ENABLED
            && context.device().computeCapability().major() >= 9
            && attribute(CuConstants.CU_FUNC_ATTRIBUTE_PTX_VERSION) >= 90
            && CuLaunchEx.available();
    this.shared =
        SharedMemoryPlan.of(
            binding.maxDynamicSharedBytes(),
            attribute(CuConstants.CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES),
            context.device().maxSharedMemoryPerBlockOptin());
    if (shared.raiseTo() > 0) {
      context.ensureCurrent();
      Driver.check(
          Driver.api()
              .cuFuncSetAttribute(
                  handle,
                  CuConstants.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                  shared.raiseTo()),
          "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES=" + shared.raiseTo() + ") for " + name);
    }
    this.maxDynamicSharedBytes = shared.dynamicLimit();
  }

  @Override
  public ParamBlock params() {
    return params;
  }

  /** The {@code CUfunction} handle. */
  public long handle() {
    return handle;
  }

  /** How messages name this kernel, e.g. {@code com.acme.Saxpy.saxpy (saxpy)}. */
  public String name() {
    return name;
  }

  /** The block-size limit launches are checked against. */
  public int maxThreadsPerBlock() {
    return maxThreadsPerBlock;
  }

  /**
   * Whether a launch that asks to overlap the previous kernel ({@link Launch#overlappingPrevious})
   * does: an sm_90+ device, a driver with {@code cuLaunchKernelEx}, code compiled for compute_90 or
   * later, and {@code kernelj.launchOverlap} not false. Otherwise such launches run plainly.
   */
  public boolean overlapsWhenAsked() {
    return overlapSupported;
  }

  /** The dynamic shared memory limit launches are checked against. */
  public int maxDynamicSharedBytes() {
    return maxDynamicSharedBytes;
  }

  /** A {@code CUfunction_attribute} value. */
  public int attribute(int attribute) {
    context.ensureCurrent();
    IntByReference v = new IntByReference();
    Driver.check(
        Driver.api().cuFuncGetAttribute(v, attribute, handle),
        "cuFuncGetAttribute(" + attribute + ") for " + name);
    return v.getValue();
  }

  @Override
  public void launch(Launch launch) {
    launchWith(launch, params.kernelParamsAddress());
  }

  /**
   * Launches with another parameter block's {@code void*[]} (dynamic kernels keep their own).
   * Checks as {@link #launch} does.
   */
  public void launchWith(Launch launch, long kernelParamsAddress) {
    Dim3 block = launch.block();
    long threads = block.volume();
    if (threads > maxThreadsPerBlock) {
      throw new IllegalArgumentException(
          name
              + ": a block of "
              + threads
              + " threads ("
              + block.x()
              + "x"
              + block.y()
              + "x"
              + block.z()
              + ") exceeds "
              + maxThreadsPerBlock
              + ", "
              + threadsLimitSource);
    }
    if (launch.sharedBytes() > maxDynamicSharedBytes) {
      throw new IllegalArgumentException(shared.refusal(name, launch.sharedBytes()));
    }
    context.ensureCurrent();
    Dim3 grid = launch.grid();
    int r;
    boolean overlap = launch.overlapsPrevious() && overlapSupported;
    if (overlap) {
      if (overlapConfig == null) {
        overlapConfig = new LaunchConfigBlock();
      }
      r = CuLaunchEx.cuLaunchKernelEx(overlapConfig.fill(launch), handle, kernelParamsAddress, 0L);
    } else {
      r =
          CuDirect.cuLaunchKernel(
              handle,
              grid.x(),
              grid.y(),
              grid.z(),
              block.x(),
              block.y(),
              block.z(),
              launch.sharedBytes(),
              launch.stream().streamHandle(),
              kernelParamsAddress,
              0L);
    }
    if (r != 0) {
      throw Driver.exception(
          r,
          (overlap ? "cuLaunchKernelEx(" : "cuLaunchKernel(")
              + name
              + ", grid "
              + grid.x()
              + "x"
              + grid.y()
              + "x"
              + grid.z()
              + ", block "
              + block.x()
              + "x"
              + block.y()
              + "x"
              + block.z()
              + ")");
    }
  }
}
