package dev.kernelj.runtime.cuda;

/** A stand-in {@code @Kernel} interface whose build-time binary resources the tests provide. */
interface PrecompiledOwner {
  String SOURCE =
      "extern \"C\" __global__ void k(int n) {}\n"
          + "template <typename T, int B> __global__ void reduce(T* p) {}\n";
}
