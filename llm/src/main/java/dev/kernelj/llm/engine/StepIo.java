package dev.kernelj.llm.engine;

import dev.kernelj.ops.Tensor;

/**
 * Moves a step's data between the host and the backend: writes the small integer inputs (token
 * ids, positions, slots, block tables, context lengths) into the fixed I32 buffers a captured
 * decode step reads, and reads the logits back. Host tensors are used in place; device tensors go
 * through pinned memory the engine allocates once (see {@link CudaBridge}).
 */
interface StepIo extends AutoCloseable {
    /** Copies {@code values} into the first {@code values.length} elements of contiguous I32 {@code dst}. */
    void write(Tensor dst, int[] values);

    /** The elements of contiguous F32 {@code src} as a new array; waits for the queued work. */
    float[] readFloats(Tensor src);

    /** Called once all writes of a step are queued; a device writer starts reusing its pinned memory after the next sync. */
    default void endStep() {
    }

    @Override
    default void close() {
    }

    /** Writes straight into host tensors (the reference backend). */
    static StepIo host() {
        return new StepIo() {
            @Override
            public void write(Tensor dst, int[] values) {
                if (values.length > dst.numel()) {
                    throw new IllegalArgumentException(values.length + " inputs do not fit " + dst);
                }
                System.arraycopy(values, 0, dst.hostInts(), (int) dst.offset(), values.length);
            }

            @Override
            public float[] readFloats(Tensor src) {
                int from = (int) src.offset();
                return java.util.Arrays.copyOfRange(src.hostFloats(), from, from + (int) src.numel());
            }
        };
    }
}
