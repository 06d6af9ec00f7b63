#!/usr/bin/env bash
# Builds the quantized-GEMM harness into .qgemmbench/ at the repository root (git-ignored), from the
# CUDA C that QuantGemmKernels carries. Builds where
# nvcc is (here or on the GPU machine, whose image has it); prints the registers of each kernel for sm_90.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
out="${QGEMM_BENCH_OUT:-$root/.qgemmbench}"
mkdir -p "$out"
python3 "$here/extract_qgemm_source.py" "$out/qgemm_source.cu"
if ! nvcc -O3 -arch=sm_90 -std=c++17 -I"$out" -I"$here" -Xptxas -warn-spills -cudart static -ldl \
  -Xptxas -v -o "$out/qgemm_bench" "$here/qgemm_bench.cu" > "$out/build.log" 2>&1; then
  grep -v "^ptxas info" "$out/build.log" >&2
  exit 1
fi
awk '/Compiling entry function/ { name = $7 } /Used/ && name ~ /(q(gemm|stream|few)|few_bounded|fewx_bounded)/ { print name, $5, "registers" }' "$out/build.log" \
  | sed -E 's/_Z[0-9]+//' | sort -u
