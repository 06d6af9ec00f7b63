package dev.kernelj.ops;

/**
 * Where an op's tensors must live, checked before the op runs: on the host for the reference
 * backend; in the calling backend's own device memory, not yet freed, for the CUDA backend.
 * Argument names are given comma-separated, one per tensor, for the error message.
 */
public final class Residency {
  private Residency() {}

  /** Every tensor must be a host tensor. */
  public static void requireHost(String op, String names, Tensor... tensors) {
    String[] n = names.split(",");
    for (int i = 0; i < tensors.length; i++) {
      if (!tensors[i].isHost()) {
        throw new OpArgumentException(
            op, n[i], tensors[i] + " is on a device; the reference backend takes host tensors");
      }
    }
  }

  /**
   * Every tensor must live in memory {@code backend} allocated ({@link DeviceAllocation#device()}
   * is it), not yet freed.
   *
   * @param backendName the backend's name for messages, e.g. {@code "cuda:NVIDIA H100"}
   */
  public static void requireDevice(
      String op, String names, Object backend, String backendName, Tensor... tensors) {
    String[] n = names.split(",");
    for (int i = 0; i < tensors.length; i++) {
      Tensor t = tensors[i];
      if (!t.isDevice()) {
        throw new OpArgumentException(
            op, n[i], t + " is on the host; upload it to " + backendName + " first");
      }
      if (t.allocation().device() != backend) {
        throw new OpArgumentException(
            op, n[i], t + " belongs to another device or backend than " + backendName);
      }
      if (t.allocation().isReleased()) {
        throw new OpArgumentException(op, n[i], t + " uses device memory that was already freed");
      }
    }
  }

  /** {@link #requireDevice} for one backend, handed to the parts of that backend that check. */
  public record OnDevice(Object backend, String backendName) {
    /** Every tensor must live in this backend's device memory, not yet freed. */
    public void require(String op, String names, Tensor... tensors) {
      requireDevice(op, names, backend, backendName, tensors);
    }
  }
}
