package dev.kernelj.dsl.cuda;

/**
 * One parameter of a {@code __global__} function.
 *
 * @param type its type
 * @param name its name, empty when the declaration omits it
 * @param defaultValue its C++ default argument as written ({@code 10} for {@code int n = 10}),
 *     empty when it has none
 */
public record CudaParam(CudaType type, String name, String defaultValue) {
  public CudaParam(CudaType type, String name) {
    this(type, name, "");
  }

  public boolean hasDefault() {
    return !defaultValue.isEmpty();
  }

  @Override
  public String toString() {
    return name.isEmpty() ? type.toString() : type + " " + name;
  }
}
