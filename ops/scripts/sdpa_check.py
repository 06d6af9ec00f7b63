#!/usr/bin/env python3
"""PyTorch's scaled_dot_product_attention as the oracle and the baseline for KernelJ's prefill attention.

Runs on the GPU machine (it has PyTorch). Two modes, both print one JSON object on stdout:

  compare  Reads Q, K, V and KernelJ's output O as raw little-endian bf16 files in KernelJ's layout
           (Q/O [batch, seq_q, heads, head_dim], K/V [batch, seq_kv, kv_heads, head_dim]), computes
           SDPA in float32 on the same bf16 inputs and reports the max absolute and the relative
           (Frobenius) error. Exit status 1 when the relative error exceeds --tolerance or O holds NaN.

             sdpa_check.py compare --dir DIR  (DIR holds q.bf16 k.bf16 v.bf16 o.bf16 and args.txt,
                                               as AttentionGpuTest writes with -Dkernelj.attention.dump)
             sdpa_check.py compare --q Q --k K --v V --out O --batch B --seq-q S --seq-kv S \\
                                   --heads H --kv-heads HKV --head-dim D [--causal] [--scale X]

           Causal masks align the diagonal to the bottom right (query i sees keys j <= i + seq_kv - seq_q),
           as KernelJ does.

  bench    Times SDPA at B=4, H=32, S=4096, D=128, causal and not (bf16, median of CUDA-event-timed runs)
           and reports TFLOP/s (causal counts half the flops), for AttentionBench --sdpa.

             sdpa_check.py bench [--reps 30] [--out FILE]
"""
import argparse
import json
import math
import os
import sys

import torch
import torch.nn.functional as F


def read_bf16(path, shape):
    data = open(path, 'rb').read()
    expected = math.prod(shape) * 2
    if len(data) != expected:
        raise SystemExit(f'{path}: {len(data)} bytes, expected {expected} for bf16 shape {list(shape)}')
    return torch.frombuffer(bytearray(data), dtype=torch.bfloat16).reshape(shape)


def sdpa_reference(q, k, v, causal, scale):
    """float32 SDPA on [batch, seq, heads, dim] tensors, GQA by repeating kv heads."""
    b, sq, h, d = q.shape
    skv, hkv = k.shape[1], k.shape[2]
    qt = q.float().transpose(1, 2)
    kt = k.float().transpose(1, 2).repeat_interleave(h // hkv, dim=1)
    vt = v.float().transpose(1, 2).repeat_interleave(h // hkv, dim=1)
    mask = None
    if causal:
        i = torch.arange(sq, device=q.device)[:, None]
        j = torch.arange(skv, device=q.device)[None, :]
        mask = j <= i + (skv - sq)
    out = F.scaled_dot_product_attention(qt, kt, vt, attn_mask=mask, scale=scale)
    return out.transpose(1, 2)


def compare(args):
    paths = {n: getattr(args, n if n != 'o' else 'out') for n in ('q', 'k', 'v', 'o')}
    if args.dir:
        paths = {n: os.path.join(args.dir, n + '.bf16') for n in paths}
    if any(p is None for p in paths.values()):
        raise SystemExit('compare needs --dir or all of --q --k --v --out')
    b, sq, skv, h, hkv, d = args.batch, args.seq_q, args.seq_kv, args.heads, args.kv_heads, args.head_dim
    if h % hkv:
        raise SystemExit(f'--kv-heads {hkv} must divide --heads {h}')
    dev = 'cuda' if torch.cuda.is_available() else 'cpu'
    q = read_bf16(paths['q'], (b, sq, h, d)).to(dev)
    k = read_bf16(paths['k'], (b, skv, hkv, d)).to(dev)
    v = read_bf16(paths['v'], (b, skv, hkv, d)).to(dev)
    o = read_bf16(paths['o'], (b, sq, h, d)).to(dev).float()
    scale = args.scale if args.scale is not None else 1.0 / math.sqrt(d)
    ref = sdpa_reference(q, k, v, args.causal, scale)
    has_nan = bool(torch.isnan(o).any() or torch.isinf(o).any())
    diff = (o.double() - ref.double())
    rel = (diff.norm() / ref.double().norm().clamp_min(1e-30)).item()
    result = dict(mode='compare', shape=dict(batch=b, seq_q=sq, seq_kv=skv, heads=h, kv_heads=hkv, head_dim=d,
                                                causal=args.causal, scale=scale),
                  max_abs_error=diff.abs().max().item(), relative_error=rel, nan=has_nan,
                  ok=(not has_nan) and rel <= args.tolerance, tolerance=args.tolerance, device=dev)
    print(json.dumps(result))
    return 0 if result['ok'] else 1


def bench(args):
    if not torch.cuda.is_available():
        raise SystemExit('bench needs a CUDA device')
    b, h, s, d = 4, 32, 4096, 128
    gen = torch.Generator(device='cuda').manual_seed(0)
    q = torch.randn(b, h, s, d, device='cuda', dtype=torch.bfloat16, generator=gen)
    k = torch.randn(b, h, s, d, device='cuda', dtype=torch.bfloat16, generator=gen)
    v = torch.randn(b, h, s, d, device='cuda', dtype=torch.bfloat16, generator=gen)
    results = []
    for causal in (True, False):
        run = lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        for _ in range(5):
            run()
        torch.cuda.synchronize()
        times = []
        for _ in range(args.reps):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            run()
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end))
        times.sort()
        ms = times[len(times) // 2]
        flops = 4 * b * h * s * s * d / (2 if causal else 1)
        results.append(dict(causal=causal, ms=ms, tflops=flops / ms / 1e9))
    out = dict(mode='bench', device=torch.cuda.get_device_name(), torch=torch.__version__,
               shape=dict(batch=b, heads=h, seq=s, head_dim=d, dtype='bf16'), results=results)
    text = json.dumps(out)
    if args.out:
        open(args.out, 'w').write(text + '\n')
    print(text)
    return 0


def parser():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest='mode', required=True)
    c = sub.add_parser('compare')
    c.add_argument('--dir')
    for name in ('q', 'k', 'v', 'out'):
        c.add_argument('--' + name)
    for name in ('batch', 'seq-q', 'seq-kv', 'heads', 'kv-heads', 'head-dim'):
        c.add_argument('--' + name, type=int)
    c.add_argument('--causal', action='store_true')
    c.add_argument('--scale', type=float)
    c.add_argument('--tolerance', type=float, default=1e-2)
    bp = sub.add_parser('bench')
    bp.add_argument('--reps', type=int, default=30)
    bp.add_argument('--out')
    return p


def main():
    args = parser().parse_args()
    if args.mode == 'compare':
        if args.dir:
            extra = open(os.path.join(args.dir, 'args.txt')).read().split()
            merged = parser().parse_args(['compare', '--dir', args.dir, '--tolerance', str(args.tolerance)] + extra)
            args = merged
        missing = [n for n in ('batch', 'seq_q', 'seq_kv', 'heads', 'kv_heads', 'head_dim') if getattr(args, n) is None]
        if missing:
            raise SystemExit('compare needs ' + ', '.join('--' + m.replace('_', '-') for m in missing))
        return compare(args)
    return bench(args)


if __name__ == '__main__':
    sys.exit(main())
