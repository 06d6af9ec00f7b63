#!/usr/bin/env bash
# Builds and runs qstream_persist_check.cpp on the CPU (g++ and the host emulator; CUDA's headers for the
# half types, no GPU): the persistent candidate of qstream_persist.cuh against the production one-row kernel.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
out="${QGEMM_BENCH_OUT:-$root/.qgemmbench}"
cuda="${CUDA_HOME:-/usr/local/cuda}"
mkdir -p "$out"
python3 "$here/extract_qgemm_source.py" "$out/qgemm_source.cu"
g++ -std=c++20 -O1 -pthread -I"$cuda/include" -I"$here/emulator" -I"$here" -I"$out" \
  -o "$out/qstream_persist_check" "$here/qstream_persist_check.cpp"
"$out/qstream_persist_check"
