package dev.kernelj.llm.quant;

import java.util.regex.Pattern;

/**
 * One entry of GPTQModel's {@code dynamic} setting: modules whose name matches {@code pattern}
 * (from its start, as Python's {@code re.match}) are left unquantized ({@code exclude}, a {@code
 * "-:"} key) or quantized with other bits or group size.
 *
 * @param pattern the module-name pattern
 * @param exclude whether matching modules are not quantized
 * @param bits bits for matching modules, or 0 to keep the checkpoint's
 * @param groupSize group size for matching modules, or 0 to keep the checkpoint's
 */
public record ModuleOverride(Pattern pattern, boolean exclude, int bits, int groupSize) {
  /** Whether {@code module} (e.g. {@code model.layers.3.mlp.down_proj}) matches. */
  public boolean matches(String module) {
    return pattern.matcher(module).lookingAt();
  }
}
