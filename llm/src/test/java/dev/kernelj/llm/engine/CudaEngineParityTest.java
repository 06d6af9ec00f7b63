package dev.kernelj.llm.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.model.TinyLlama;
import dev.kernelj.ops.backend.CudaOps;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The CUDA engine (graphs on and off) against the reference engine at bf16, on tiny models. */
@Tag("gpu")
class CudaEngineParityTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "gqa4", "head64"})
    void cudaMatchesTheReferenceBackend(String name) throws Exception {
        String[] why = new String[1];
        Optional<CudaOps> probe = CudaOps.tryOpen(0, why);
        Assumptions.assumeTrue(probe.isPresent(), () -> "no usable GPU: " + why[0]);
        probe.get().close();
        TinyLlama.Spec spec = switch (name) {
            case "qwen2" -> TinyLlama.QWEN2;
            case "gqa4" -> TinyLlama.GQA4;
            case "head64" -> TinyLlama.HEAD64;
            default -> TinyLlama.LLAMA;
        };
        Path model = TinyLlama.write(dir.resolve(name), spec.withDtype("BF16"), 3).dir();
        int[] prompt = new Random(1).ints(40, 0, TinyLlama.VOCAB).toArray();
        EngineOptions base = EngineOptions.defaults().withMaxContext(128).withActivation(DType.BF16);
        LogitsTrace reference;
        try (Engine cpu = Engine.open(model, base.withDevice(Device.CPU))) {
            reference = cpu.logits(prompt, 40);
        }
        for (boolean graphs : new boolean[] {false, true}) {
            try (Engine gpu = Engine.open(model, base.withDevice(Device.CUDA).withCudaGraphs(graphs))) {
                LogitsTrace trace = gpu.logits(prompt, 40);
                float worst = 0;
                float scale = 0;
                for (int i = 0; i < trace.rows().length; i++) {
                    worst = Math.max(worst, Math.abs(trace.rows()[i] - reference.rows()[i]));
                    scale = Math.max(scale, Math.abs(reference.rows()[i]));
                }
                assertTrue(worst <= 0.03f * scale, name + " graphs=" + graphs + ": worst " + worst + " of " + scale);
                assertArrayEquals(java.util.Arrays.copyOf(reference.greedyIds(), 33), java.util.Arrays.copyOf(trace.greedyIds(), 33),
                        name + " graphs=" + graphs + ": greedy ids");
            }
        }
    }
}
