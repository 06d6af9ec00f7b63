/**
 * The engine: {@link dev.kernelj.llm.engine.Engine#open} loads a model directory through {@code
 * EngineLoader}'s stages (config, backend, a check that the backend's attention runs the model,
 * memory budget, weights, step I/O and token sampler, KV cache, model and decode runner,
 * tokenizer), and {@link dev.kernelj.llm.engine.Engine#generate} runs a static batch: prefill each
 * prompt, then decode steps per batch-size bucket, captured as graphs where the backend has them.
 * For continuous batching, {@link dev.kernelj.llm.engine.ServingModel#open} loads the same way
 * ({@code ServingLoader}) with a KV pool sized from what the budget leaves, and its {@link
 * dev.kernelj.llm.engine.BatchStepRunner} runs mixed steps (prefill chunks and decode rows), each
 * row sampled with its own {@link dev.kernelj.ops.SampleRow}.
 *
 * <p>The engine talks to the backend through {@link dev.kernelj.ops.Ops} alone: its capabilities,
 * memory, step I/O, token sampler and graph capture are the same calls on CUDA and on the CPU
 * reference backend, so nothing here names CUDA.
 */
package dev.kernelj.llm.engine;
