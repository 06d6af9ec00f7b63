package dev.kernelj.runtime.cuda;

import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.check.Problem;
import dev.kernelj.dsl.check.SignatureCheck;
import dev.kernelj.dsl.cuda.CompileTarget;
import dev.kernelj.dsl.cuda.CudaSource;
import dev.kernelj.dsl.cuda.CudaVersion;
import dev.kernelj.dsl.cuda.NameExpression;
import dev.kernelj.runtime.cache.CacheKey;
import dev.kernelj.runtime.driver.Driver;
import dev.kernelj.runtime.dynamic.DynamicKernel;
import dev.kernelj.runtime.kernel.KernelBinding;
import dev.kernelj.runtime.kernel.ParamBlock;
import dev.kernelj.runtime.nvrtc.CompileOptions;
import dev.kernelj.runtime.nvrtc.CompiledProgram;
import dev.kernelj.runtime.nvrtc.Nvrtc;
import java.util.List;

/**
 * Builds {@link DynamicKernel}s for {@link CudaContext#compile}: NVRTC through the cache, then a
 * loaded function.
 */
final class DynamicKernels {
  private DynamicKernels() {}

  static DynamicKernel compile(
      CudaContext context,
      String cudaSource,
      String nameExpression,
      List<String> options,
      List<CudaModule> owned) {
    NameExpression name = NameExpression.parse(nameExpression);
    String arch =
        Nvrtc.targetFor(context.device().computeCapability().number(), Nvrtc.supportedArchs());
    // The check reads the source as this NVRTC sees it for this device: same macros, same branches.
    int[] version = Nvrtc.version();
    CudaSource parsed =
        CudaSource.parse(
            cudaSource,
            CompileTarget.nvrtc(
                Integer.parseInt(arch.substring(arch.indexOf('_') + 1)),
                CudaVersion.of(version[0], version[1]),
                options));
    rejectUnbindable(parsed, name);
    CompileOptions compileOptions = Nvrtc.defaultOptions(arch).withExtra(options);
    List<String> names = List.of(nameExpression);
    CacheKey key =
        new CacheKey(
            cudaSource,
            compileOptions.toArgs(),
            arch,
            Nvrtc.versionString(),
            Driver.driverVersion(),
            names);
    CompiledProgram program =
        context
            .kernelCache()
            .getOrCompile(
                key,
                () ->
                    Nvrtc.compile(
                        cudaSource, "dynamic_" + name.name() + ".cu", compileOptions, names))
            .program();
    CudaModule module = CudaModule.load(context, program.binary());
    owned.add(module);
    String symbol = program.lowered(nameExpression);
    long handle = module.functionHandle(symbol);
    String where = "dynamic kernel " + nameExpression;
    CudaFunction function =
        new CudaFunction(
            context, handle, where, new KernelBinding("launch", nameExpression, new int[0], 0, 0));
    return new DynamicKernel(
        parsed,
        name,
        new DynamicKernel.Target() {
          @Override
          public void launch(Launch launch, ParamBlock params) {
            function.launchWith(launch, params.kernelParamsAddress());
          }

          @Override
          public List<String> checkParamSizes(int[] javaSizes) {
            if (!Driver.hasFuncGetParamInfo()) {
              return List.of();
            }
            return ParamInfoCheck.problems(
                javaSizes, i -> ParamInfoCheck.deviceSize(handle, i), where);
          }
        });
  }

  /**
   * Fails before compiling when the name cannot bind at all (no such kernel, a declaration without
   * a body, ...), with the check's message rather than NVRTC's or the driver's.
   */
  private static void rejectUnbindable(CudaSource source, NameExpression name) {
    SignatureCheck check = SignatureCheck.check(List.of(), name, source);
    if (check.kernel().isEmpty()) {
      List<String> problems = check.problems().stream().map(Problem::formatted).toList();
      throw new IllegalArgumentException(
          "cannot compile dynamic kernel " + name.text() + ": " + String.join("\n", problems));
    }
  }
}
