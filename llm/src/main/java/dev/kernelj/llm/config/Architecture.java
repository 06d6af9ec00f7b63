package dev.kernelj.llm.config;

import java.util.Arrays;
import java.util.List;

/** The model families KernelJ runs, by their Hugging Face {@code architectures} name. */
public enum Architecture {
  /** Llama 2, 3, 3.1, 3.2 (and other Llama-shaped models). */
  LLAMA("LlamaForCausalLM"),
  /** Mistral 7B family: Llama-shaped, optionally with sliding-window attention. */
  MISTRAL("MistralForCausalLM"),
  /** Qwen2 and Qwen2.5: Llama-shaped with biases on the q, k and v projections. */
  QWEN2("Qwen2ForCausalLM"),
  /**
   * Qwen3 (dense): Qwen2 without the q/k/v biases, with an RMSNorm over each head of q and of k
   * ({@code q_norm}, {@code k_norm}) before RoPE.
   */
  QWEN3("Qwen3ForCausalLM");

  private final String huggingFaceName;

  Architecture(String huggingFaceName) {
    this.huggingFaceName = huggingFaceName;
  }

  /** The class name used in {@code config.json}'s {@code architectures}. */
  public String huggingFaceName() {
    return huggingFaceName;
  }

  /** The architecture named {@code name}, or null. */
  public static Architecture fromHuggingFaceName(String name) {
    for (Architecture a : values()) {
      if (a.huggingFaceName.equals(name)) {
        return a;
      }
    }
    return null;
  }

  /** Every supported Hugging Face name, for error messages. */
  public static List<String> supportedNames() {
    return Arrays.stream(values()).map(Architecture::huggingFaceName).toList();
  }
}
