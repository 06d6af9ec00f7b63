package dev.kernelj.processor;

import dev.kernelj.dsl.Launch;
import dev.kernelj.dsl.check.ParamLayout;
import dev.kernelj.runtime.kernel.KernelBinding;
import dev.kernelj.runtime.kernel.KernelFunction;
import dev.kernelj.runtime.kernel.KernelModule;
import dev.kernelj.runtime.kernel.KernelModuleLoader;
import dev.kernelj.runtime.kernel.KernelSource;
import dev.kernelj.runtime.kernel.ParamBlock;
import java.util.ArrayList;
import java.util.List;

/**
 * A fake loader: instead of a GPU, each function records the argument bytes of its parameter block,
 * and the launch, at the moment a generated launcher launches it.
 */
final class RecordingModuleLoader implements KernelModuleLoader {
  /** One launch as a function saw it. */
  record Launched(int bindingIndex, Launch launch, byte[] arguments) {}

  final List<KernelSource> loaded = new ArrayList<>();
  final List<Launched> launches = new ArrayList<>();

  @Override
  public KernelModule load(KernelSource source) {
    loaded.add(source);
    List<KernelFunction> functions = new ArrayList<>();
    for (int i = 0; i < source.bindings().size(); i++) {
      functions.add(new RecordingFunction(i, source.bindings().get(i)));
    }
    return functions::get;
  }

  private final class RecordingFunction implements KernelFunction {
    private final int index;
    private final ParamBlock params;

    RecordingFunction(int index, KernelBinding binding) {
      this.index = index;
      this.params = new ParamBlock(ParamLayout.ofSizes(binding.paramSizes()));
    }

    @Override
    public ParamBlock params() {
      return params;
    }

    @Override
    public void launch(Launch launch) {
      launches.add(new Launched(index, launch, params.argumentBytes()));
    }
  }
}
