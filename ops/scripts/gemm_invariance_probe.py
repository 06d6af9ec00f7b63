"""Is cuBLAS's bf16 GEMM batch-invariant on this card?

For each Llama-3 projection shape and each row count M, computes x[:M] @ w.T (bf16 in, f32
accumulation, bf16 out: what torch.matmul does through cuBLASLt) and compares every row with the
same row computed at M = 1 and at M = 256, bit for bit. A row whose bits change with M means the
library picked a different reduction order (split-K, another tile) for that M: a request's output
would depend on who shares its batch. Also times each M (CUDA events, median of 20) so the cost of
pinning one configuration can be weighed, and measures the copy ceiling.

Usage (GPU machine): python3 ops/scripts/gemm_invariance_probe.py
"""

import torch

SHAPES = {  # name: (out N, in K)
    "qkv 6144x4096": (6144, 4096),
    "o 4096x4096": (4096, 4096),
    "gate_up 28672x4096": (28672, 4096),
    "down 4096x14336": (4096, 14336),
    "1B qkv 3072x2048": (3072, 2048),
    "1B down 2048x8192": (2048, 8192),
}
ROWS = [1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 96, 127, 128, 129, 192, 255, 256, 512, 1024, 2048]


def timed(fn, reps=20):
    times = []
    for _ in range(3):
        fn()
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b))
    times.sort()
    return times[len(times) // 2]


def copy_ceiling():
    src = torch.empty(1 << 30, dtype=torch.uint8, device="cuda")
    dst = torch.empty_like(src)
    ms = timed(lambda: dst.copy_(src))
    return 2 * src.numel() / ms / 1e6  # GB/s, read + write


def main():
    torch.manual_seed(0)
    print("card:", torch.cuda.get_device_name(), "torch", torch.__version__)
    print(f"copy ceiling: {copy_ceiling():.0f} GB/s")
    for name, (n, k) in SHAPES.items():
        w = torch.randn(n, k, device="cuda", dtype=torch.bfloat16) * 0.02
        x = torch.randn(max(ROWS), k, device="cuda", dtype=torch.bfloat16)
        ref1 = x[:1] @ w.T
        ref256 = x[:256] @ w.T
        variant_rows = []
        line = []
        for m in ROWS:
            y = x[:m] @ w.T
            same1 = torch.equal(y[:1], ref1)
            common = min(m, 256)
            same256 = torch.equal(y[:common], ref256[:common])
            ms = timed(lambda: x[:m] @ w.T)
            gbs = (n * k * 2 + m * (n + k) * 2) / ms / 1e6
            tflops = 2.0 * m * n * k / ms / 1e9
            line.append(f"M={m}: {ms*1000:.0f}us {gbs:.0f}GB/s {tflops:.0f}TF row0{'=' if same1 else '!'}M1 rows{'=' if same256 else '!'}M256")
            if not (same1 and same256):
                variant_rows.append(m)
        print(f"\n{name}: M whose rows differ from M=1 or M=256: {variant_rows}")
        for l in line:
            print("  ", l)


if __name__ == "__main__":
    main()
