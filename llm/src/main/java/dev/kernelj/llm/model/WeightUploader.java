package dev.kernelj.llm.model;

import dev.kernelj.dsl.DType;
import dev.kernelj.llm.safetensors.TensorView;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.backend.Ops;

/**
 * Moves one checkpoint tensor into the backend's memory in a given dtype. The plain way widens to
 * floats on the heap and lets {@link Ops#upload} encode them; a backend may plug in a faster one
 * (raw bytes straight from the mapped file when the dtype is unchanged).
 */
@FunctionalInterface
public interface WeightUploader {
    /** Uploads {@code view} as {@code dtype} with {@code shape} (the view's element count). */
    Tensor upload(TensorView view, DType dtype, int[] shape);

    /** Through heap floats and {@link Ops#upload}; works on every backend. */
    static WeightUploader viaHost(Ops ops) {
        return (view, dtype, shape) -> {
            Tensor host = Tensor.fromFloats(dtype, view.toFloatArray(), shape);
            return ops.upload(host);
        };
    }
}
