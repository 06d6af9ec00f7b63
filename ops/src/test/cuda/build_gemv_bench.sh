#!/usr/bin/env bash
# Builds the GEMV harness into .gemvbench/ at the repository root (git-ignored), from the CUDA C
# that Gemv.java carries. Run here (nvcc present); carry .gemvbench to the GPU machine and run
# .gemvbench/gemv_bench there. Also prints the register/spill report of the Java entry points
# for sm_80 and sm_90.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
out="$root/.gemvbench"
mkdir -p "$out"
python3 "$here/extract_gemv_source.py" "$out/gemv_source.cu"
nvcc -O3 -arch=sm_90 -std=c++17 -I"$out" -Xptxas -warn-spills -cudart static -ldl \
  -o "$out/gemv_bench" "$here/gemv_bench.cu"
for arch in 80 90; do
  nvcc -cubin -O3 -arch=sm_$arch -Xptxas -v -o "$out/gemv_sm$arch.cubin" "$out/gemv_source.cu" 2>&1 \
    | awk -v arch=$arch '/Compiling entry function/ { name = $7 } /spill stores/ { spill = $5 " " $6 " " $7 } /Used/ { print "sm_" arch, name, $5, "registers,", spill }'
done
