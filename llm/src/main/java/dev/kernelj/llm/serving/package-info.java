/**
 * Continuous batching: many requests served at once by one scheduler thread that owns the device.
 *
 * <p>The contract the HTTP server and {@code kernelj bench --serve} use is {@link ServingEngine}:
 * {@link ServingEngine#submit} a {@link ServeRequest}, read its output as {@link Delta}s from the
 * returned {@link RequestHandle} (or wait for its {@link Completion}), {@link RequestHandle#cancel}
 * it, and read {@link ServingStats}. Everything else in this package is how the scheduler keeps
 * that contract: a shared paged KV block pool, prefix caching, chunked prefill under a token
 * budget, preemption by recompute.
 */
package dev.kernelj.llm.serving;
