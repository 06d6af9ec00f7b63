#!/usr/bin/env python3
"""Hardware ceilings and PyTorch baselines, measured in the same run as KernelJ's benchmarks.

Prints a table and writes JSON (--json PATH) that the Java benchmarks read with --baseline, so every
figure in BENCHMARKS.md is a ratio against numbers from the same card on the same day.
"""
import argparse
import json
import math

import torch
import torch.nn.functional as F


def median_ms(fn, reps=50, warmup=10):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    times.sort()
    return times[len(times) // 2]


def copy_bandwidth():
    # 1 GiB each way: far beyond L2, counts bytes read plus bytes written.
    n = 1 << 30
    src = torch.randint(0, 255, (n,), dtype=torch.uint8, device="cuda")
    dst = torch.empty_like(src)
    ms = median_ms(lambda: dst.copy_(src), reps=20)
    return 2 * n / ms / 1e6  # GB/s


def gemm_tflops(m=8192, n=8192, k=8192):
    a = torch.randn(m, k, dtype=torch.bfloat16, device="cuda")
    b = torch.randn(k, n, dtype=torch.bfloat16, device="cuda")
    ms = median_ms(lambda: a @ b, reps=20)
    return 2 * m * n * k / ms / 1e9


def rotating(make, count, nbytes_each):
    """Enough input sets that one pass over them is larger than L2 (about 60 MB)."""
    sets = max(2, math.ceil(200e6 / max(1, nbytes_each)))
    sets = min(sets, count)
    return [make() for _ in range(sets)]


def op_baselines():
    results = {}
    tokens, hidden, inter = 16, 4096, 14336
    bf = torch.bfloat16

    # RMSNorm: read x and weight, write y (bf16), per the op's byte count.
    def rms_case(rows, dim):
        xs = rotating(lambda: torch.randn(rows, dim, dtype=bf, device="cuda"), 64, rows * dim * 2)
        w = torch.randn(dim, dtype=bf, device="cuda")
        i = [0]

        def run():
            x = xs[i[0] % len(xs)]
            i[0] += 1
            return F.rms_norm(x, (dim,), w, 1e-5)

        ms = median_ms(run)
        return {"ms": ms, "GBps": (2 * rows * dim * 2 + dim * 2) / ms / 1e6}

    results["rmsnorm_4096x4096"] = rms_case(4096, 4096)

    def swiglu_case(rows, dim):
        gs = rotating(lambda: torch.randn(rows, dim, dtype=bf, device="cuda"), 64, rows * dim * 2)
        us = [torch.randn_like(g) for g in gs]
        i = [0]

        def run():
            k = i[0] % len(gs)
            i[0] += 1
            return F.silu(gs[k]) * us[k]

        ms = median_ms(run)
        return {"ms": ms, "GBps": 3 * rows * dim * 2 / ms / 1e6}

    results["swiglu_4096x14336"] = swiglu_case(4096, inter)

    def gemv_case(rows, out_f, in_f):
        ws = rotating(lambda: torch.randn(out_f, in_f, dtype=bf, device="cuda"), 8, out_f * in_f * 2)
        x = torch.randn(rows, in_f, dtype=bf, device="cuda")
        i = [0]

        def run():
            w = ws[i[0] % len(ws)]
            i[0] += 1
            return x @ w.t()

        ms = median_ms(run)
        nbytes = out_f * in_f * 2 + rows * (in_f + out_f) * 2
        return {"ms": ms, "GBps": nbytes / ms / 1e6}

    for rows in (1, 8):
        for out_f, in_f in ((4096, 4096), (14336, 4096), (4096, 14336), (128256, 4096)):
            results[f"gemv_{rows}x{out_f}x{in_f}"] = gemv_case(rows, out_f, in_f)

    def sdpa_case(causal, b=4, h=32, s=4096, d=128):
        q = torch.randn(b, h, s, d, dtype=bf, device="cuda")
        k = torch.randn_like(q)
        v = torch.randn_like(q)
        ms = median_ms(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal), reps=20)
        flops = 4 * b * h * s * s * d * (0.5 if causal else 1.0)
        return {"ms": ms, "TFLOPs": flops / ms / 1e9}

    results["sdpa_causal_b4_h32_s4096_d128"] = sdpa_case(True)
    results["sdpa_full_b4_h32_s4096_d128"] = sdpa_case(False)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    torch.manual_seed(0)
    data = {
        "card": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "copy_GBps": copy_bandwidth(),
        "gemm_bf16_8192_TFLOPs": gemm_tflops(),
        "pytorch": op_baselines(),
    }
    print(f"card                      {data['card']}")
    print(f"device copy (read+write)  {data['copy_GBps']:.0f} GB/s")
    print(f"cuBLAS bf16 GEMM 8192^3   {data['gemm_bf16_8192_TFLOPs']:.0f} TFLOP/s")
    for name, r in data["pytorch"].items():
        rate = f"{r['GBps']:.0f} GB/s" if "GBps" in r else f"{r['TFLOPs']:.0f} TFLOP/s"
        print(f"torch {name:32s} {r['ms']:.4f} ms  {rate}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(data, f, indent=2)


if __name__ == "__main__":
    main()
