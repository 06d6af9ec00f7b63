#!/usr/bin/env bash
# Builds and runs the CPU checks of qgemm_bench's candidate kernels (g++ and the host emulator; CUDA's headers
# for the half types, no GPU): qstream_persist_check.cpp (the persistent one-row kernel against the production
# one) and qfew_candidate_check.cpp (the few-row kernel against the production GEMM).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
out="${QGEMM_BENCH_OUT:-$root/.qgemmbench}"
cuda="${CUDA_HOME:-/usr/local/cuda}"
mkdir -p "$out"
python3 "$here/extract_qgemm_source.py" "$out/qgemm_source.cu"
for check in qstream_persist_check qfew_candidate_check; do
  g++ -std=c++20 -O1 -pthread -I"$cuda/include" -I"$here/emulator" -I"$here" -I"$out" -o "$out/$check" "$here/$check.cpp"
  "$out/$check"
done
