package dev.kernelj.runtime.cuda;

/** Where a loaded module's binary came from. */
public enum ModuleOrigin {
  /** The fatbin the annotation processor put beside the interface at build time. */
  PRECOMPILED,
  /** NVRTC output found in the on-disk kernel cache. */
  NVRTC_CACHE,
  /** Compiled by NVRTC just now (and stored in the cache). */
  NVRTC_COMPILED
}
