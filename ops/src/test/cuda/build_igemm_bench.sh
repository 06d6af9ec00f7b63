#!/usr/bin/env bash
# Builds the batch-invariant GEMM harness into .igemmbench/ at the repository root (git-ignored), from the
# CUDA C that InvariantGemmKernels and GemvKernels carry (the GEMV in a translation unit of its own, as the
# two sources share the prelude). Builds where nvcc is; prints the registers of each kernel for sm_90.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
out="${IGEMM_BENCH_OUT:-$root/.igemmbench}"
mkdir -p "$out"
python3 "$here/extract_igemm_source.py" "$out/igemm_source.cu" "$out/gemv_source.cu"
flags=(-O3 -arch=sm_90 -std=c++17 -I"$out" -I"$here" -Xptxas -warn-spills -Xptxas -v)
if ! { nvcc "${flags[@]}" -c -o "$out/igemm_gemv_part.o" "$here/igemm_gemv_part.cu" \
  && nvcc "${flags[@]}" -c -o "$out/igemm_bench.o" "$here/igemm_bench.cu" \
  && nvcc -arch=sm_90 -cudart static -ldl -o "$out/igemm_bench" "$out/igemm_bench.o" "$out/igemm_gemv_part.o"; } \
  > "$out/build.log" 2>&1; then
  grep -v "^ptxas info" "$out/build.log" >&2
  exit 1
fi
awk '/Compiling entry function/ { name = $7 } /Used/ && name ~ /igemm|few/ { print name, $5, "registers" }' "$out/build.log" \
  | sed -E 's/_Z[0-9]+//' | sort -u
