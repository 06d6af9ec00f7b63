package dev.kernelj.llm.engine;

import dev.kernelj.dsl.StreamRef;
import dev.kernelj.ops.Tensor;
import dev.kernelj.ops.backend.CudaDevicePort;
import dev.kernelj.ops.backend.CudaOps;
import dev.kernelj.ops.backend.Ops;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * What the engine needs from CUDA beyond the {@link Ops} API, in one place: graph capture and
 * replay, free/total device memory, and queued copies of step inputs through pinned memory.
 *
 * <p>Graphs and memory info come from the runtime module's {@code CudaStream}/{@code CudaGraph}
 * (the stream the CUDA backend's port hands out), looked up reflectively because the ops port does
 * not expose them yet; when the stream is not a runtime stream the engine runs steps eagerly.
 * TODO(lead): add {@code captureGraph(Runnable)} and {@code memoryInfo()} to CudaDevicePort and
 * replace the reflection below with two direct calls.
 */
final class CudaBridge {
    private static final String STREAM_CLASS = "dev.kernelj.runtime.cuda.CudaStream";
    private static final String GRAPH_CLASS = "dev.kernelj.runtime.cuda.CudaGraph";

    private CudaBridge() {
    }

    /** A captured step, replayed with {@link #replay}. */
    interface Graph extends AutoCloseable {
        void replay();

        @Override
        void close();
    }

    static boolean isCuda(Ops ops) {
        return ops instanceof CudaOps;
    }

    static CudaDevicePort port(Ops ops) {
        return ((CudaOps) ops).port();
    }

    /** {@code {free, total}} bytes of the backend's device, or empty when they cannot be read. */
    static Optional<long[]> memoryInfo(Ops ops) {
        try {
            Object stream = port(ops).stream();
            Object context = stream.getClass().getMethod("context").invoke(stream);
            return Optional.of((long[]) context.getClass().getMethod("memoryInfo").invoke(context));
        } catch (ReflectiveOperationException | ClassCastException | LinkageError e) {
            return Optional.empty();
        }
    }

    /**
     * Captures what {@code body} queues on the backend's stream into a graph; empty when this
     * runtime cannot capture (the caller then runs the body eagerly each time).
     */
    static Optional<Graph> capture(Ops ops, Runnable body) {
        StreamRef stream = port(ops).stream();
        MethodHandle captureHandle;
        MethodHandle launchHandle;
        try {
            Class<?> streamClass = Class.forName(STREAM_CLASS);
            if (!streamClass.isInstance(stream)) {
                return Optional.empty();
            }
            Class<?> graphClass = Class.forName(GRAPH_CLASS);
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            captureHandle = lookup.findStatic(graphClass, "capture", MethodType.methodType(graphClass, streamClass, Runnable.class));
            launchHandle = lookup.findVirtual(graphClass, "launch", MethodType.methodType(void.class, StreamRef.class));
        } catch (ReflectiveOperationException | LinkageError e) {
            return Optional.empty();
        }
        Object graph;
        try {
            graph = captureHandle.invoke(stream, body);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("CUDA graph capture failed: " + t, t);
        }
        MethodHandle launch = launchHandle.bindTo(graph);
        return Optional.of(new Graph() {
            @Override
            public void replay() {
                try {
                    launch.invokeExact(stream);
                } catch (RuntimeException | Error e) {
                    throw e;
                } catch (Throwable t) {
                    throw new IllegalStateException("CUDA graph launch failed: " + t, t);
                }
            }

            @Override
            public void close() {
                try {
                    ((AutoCloseable) graph).close();
                } catch (Exception e) {
                    throw new IllegalStateException("CUDA graph close failed: " + e.getMessage(), e);
                }
            }
        });
    }

    /**
     * Step I/O for device tensors: each write goes to its own part of one pinned buffer and
     * is queued as an async copy, so that several writes of one step never overwrite each other's
     * source before the copy runs. The engine synchronizes every step (it reads the logits), after
     * which the buffer is reused from the start.
     */
    static StepIo stepIo(Ops ops, int capacityInts, int capacityFloats) {
        CudaDevicePort port = port(ops);
        ByteBuffer pinned = port.allocatePinned(4L * capacityInts).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer readBack = port.allocatePinned(4L * capacityFloats).order(ByteOrder.LITTLE_ENDIAN);
        return new StepIo() {
            private int used;

            @Override
            public void write(Tensor dst, int[] values) {
                if (values.length > dst.numel()) {
                    throw new IllegalArgumentException(values.length + " inputs do not fit " + dst);
                }
                if (used + values.length > capacityInts) {
                    throw new IllegalStateException("step inputs exceed the pinned staging buffer of " + capacityInts + " ints");
                }
                ByteBuffer part = pinned.duplicate().position(4 * used).limit(4 * (used + values.length)).slice()
                        .order(ByteOrder.LITTLE_ENDIAN);
                part.asIntBuffer().put(values);
                port.copyHostToDeviceAsync(dst.address(), part, 4L * values.length);
                used += values.length;
            }

            @Override
            public float[] readFloats(Tensor src) {
                if (src.numel() > capacityFloats || !src.isContiguous()) {
                    return ops.toHost(src).toFloatArray(); // rare (all-position logits): the backend's own path
                }
                int n = (int) src.numel();
                port.copyDeviceToHostAsync(readBack, src.address(), 4L * n);
                port.synchronize();
                float[] out = new float[n];
                readBack.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
                return out;
            }

            @Override
            public void endStep() {
                used = 0;
            }

            @Override
            public void close() {
                port.freePinned(pinned);
                port.freePinned(readBack);
            }
        };
    }
}
