package dev.kernelj.llm.model;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.llm.safetensors.SafetensorsDType;
import dev.kernelj.llm.safetensors.TensorLookup;
import dev.kernelj.llm.safetensors.TensorView;
import dev.kernelj.llm.util.ModelFormatException;
import dev.kernelj.llm.util.ProgressListener;
import dev.kernelj.ops.Ops;
import dev.kernelj.ops.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a Llama-family checkpoint (Hugging Face tensor names) into {@link LlamaWeights}, checking
 * every shape against {@code config.json} first so that a mismatch names the tensor and both
 * shapes.
 *
 * <p>Dtypes: norms and biases take the activation dtype (the ops need them alike); matrices keep
 * their stored dtype when the matmul can take it (activations in f32, or the same dtype) and are
 * converted to the activation dtype otherwise.
 *
 * <p>Layout: q/k/v projections (and their biases) and gate/up projections are fused by rows into
 * one tensor each (see {@link LayerWeights}); each checkpoint tensor is written straight into its
 * row range by {@link WeightUploader}, as raw bytes when its dtype is kept.
 */
public final class WeightLoader {
  private final TensorLookup checkpoint;
  private final ModelConfig config;
  private final DType activation;
  private final Ops ops;
  private final WeightUploader uploader;
  private final ProgressListener progress;
  private final long totalBytes;
  private long doneBytes;
  private final List<Tensor> loaded = new ArrayList<>();

  private WeightLoader(
      TensorLookup checkpoint,
      ModelConfig config,
      DType activation,
      Ops ops,
      ProgressListener progress) {
    this.checkpoint = checkpoint;
    this.config = config;
    this.activation = activation;
    this.ops = ops;
    this.uploader = WeightUploader.forBackend(ops);
    this.progress = progress;
    this.totalBytes =
        Math.max(
            1,
            expectedNames().stream()
                .filter(checkpoint::contains)
                .mapToLong(n -> checkpoint.tensor(n).byteLength())
                .sum());
  }

  /**
   * Loads every weight into {@code ops}'s memory; on failure frees what was already allocated. On
   * CUDA the last copies may still be queued when this returns ({@link Ops#synchronize} waits).
   */
  public static LlamaWeights load(
      TensorLookup checkpoint,
      ModelConfig config,
      DType activation,
      Ops ops,
      ProgressListener progress) {
    WeightLoader loader = new WeightLoader(checkpoint, config, activation, ops, progress);
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
      Tensor attentionNorm = vector(p + "input_layernorm.weight", hidden);
      Tensor wqkv =
          fusedMatrix(
              hidden,
              new Part(p + "self_attn.q_proj.weight", qDim),
              new Part(p + "self_attn.k_proj.weight", kvDim),
              new Part(p + "self_attn.v_proj.weight", kvDim));
      Tensor bqkv =
          config.attentionBias()
              ? fusedVector(
                  new Part(p + "self_attn.q_proj.bias", qDim),
                  new Part(p + "self_attn.k_proj.bias", kvDim),
                  new Part(p + "self_attn.v_proj.bias", kvDim))
              : null;
      Tensor wo = matrix(p + "self_attn.o_proj.weight", hidden, qDim);
      Tensor mlpNorm = vector(p + "post_attention_layernorm.weight", hidden);
      Tensor wGateUp =
          fusedMatrix(
              hidden,
              new Part(p + "mlp.gate_proj.weight", inter),
              new Part(p + "mlp.up_proj.weight", inter));
      Tensor wDown = matrix(p + "mlp.down_proj.weight", hidden, inter);
      layers.add(
          new LayerWeights(attentionNorm, wqkv, bqkv, qDim, kvDim, wo, mlpNorm, wGateUp, wDown));
    }
    Tensor finalNorm = vector("model.norm.weight", hidden);
    // Tied models usually omit lm_head.weight; some (Qwen2 0.5B) store a copy anyway: reuse the
    // embedding then.
    Tensor lmHead =
        config.tieWordEmbeddings() || !checkpoint.contains("lm_head.weight")
            ? tiedHead(embedding)
            : matrix("lm_head.weight", config.vocabSize(), hidden);
    return new LlamaWeights(embedding, layers, finalNorm, lmHead);
  }

  /** A checkpoint tensor that fills {@code rows} rows of a fused tensor. */
  private record Part(String name, int rows) {}

  private Tensor tiedHead(Tensor embedding) {
    if (!config.tieWordEmbeddings()) {
      throw new ModelFormatException(
          checkpoint.location(),
          "lm_head.weight",
          "is missing and config.json does not set tie_word_embeddings");
    }
    return embedding;
  }

  private List<String> expectedNames() {
    List<String> names =
        new ArrayList<>(
            List.of("model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"));
    for (int l = 0; l < config.numLayers(); l++) {
      for (String s :
          List.of(
              "input_layernorm.weight",
              "self_attn.q_proj.weight",
              "self_attn.k_proj.weight",
              "self_attn.v_proj.weight",
              "self_attn.q_proj.bias",
              "self_attn.k_proj.bias",
              "self_attn.v_proj.bias",
              "self_attn.o_proj.weight",
              "post_attention_layernorm.weight",
              "mlp.gate_proj.weight",
              "mlp.up_proj.weight",
              "mlp.down_proj.weight")) {
        names.add("model.layers." + l + "." + s);
      }
    }
    return names;
  }

  private Tensor matrix(String name, int rows, int cols) {
    return fusedMatrix(cols, new Part(name, rows));
  }

  private Tensor vector(String name, int length) {
    return fusedVector(new Part(name, length));
  }

  /**
   * One {@code [sum of rows, cols]} tensor holding the parts' rows in order, each part written
   * straight into its row range. Every shape is checked before anything is allocated.
   */
  private Tensor fusedMatrix(int cols, Part... parts) {
    TensorView[] views = new TensorView[parts.length];
    int rows = 0;
    for (int i = 0; i < parts.length; i++) {
      views[i] = view(parts[i].name(), parts[i].rows(), cols);
      rows += parts[i].rows();
    }
    return fill(allocate(matrixDtype(views), rows, cols), views, parts);
  }

  /**
   * Norm weights and biases take the activation dtype (the ops need them alike); parts fused as in
   * {@link #fusedMatrix}.
   */
  private Tensor fusedVector(Part... parts) {
    TensorView[] views = new TensorView[parts.length];
    int length = 0;
    for (int i = 0; i < parts.length; i++) {
      views[i] = view(parts[i].name(), parts[i].rows());
      length += parts[i].rows();
    }
    return fill(allocate(activation, length), views, parts);
  }

  private Tensor allocate(DType dtype, int... shape) {
    Tensor t = ops.empty(dtype, shape);
    loaded.add(t);
    return t;
  }

  private Tensor fill(Tensor fused, TensorView[] views, Part[] parts) {
    int row = 0;
    for (int i = 0; i < views.length; i++) {
      uploader.write(views[i], fused.slice(0, row, row + parts[i].rows()));
      row += parts[i].rows();
      doneBytes += views[i].byteLength();
      progress.progress(Math.min(doneBytes, totalBytes), totalBytes);
    }
    return fused;
  }

  /**
   * The stored dtype when the matmul can take it (activations in f32, or the same dtype), else the
   * activation dtype; parts stored in different dtypes share the activation dtype.
   */
  private DType matrixDtype(TensorView[] views) {
    DType stored = storedDtype(views[0]);
    for (TensorView v : views) {
      if (storedDtype(v) != stored) {
        return activation;
      }
    }
    return activation == DType.F32 || activation == stored ? stored : activation;
  }

  private TensorView view(String name, long... expected) {
    if (!checkpoint.contains(name)) {
      throw ModelFormatException.missingTensor(
          checkpoint.location(), name, config.architecture().huggingFaceName());
    }
    TensorView view = checkpoint.tensor(name);
    if (!Arrays.equals(view.shape(), expected)) {
      throw ModelFormatException.wrongShape(view.file(), name, view.shape(), expected);
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
    throw new ModelFormatException(
        view.file(),
        view.name(),
        "has dtype " + d + "; unquantized weights must be BF16, F16 or F32");
  }
}
