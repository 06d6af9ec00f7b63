package dev.kernelj.dsl.cuda;

/**
 * One parameter of a {@code __global__} function; {@code name} is empty when the declaration omits
 * it.
 */
public record CudaParam(CudaType type, String name) {
  @Override
  public String toString() {
    return name.isEmpty() ? type.toString() : type + " " + name;
  }
}
