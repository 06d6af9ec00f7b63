package dev.kernelj.llm.quant;

/** The weight-only quantization schemes whose checkpoints KernelJ reads. */
public enum QuantMethod {
  /** GPTQ (AutoGPTQ / GPTQModel / GPTQ-for-LLaMa checkpoints). */
  GPTQ("gptq"),
  /** AWQ, GEMM packing (AutoAWQ / llm-awq checkpoints). */
  AWQ("awq");

  private final String configName;

  QuantMethod(String configName) {
    this.configName = configName;
  }

  /** The {@code quant_method} spelling. */
  public String configName() {
    return configName;
  }
}
