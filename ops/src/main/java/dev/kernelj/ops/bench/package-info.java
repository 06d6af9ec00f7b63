/**
 * {@code OpsBench}, the ops benchmark the GPU report runs: each op's rate against the card's
 * measured ceiling and PyTorch's figure from the same run ({@code ops/scripts/ceilings.py}), as a
 * table and as JSON. It uses the ops API and the CUDA backend's public port only.
 */
package dev.kernelj.ops.bench;
