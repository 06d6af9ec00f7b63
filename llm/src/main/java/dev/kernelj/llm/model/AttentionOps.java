package dev.kernelj.llm.model;

import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.backend.Ops;

/**
 * The three attention ops of the forward pass. They go to the backend; while a backend still
 * refuses them ({@link UnsupportedOperationException}: the reference backend before the ops
 * issue wires its attention twins in) host tensors fall back to {@link HostAttention}. Device
 * tensors never fall back: the error surfaces. This class is the only place that knows about the
 * gap, so that closing it is a one-file change.
 */
final class AttentionOps {
    private final Ops ops;
    private boolean appendOnBackend = true;
    private boolean prefillOnBackend = true;
    private boolean decodeOnBackend = true;

    AttentionOps(Ops ops) {
        this.ops = ops;
    }

    void kvAppend(Tensor kCache, Tensor vCache, Tensor k, Tensor v, Tensor slots) {
        if (appendOnBackend) {
            try {
                ops.kvAppend(kCache, vCache, k, v, slots);
                return;
            } catch (UnsupportedOperationException e) {
                appendOnBackend = fallBackOrThrow(k, e);
            }
        }
        HostAttention.kvAppend(kCache, vCache, k, v, slots);
    }

    void prefill(Tensor out, Tensor q, Tensor k, Tensor v, float scale) {
        if (prefillOnBackend) {
            try {
                ops.attentionPrefill(out, q, k, v, scale, true);
                return;
            } catch (UnsupportedOperationException e) {
                prefillOnBackend = fallBackOrThrow(q, e);
            }
        }
        HostAttention.prefill(out, q, k, v, scale, true);
    }

    void decode(Tensor out, Tensor q, Tensor kCache, Tensor vCache, Tensor blockTable, Tensor contextLens, float scale) {
        if (decodeOnBackend) {
            try {
                ops.attentionDecode(out, q, kCache, vCache, blockTable, contextLens, scale);
                return;
            } catch (UnsupportedOperationException e) {
                decodeOnBackend = fallBackOrThrow(q, e);
            }
        }
        HostAttention.decode(out, q, kCache, vCache, blockTable, contextLens, scale);
    }

    private static boolean fallBackOrThrow(Tensor t, UnsupportedOperationException e) {
        if (!t.isHost()) {
            throw e;
        }
        return false;
    }
}
