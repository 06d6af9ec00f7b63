package dev.kernelj.ops.kernels.quant;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kernelj.ops.kernels.Nvcc;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The static shared memory that {@link QuantGemmPlan} leaves room for beside a launch's dynamic
 * shared memory ({@link QuantStreamSource#STATIC_BYTES}, {@link
 * QuantFewSharedXSource#STATIC_BYTES}, {@link QuantGemmSource#STAGED_STATIC_BYTES}) covers what
 * ptxas gives every instantiation of those kernels: a plan sized by the device would otherwise ask
 * for more than the function's limit on a GPU whose shared memory is short.
 */
class QuantStaticSharedMemoryTest {
  @Test
  void thePlansStaticAllowancesCoverWhatPtxasGives() throws Exception {
    Path nvcc = Nvcc.find();
    assumeTrue(
        nvcc != null, "nvcc not found (set KERNELJ_NVCC); static shared memory cannot be measured");
    Map<String, Nvcc.Usage> usage = Nvcc.resourceUsage(nvcc, QuantGemmKernels.Cuda.class, "sm_90");
    int checked = 0;
    for (Map.Entry<String, Nvcc.Usage> e : usage.entrySet()) {
      // Mangled names: _Z<length><name>I<template arguments>E...; STAGED = true is "Lb1E".
      String name = e.getKey();
      int allowance;
      if (name.startsWith("_Z10kj_qstreamI")) {
        allowance = QuantStreamSource.STATIC_BYTES;
      } else if (name.startsWith("_Z8kj_qfewxI")) {
        allowance = QuantFewSharedXSource.STATIC_BYTES;
      } else if (name.startsWith("_Z8kj_qgemmI") && name.contains("Lb1E")) {
        allowance = QuantGemmSource.STAGED_STATIC_BYTES;
      } else {
        continue;
      }
      checked++;
      int got = e.getValue().staticSharedBytes();
      assertTrue(
          got <= allowance,
          name + ": " + got + " bytes of static shared memory, the plan allows " + allowance);
    }
    // 8 streaming, 6 shared-x and 4 staged instantiations (bf16 and f16; 4- and 8-bit streaming
    // and staged).
    assertTrue(checked == 18, "expected 18 instantiations to check, found " + checked);
  }
}
