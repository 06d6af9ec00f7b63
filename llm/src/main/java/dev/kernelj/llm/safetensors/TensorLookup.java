package dev.kernelj.llm.safetensors;

import java.nio.file.Path;

/**
 * Something tensors can be found in by name: one safetensors file or a whole (sharded) checkpoint.
 */
public interface TensorLookup {
  /** Whether tensor {@code name} exists. */
  boolean contains(String name);

  /**
   * Tensor {@code name}; throws {@link dev.kernelj.llm.util.ModelFormatException} naming it when
   * absent.
   */
  TensorView tensor(String name);

  /** The file or directory the tensors come from, for messages. */
  Path location();
}
