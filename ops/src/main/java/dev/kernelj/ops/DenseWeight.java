package dev.kernelj.ops;

/**
 * A linear layer's weight as a plain {@code [out, in]} tensor (Hugging Face's layout).
 *
 * @param tensor {@code [outFeatures, inFeatures]}
 */
public record DenseWeight(Tensor tensor) implements LinearWeight {
  public DenseWeight {
    if (tensor.rank() != 2) {
      throw new IllegalArgumentException("a dense weight is [out, in], not " + tensor);
    }
  }

  @Override
  public int outFeatures() {
    return tensor.dim(0);
  }

  @Override
  public int inFeatures() {
    return tensor.dim(1);
  }

  @Override
  public DenseWeight rows(int from, int to) {
    return new DenseWeight(tensor.slice(0, from, to));
  }

  @Override
  public long bytes() {
    return tensor.numel() * tensor.dtype().byteSize();
  }

  @Override
  public void close() {
    tensor.close();
  }
}
