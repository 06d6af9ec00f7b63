package dev.kernelj.llm.engine;

import dev.kernelj.ops.backend.CudaOps;
import dev.kernelj.ops.backend.Ops;
import dev.kernelj.ops.backend.ReferenceOps;
import java.util.Optional;
import java.util.function.Consumer;

/** Opens the ops backend a {@link Device} names. */
final class Backends {
  private Backends() {}

  static Ops open(Device device, Consumer<String> notes) {
    if (device == Device.CPU) {
      return new ReferenceOps();
    }
    String[] whyNot = new String[1];
    Optional<CudaOps> cuda = CudaOps.tryOpen(0, whyNot);
    if (cuda.isPresent()) {
      return cuda.get();
    }
    if (device == Device.CUDA) {
      throw new EngineException(
          "no usable GPU for --device cuda: " + whyNot[0] + " (use --device cpu or auto)");
    }
    notes.accept("no usable GPU (" + whyNot[0] + "); running on the CPU reference backend");
    return new ReferenceOps();
  }
}
