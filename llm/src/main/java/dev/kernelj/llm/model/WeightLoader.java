package dev.kernelj.llm.model;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.llm.safetensors.SafetensorsDType;
import dev.kernelj.llm.safetensors.TensorLookup;
import dev.kernelj.llm.safetensors.TensorView;
import dev.kernelj.llm.util.ModelFormatException;
import dev.kernelj.llm.util.ProgressListener;
import dev.kernelj.ops.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a Llama-family checkpoint (Hugging Face tensor names) into {@link LlamaWeights}, checking
 * every shape against {@code config.json} first so that a mismatch names the tensor and both shapes.
 *
 * <p>Dtypes: norms and biases take the activation dtype (the ops need them alike); matrices keep
 * their stored dtype when the matmul can take it (activations in f32, or the same dtype) and are
 * converted to the activation dtype otherwise.
 */
public final class WeightLoader {
    private final TensorLookup checkpoint;
    private final ModelConfig config;
    private final DType activation;
    private final WeightUploader uploader;
    private final ProgressListener progress;
    private final long totalBytes;
    private long doneBytes;
    private final List<Tensor> loaded = new ArrayList<>();

    private WeightLoader(TensorLookup checkpoint, ModelConfig config, DType activation, WeightUploader uploader,
                         ProgressListener progress) {
        this.checkpoint = checkpoint;
        this.config = config;
        this.activation = activation;
        this.uploader = uploader;
        this.progress = progress;
        this.totalBytes = Math.max(1, expectedNames().stream().filter(checkpoint::contains)
                .mapToLong(n -> checkpoint.tensor(n).byteLength()).sum());
    }

    /** Loads every weight; on failure frees what was already uploaded. */
    public static LlamaWeights load(TensorLookup checkpoint, ModelConfig config, DType activation, WeightUploader uploader,
                                    ProgressListener progress) {
        WeightLoader loader = new WeightLoader(checkpoint, config, activation, uploader, progress);
        try {
            return loader.loadAll();
        } catch (RuntimeException e) {
            loader.loaded.forEach(Tensor::close);
            throw e;
        } finally {
            progress.finished();
        }
    }

    private LlamaWeights loadAll() {
        int hidden = config.hiddenSize();
        int qDim = config.numHeads() * config.headDim();
        int kvDim = config.numKvHeads() * config.headDim();
        int inter = config.intermediateSize();
        Tensor embedding = matrix("model.embed_tokens.weight", config.vocabSize(), hidden);
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < config.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            boolean bias = config.attentionBias();
            layers.add(new LayerWeights(
                    vector(p + "input_layernorm.weight", hidden),
                    matrix(p + "self_attn.q_proj.weight", qDim, hidden),
                    matrix(p + "self_attn.k_proj.weight", kvDim, hidden),
                    matrix(p + "self_attn.v_proj.weight", kvDim, hidden),
                    bias ? vector(p + "self_attn.q_proj.bias", qDim) : null,
                    bias ? vector(p + "self_attn.k_proj.bias", kvDim) : null,
                    bias ? vector(p + "self_attn.v_proj.bias", kvDim) : null,
                    matrix(p + "self_attn.o_proj.weight", hidden, qDim),
                    vector(p + "post_attention_layernorm.weight", hidden),
                    matrix(p + "mlp.gate_proj.weight", inter, hidden),
                    matrix(p + "mlp.up_proj.weight", inter, hidden),
                    matrix(p + "mlp.down_proj.weight", hidden, inter)));
        }
        Tensor finalNorm = vector("model.norm.weight", hidden);
        // Tied models usually omit lm_head.weight; some (Qwen2 0.5B) store a copy anyway: reuse the embedding then.
        Tensor lmHead = config.tieWordEmbeddings() || !checkpoint.contains("lm_head.weight")
                ? tiedHead(embedding) : matrix("lm_head.weight", config.vocabSize(), hidden);
        return new LlamaWeights(embedding, layers, finalNorm, lmHead);
    }

    private Tensor tiedHead(Tensor embedding) {
        if (!config.tieWordEmbeddings()) {
            throw new ModelFormatException(checkpoint.location(), "lm_head.weight",
                    "is missing and config.json does not set tie_word_embeddings");
        }
        return embedding;
    }

    private List<String> expectedNames() {
        List<String> names = new ArrayList<>(List.of("model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"));
        for (int l = 0; l < config.numLayers(); l++) {
            for (String s : List.of("input_layernorm.weight", "self_attn.q_proj.weight", "self_attn.k_proj.weight",
                    "self_attn.v_proj.weight", "self_attn.q_proj.bias", "self_attn.k_proj.bias", "self_attn.v_proj.bias",
                    "self_attn.o_proj.weight", "post_attention_layernorm.weight", "mlp.gate_proj.weight",
                    "mlp.up_proj.weight", "mlp.down_proj.weight")) {
                names.add("model.layers." + l + "." + s);
            }
        }
        return names;
    }

    private Tensor matrix(String name, int rows, int cols) {
        TensorView view = view(name, rows, cols);
        DType stored = storedDtype(view);
        DType target = activation == DType.F32 || activation == stored ? stored : activation;
        return upload(view, target, new int[] {rows, cols});
    }

    private Tensor vector(String name, int length) {
        return upload(view(name, length), activation, new int[] {length});
    }

    private Tensor upload(TensorView view, DType dtype, int[] shape) {
        Tensor t = uploader.upload(view, dtype, shape);
        loaded.add(t);
        doneBytes += view.byteLength();
        progress.progress(Math.min(doneBytes, totalBytes), totalBytes);
        return t;
    }

    private TensorView view(String name, long... expected) {
        if (!checkpoint.contains(name)) {
            throw new ModelFormatException(checkpoint.location(), name, "is missing from the checkpoint ("
                    + config.architecture().huggingFaceName() + " needs it)");
        }
        TensorView view = checkpoint.tensor(name);
        if (!Arrays.equals(view.shape(), expected)) {
            throw new ModelFormatException(view.file(), name, "has shape " + Arrays.toString(view.shape())
                    + " but config.json implies " + Arrays.toString(expected));
        }
        return view;
    }

    private static DType storedDtype(TensorView view) {
        SafetensorsDType d = view.dtype();
        if (d == SafetensorsDType.BF16) {
            return DType.BF16;
        }
        if (d == SafetensorsDType.F16) {
            return DType.F16;
        }
        if (d == SafetensorsDType.F32) {
            return DType.F32;
        }
        throw new ModelFormatException(view.file(), view.name(), "has dtype " + d
                + "; unquantized weights must be BF16, F16 or F32");
    }
}
