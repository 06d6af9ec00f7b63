package dev.kernelj.llm.model;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.config.ModelConfig;
import dev.kernelj.llm.quant.ForeignQuantization;
import dev.kernelj.llm.quant.QuantizationConfig;
import dev.kernelj.llm.quant.QuantizedProjectionLoader;
import dev.kernelj.llm.quant.RepackAhead;
import dev.kernelj.llm.safetensors.SafetensorsDType;
import dev.kernelj.llm.safetensors.TensorLookup;
import dev.kernelj.llm.safetensors.TensorView;
import dev.kernelj.llm.util.ModelFormatException;
import dev.kernelj.llm.util.ProgressListener;
import dev.kernelj.ops.DenseWeight;
import dev.kernelj.ops.LinearWeight;
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
 *
 * <p>Quantized checkpoints (GPTQ, AWQ): the projections stored as {@code qweight/qzeros/scales} are
 * loaded and repacked by {@link QuantizedProjectionLoader}, the host's part a few projections ahead
 * on background threads ({@link RepackAhead}) while earlier ones go to the backend; the rest
 * (embedding, norms, biases, modules left unquantized) as above. A quantized LM head is
 * dequantized, since the logits come from a dense matmul.
 */
public final class WeightLoader {
  /**
   * Quantized projections repacked on the host before their turn to upload, at most, and how many
   * at once ({@link RepackAhead}). Measured on an H100 machine's 16 cores (BENCHMARKS.md,
   * twenty-seventh session), the weights of a Llama-3-8B-shaped GPTQ 4-bit checkpoint took 1.71 s
   * against 2.82 s repacked in turn; 3 ahead on 2 threads took 2.00 s, and 6 on 4 or 8 on 4 no less
   * than 4 on 3 (1.70 s) for more heap held.
   */
  private static final int REPACK_AHEAD = 4;

  private static final int REPACK_THREADS = 3;

  private final TensorLookup checkpoint;
  private final ModelConfig config;
  private final DType activation;
  private final Ops ops;
  private final WeightUploader uploader;
  private final ProgressListener progress;
  private final QuantizedProjectionLoader quantized;
  private final long totalBytes;
  private long doneBytes;
  private final List<AutoCloseable> loaded = new ArrayList<>();

  private WeightLoader(
      TensorLookup checkpoint,
      ModelConfig config,
      QuantizationConfig quantization,
      DType activation,
      Ops ops,
      ProgressListener progress) {
    this.checkpoint = checkpoint;
    this.config = config;
    this.activation = activation;
    this.ops = ops;
    this.uploader = WeightUploader.forBackend(ops);
    this.progress = progress;
    this.quantized =
        quantization == null ? null : new QuantizedProjectionLoader(checkpoint, quantization, ops);
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
    return load(checkpoint, config, null, activation, ops, progress);
  }

  /**
   * As {@link #load(TensorLookup, ModelConfig, DType, Ops, ProgressListener)} for a checkpoint
   * quantized as {@code quantization} says (null: not quantized).
   */
  public static LlamaWeights load(
      TensorLookup checkpoint,
      ModelConfig config,
      QuantizationConfig quantization,
      DType activation,
      Ops ops,
      ProgressListener progress) {
    WeightLoader loader =
        new WeightLoader(checkpoint, config, quantization, activation, ops, progress);
    try {
      return loader.loadAll();
    } catch (RuntimeException e) {
      loader.loaded.forEach(WeightLoader::closeQuietly);
      throw e;
    } finally {
      progress.finished();
    }
  }

  private LlamaWeights loadAll() {
    int hidden = config.hiddenSize();
    Tensor embedding = matrix("model.embed_tokens.weight", config.vocabSize(), hidden);
    List<LayerProjections> projections = new ArrayList<>();
    for (int l = 0; l < config.numLayers(); l++) {
      projections.add(layerProjections(l));
    }
    List<LayerWeights> layers = new ArrayList<>();
    try (RepackAhead ahead = repackAhead(projections)) {
      for (int l = 0; l < config.numLayers(); l++) {
        layers.add(layer(l, projections.get(l), ahead));
      }
    }
    Tensor finalNorm = vector("model.norm.weight", hidden);
    // Tied models usually omit lm_head.weight; some (Qwen2 0.5B) store a copy anyway: reuse the
    // embedding then.
    Tensor lmHead =
        quantized != null && quantized.isQuantized("lm_head")
            ? track(quantized.dequantized("lm_head", config.vocabSize(), hidden, activation))
            : config.tieWordEmbeddings() || !checkpoint.contains("lm_head.weight")
                ? tiedHead(embedding)
                : matrix("lm_head.weight", config.vocabSize(), hidden);
    return new LlamaWeights(embedding, layers, finalNorm, lmHead);
  }

  /** The projections of a layer, as row blocks of checkpoint tensors. */
  private record LayerProjections(
      Projection qkv, Projection o, Projection gateUp, Projection down) {
    List<Projection> all() {
      return List.of(qkv, o, gateUp, down);
    }
  }

  private LayerProjections layerProjections(int l) {
    String p = "model.layers." + l + ".";
    int hidden = config.hiddenSize();
    int qDim = config.numHeads() * config.headDim();
    int kvDim = config.numKvHeads() * config.headDim();
    int inter = config.intermediateSize();
    return new LayerProjections(
        projection(
            hidden,
            new Part(p + "self_attn.q_proj.weight", qDim),
            new Part(p + "self_attn.k_proj.weight", kvDim),
            new Part(p + "self_attn.v_proj.weight", kvDim)),
        projection(qDim, new Part(p + "self_attn.o_proj.weight", hidden)),
        projection(
            hidden,
            new Part(p + "mlp.gate_proj.weight", inter),
            new Part(p + "mlp.up_proj.weight", inter)),
        projection(inter, new Part(p + "mlp.down_proj.weight", hidden)));
  }

  /**
   * The quantized projections' host repack run ahead of their uploads ({@link RepackAhead}); null
   * for a checkpoint without any.
   */
  private RepackAhead repackAhead(List<LayerProjections> projections) {
    List<QuantizedProjectionLoader.Request> requests = new ArrayList<>();
    for (LayerProjections layer : projections) {
      for (Projection projection : layer.all()) {
        if (projection.quantized() != null) {
          requests.add(projection.quantized());
        }
      }
    }
    return requests.isEmpty()
        ? null
        : new RepackAhead(quantized::prepare, requests, REPACK_AHEAD, REPACK_THREADS);
  }

  private LayerWeights layer(int l, LayerProjections projections, RepackAhead ahead) {
    String p = "model.layers." + l + ".";
    int hidden = config.hiddenSize();
    int qDim = config.numHeads() * config.headDim();
    int kvDim = config.numKvHeads() * config.headDim();
    Tensor attentionNorm = vector(p + "input_layernorm.weight", hidden);
    LinearWeight wqkv = load(projections.qkv(), ahead);
    Tensor bqkv =
        config.attentionBias()
            ? fusedVector(
                new Part(p + "self_attn.q_proj.bias", qDim),
                new Part(p + "self_attn.k_proj.bias", kvDim),
                new Part(p + "self_attn.v_proj.bias", kvDim))
            : null;
    LinearWeight wo = load(projections.o(), ahead);
    Tensor mlpNorm = vector(p + "post_attention_layernorm.weight", hidden);
    LinearWeight wGateUp = load(projections.gateUp(), ahead);
    LinearWeight wDown = load(projections.down(), ahead);
    return new LayerWeights(
        attentionNorm,
        wqkv,
        bqkv,
        qDim,
        kvDim,
        wo,
        mlpNorm,
        wGateUp,
        wDown,
        config.qkNorm() ? vector(p + "self_attn.q_norm.weight", config.headDim()) : null,
        config.qkNorm() ? vector(p + "self_attn.k_norm.weight", config.headDim()) : null);
  }

  /** A checkpoint tensor that fills {@code rows} rows of a fused tensor. */
  private record Part(String name, int rows) {
    /** The module, e.g. {@code model.layers.0.mlp.down_proj} for its {@code .weight}. */
    String module() {
      return name.substring(0, name.length() - ".weight".length());
    }
  }

  /**
   * A projection of {@code cols} inputs whose row blocks are {@code parts}; {@code quantized} is
   * what {@link QuantizedProjectionLoader} is asked for when the checkpoint stores any block
   * quantized, else null.
   */
  private record Projection(int cols, Part[] parts, QuantizedProjectionLoader.Request quantized) {}

  private Projection projection(int cols, Part... parts) {
    boolean anyQuantized = false;
    for (Part part : parts) {
      anyQuantized |= quantized != null && quantized.isQuantized(part.module());
    }
    if (!anyQuantized) {
      return new Projection(cols, parts, null);
    }
    List<String> modules = new ArrayList<>();
    int[] rows = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      modules.add(parts[i].module());
      rows[i] = parts[i].rows();
    }
    return new Projection(
        cols, parts, new QuantizedProjectionLoader.Request(cols, List.copyOf(modules), rows));
  }

  /**
   * One fused dense tensor, or, where the checkpoint stores blocks quantized, what {@link
   * QuantizedProjectionLoader} makes of them (prepared by {@code ahead}).
   */
  private LinearWeight load(Projection projection, RepackAhead ahead) {
    Part[] parts = projection.parts();
    int cols = projection.cols();
    if (projection.quantized() == null) {
      return new DenseWeight(fusedMatrix(cols, parts));
    }
    LinearWeight w =
        track(
            quantized.finish(
                ahead.take(projection.quantized()),
                i -> matrix(parts[i].name(), parts[i].rows(), cols)));
    for (String module : projection.quantized().modules()) {
      for (String suffix : QUANTIZED_SUFFIXES) {
        if (checkpoint.contains(module + suffix)) {
          doneBytes += checkpoint.tensor(module + suffix).byteLength();
        }
      }
    }
    progress.progress(Math.min(doneBytes, totalBytes), totalBytes);
    return w;
  }

  /** The tensors of a quantized module, besides its dense {@code .weight} when it has none. */
  private static final List<String> QUANTIZED_SUFFIXES =
      List.of(".qweight", ".qzeros", ".scales", ".g_idx");

  private <T extends AutoCloseable> T track(T weight) {
    loaded.add(weight);
    return weight;
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // freeing after a failed load; the load's own error is what gets reported
    }
  }

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
        if (s.endsWith(".weight") && s.contains("_proj")) {
          String module = "model.layers." + l + "." + s.substring(0, s.length() - 7);
          QUANTIZED_SUFFIXES.forEach(suffix -> names.add(module + suffix));
        }
      }
    }
    QUANTIZED_SUFFIXES.forEach(suffix -> names.add("lm_head" + suffix));
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
      throw ForeignQuantization.missing(checkpoint, name, config.architecture().huggingFaceName());
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
