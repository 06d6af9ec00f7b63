package dev.kernelj.runtime.cuda;

import dev.kernelj.runtime.cache.CacheKey;
import dev.kernelj.runtime.cache.KernelCache;
import dev.kernelj.runtime.driver.CuConstants;
import dev.kernelj.runtime.driver.CudaException;
import dev.kernelj.runtime.driver.Driver;
import dev.kernelj.runtime.kernel.KernelBinding;
import dev.kernelj.runtime.kernel.KernelSource;
import dev.kernelj.runtime.nativelib.CudaLibraryNotFoundException;
import dev.kernelj.runtime.nvrtc.CompileOptions;
import dev.kernelj.runtime.nvrtc.CompiledProgram;
import dev.kernelj.runtime.nvrtc.Nvrtc;
import dev.kernelj.runtime.nvrtc.NvrtcException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a {@link KernelSource} into loaded functions in one context: the precompiled fatbin when it
 * fits and the driver accepts it, else NVRTC for this device through the {@link KernelCache}; then
 * one {@code CUfunction} per binding, checked with {@code cuFuncGetParamInfo} where the driver has
 * it.
 */
final class KernelSourceLoader {
  /** Driver answers that mean "this image has nothing for this GPU": fall back to NVRTC. */
  private static final Set<Integer> NOT_FOR_THIS_GPU =
      Set.of(
          CuConstants.CUDA_ERROR_NO_BINARY_FOR_GPU, CuConstants.CUDA_ERROR_INVALID_IMAGE,
          CuConstants.CUDA_ERROR_UNSUPPORTED_PTX_VERSION, CuConstants.CUDA_ERROR_INVALID_PTX);

  private KernelSourceLoader() {}

  static LoadedKernelModule load(CudaContext context, KernelSource source, KernelCache cache) {
    String iface = source.owner().getName();
    List<String> nameExpressions =
        source.bindings().stream().map(KernelBinding::nameExpression).toList();
    CudaModule module = null;
    Map<String, String> lowered;
    ModuleOrigin origin;
    String skipReason;

    PrecompiledKernel.Lookup pre = PrecompiledKernel.find(source);
    if (pre instanceof PrecompiledKernel.Usable usable) {
      long[] handle = new long[1];
      int r = CudaModule.tryLoad(context, usable.fatbin(), handle);
      if (r == 0) {
        module = CudaModule.wrap(context, handle[0]);
        skipReason = null;
      } else if (NOT_FOR_THIS_GPU.contains(r)) {
        skipReason =
            "the precompiled binary (archs "
                + usable.archs()
                + ") does not run on "
                + context.device().computeCapability().smArch()
                + ": "
                + Driver.exception(r, "cuModuleLoadData").getMessage();
      } else {
        throw new KernelLoadException(
            "kernels of " + iface + ": the precompiled binary failed to load",
            Driver.exception(
                r,
                "cuModuleLoadData("
                    + PrecompiledKernel.baseName(source.owner())
                    + PrecompiledKernel.FATBIN_SUFFIX
                    + ")"));
      }
      lowered = usable.loweredNames();
      origin = ModuleOrigin.PRECOMPILED;
    } else {
      skipReason = ((PrecompiledKernel.Skipped) pre).reason();
      lowered = Map.of();
      origin = null;
    }

    if (module == null) {
      CompiledFor compiled = compile(context, source, nameExpressions, cache, skipReason);
      lowered = compiled.program().loweredNames();
      origin = compiled.fromCache() ? ModuleOrigin.NVRTC_CACHE : ModuleOrigin.NVRTC_COMPILED;
      try {
        module = CudaModule.load(context, compiled.program().binary());
      } catch (CudaException e) {
        throw new KernelLoadException(
            "kernels of " + iface + ": the NVRTC output for " + compiled.arch() + " failed to load",
            e);
      }
    }

    List<CudaFunction> functions = new ArrayList<>();
    String arch = context.device().computeCapability().smArch();
    try {
      for (KernelBinding b : source.bindings()) {
        String where = iface + "." + b.methodName() + " (" + b.nameExpression() + ")";
        String symbol = lowered.get(b.nameExpression());
        if (symbol == null) {
          throw new KernelLoadException(
              MissingFunction.message(iface, b, null, MissingFunction.origin(origin), arch), null);
        }
        long handle;
        try {
          handle = module.functionHandle(symbol);
        } catch (CudaException e) {
          String message =
              e.code() == CuConstants.CUDA_ERROR_NOT_FOUND
                  ? MissingFunction.message(iface, b, symbol, MissingFunction.origin(origin), arch)
                  : "kernels of " + iface + ": cannot get function " + symbol + " for " + where;
          throw new KernelLoadException(message, e);
        }
        ParamInfoCheck.verify(handle, b.paramSizes(), where);
        functions.add(new CudaFunction(context, handle, where, b));
      }
    } catch (RuntimeException e) {
      module.close();
      throw e;
    }
    return new LoadedKernelModule(module, functions, origin, skipReason);
  }

  private record CompiledFor(CompiledProgram program, boolean fromCache, String arch) {}

  private static CompiledFor compile(
      CudaContext context,
      KernelSource source,
      List<String> nameExpressions,
      KernelCache cache,
      String skipReason) {
    String iface = source.owner().getName();
    try {
      String arch =
          Nvrtc.targetFor(context.device().computeCapability().number(), Nvrtc.supportedArchs());
      CompileOptions options = Nvrtc.defaultOptions(arch).withExtra(source.options());
      CacheKey key =
          new CacheKey(
              source.cudaSource(),
              options.toArgs(),
              arch,
              Nvrtc.versionString(),
              Driver.driverVersion(),
              nameExpressions);
      KernelCache.Lookup found =
          cache.getOrCompile(
              key,
              () -> Nvrtc.compile(source.cudaSource(), iface + ".cu", options, nameExpressions));
      return new CompiledFor(found.program(), found.hit(), arch);
    } catch (CudaLibraryNotFoundException e) {
      throw new KernelLoadException(
          "kernels of "
              + iface
              + ": no usable precompiled binary ("
              + skipReason
              + ") and NVRTC is not available to compile the source:\n"
              + e.getMessage(),
          e);
    } catch (NvrtcException e) {
      throw new KernelLoadException("kernels of " + iface + ": " + e.getMessage(), e);
    }
  }
}
