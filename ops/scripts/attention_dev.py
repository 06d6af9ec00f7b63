#!/usr/bin/env python3
"""Development harness for KernelJ's attention kernels, without Java: proves and times the CUDA C
of PrefillAttentionKernels.java and PagedDecodeAttentionKernels.java against PyTorch on the GPU
machine (it has nvcc, PyTorch and CuPy). No test depends on it.

It extracts the CUDA text blocks from the Java files, with the PTX helpers of PtxPrelude.java they
start with (or takes .cu files of an older version from
--baseline-dir, named PrefillAttentionKernels.cu / PagedDecodeAttentionKernels.cu), compiles each
variant below with nvcc for the card's architecture, then per variant:
  1. correctness first: odd and non-power-of-two sizes, GQA/MQA, causal or not, sliding windows
     (variants that take one), paged caches with odd block sizes and empty contexts; outputs
     poisoned with NaN; fresh random inputs; the reference is float32 (PyTorch); a NaN fails;
  2. timing: prefill at B=4 H=32 S=4096 (D=128 and 64), causal and not, next to PyTorch SDPA in
     the same run, and with a 1024-key window against the same kernel without one; paged decode
     at batch 1 and 32, context 1k..32k (and 32k with a 4096-token window), as CUDA-graph replays over
     enough copies of the cache that the L2 cannot hold them, against the K+V bytes-moved roofline
     and the measured device-to-device copy bandwidth.
It prints a compact table last and writes everything as JSON under --out (default $OUT or /tmp).

  python3 ops/scripts/attention_dev.py [--baseline-dir DIR] [--only prefill|decode] [--sweep]
  python3 ops/scripts/attention_dev.py profile prefill|decode VARIANT [--causal]   (one launch, for ncu)
"""
import argparse
import concurrent.futures
import json
import math
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F
import cupy as cp

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KERNELS_DIR = os.path.join(ROOT, 'ops/src/main/java/dev/kernelj/ops/kernels')
JAVA_DIR = os.path.join(KERNELS_DIR, 'attention')
RESULTS = []


# ---------------------------------------------------------------- sources and builds

def text_block(java_src, at, where):
    """The Java text block whose opening delimiter is the first at or after `at`, with Java's
    incidental indentation (the closing delimiter's line counts) and trailing spaces removed."""
    m = re.compile(r'"""[ \t]*\n(.*?)"""', re.S).search(java_src, at)
    if m is None:
        raise SystemExit(f'{where}: no text block')
    lines = m.group(1).split('\n')   # the last one is the closing delimiter's indentation
    indents = [len(l) - len(l.lstrip()) for l in lines[:-1] if l.strip()] + [len(lines[-1])]
    n = min(indents)
    text = '\n'.join(l[n:].rstrip() for l in lines[:-1]) + '\n'
    if '\\' in text:
        raise SystemExit(f'{where}: a backslash in the CUDA text block (Java would change it)')
    return text


def extract_cuda(java_path):
    """The CUDA C of a @Kernel(source = ...) as javac sees it: a text block, after the text of a
    constant it is appended to (PtxPrelude.PTX, the PTX helpers the attention kernels share)."""
    src = open(java_path).read()
    m = re.search(r'source\s*=\s*(?:([A-Za-z_]\w*)\.([A-Z_]+)\s*\+\s*)?"""', src)
    if m is None:
        raise SystemExit(f'{java_path}: no @Kernel source text block')
    prefix = ''
    if m.group(1):
        holder = os.path.join(KERNELS_DIR, m.group(1) + '.java')
        holder_src = open(holder).read()
        field = re.search(m.group(2) + r'\s*=\s*"""', holder_src)
        if field is None:
            raise SystemExit(f'{holder}: no text block {m.group(2)}')
        prefix = text_block(holder_src, field.end() - 3, holder)
    return prefix + text_block(src, m.end() - 3, java_path)


def source_for(kind, origin, baseline_dir):
    name = 'PrefillAttentionKernels' if kind == 'prefill' else 'PagedDecodeAttentionKernels'
    if origin == 'java':
        return extract_cuda(os.path.join(JAVA_DIR, name + '.java'))
    if origin != 'baseline':   # a folder (relative to the repository root) holding NAME.cu
        baseline_dir = os.path.join(ROOT, origin)
    path = os.path.join(baseline_dir or '', name + '.cu')
    return open(path).read() if baseline_dir and os.path.exists(path) else None


def arch():
    major, minor = torch.cuda.get_device_capability()
    return f'sm_{major}{minor}'


def build(variants, baseline_dir, workdir):
    """Compiles every variant in parallel; returns {name: (cupy module, ptxas report)}."""
    jobs = {}
    for v in variants:
        src = source_for(v['kind'], v['origin'], baseline_dir)
        if src is None:
            print(f'skip {v["name"]}: no baseline source', flush=True)
            continue
        cu = os.path.join(workdir, v['name'] + '.cu')
        open(cu, 'w').write(src)
        jobs[v['name']] = (cu, os.path.join(workdir, v['name'] + '.cubin'), v.get('defines', []))

    def nvcc(item):
        name, (cu, cubin, defines) = item
        cmd = ['nvcc', '-cubin', '-arch=' + arch(), '-Xptxas', '-v', *defines, '-o', cubin, cu]
        p = subprocess.run(cmd, capture_output=True, text=True)
        return name, p.returncode, p.stdout + p.stderr, cubin

    built = {}
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for name, rc, log, cubin in pool.map(nvcc, jobs.items()):
            if rc != 0:
                print(f'BUILD FAIL {name}\n{log}', flush=True)
                continue
            regs = re.findall(r'Function properties for (\w+)\n.*?(\d+) bytes spill stores.*?\n.*?Used (\d+) registers', log)
            report = {f: dict(spill=int(s), regs=int(r)) for f, s, r in regs}
            built[name] = (cp.RawModule(path=cubin), report)
            print(f'built {name}: {report}', flush=True)
    return built


# ---------------------------------------------------------------- helpers

def ptr(t):
    return np.uint64(t.data_ptr())


def rel_err(out, ref):
    out = out.double()
    ref = ref.double()
    if torch.isnan(out).any().item() or torch.isinf(out).any().item():
        return float('nan')
    return ((out - ref).norm() / ref.norm().clamp_min(1e-30)).item()


def report(kind, name, ok, **kw):
    RESULTS.append(dict(kind=kind, name=name, ok=bool(ok), **kw))
    print(('PASS ' if ok else 'FAIL ') + kind + ' ' + name + ' ' + json.dumps(kw), flush=True)


def time_events(fn, warm=3, reps=20):
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b))
    times.sort()
    return times[len(times) // 2]


def time_graph(launches, reps=7):
    """Median ms per launch of a CUDA graph replaying `launches` (callables that launch kernels on
    CuPy's current stream), so that host launch cost stays out of short kernels' numbers. Falls
    back to timing the plain launches (host cost included) when capture fails."""
    try:
        return _time_graph(launches, reps)
    except Exception as e:   # noqa: BLE001 - any capture failure: measure without the graph
        print(f'graph capture failed ({e}); timing plain launches', flush=True)
        def run_all():
            for f in launches:
                f()
        return time_events(run_all, warm=1, reps=reps) / len(launches)


def _time_graph(launches, reps):
    stream = cp.cuda.Stream(non_blocking=True)
    with stream:
        for f in launches:   # warm-up, outside the capture
            f()
        stream.synchronize()
        stream.begin_capture()
        for f in launches:
            f()
        graph = stream.end_capture()
        graph.upload(stream)
        graph.launch(stream)
        stream.synchronize()
        times = []
        for _ in range(reps):
            a, b = cp.cuda.Event(), cp.cuda.Event()
            a.record(stream)
            graph.launch(stream)
            b.record(stream)
            b.synchronize()
            times.append(cp.cuda.get_elapsed_time(a, b))
    times.sort()
    return times[len(times) // 2] / len(launches)


# ---------------------------------------------------------------- prefill

# origin: 'java' (the Java file as it is), 'baseline' (--baseline-dir) or a folder under the
# repository root holding an experimental PrefillAttentionKernels.cu / PagedDecodeAttentionKernels.cu.
# window=True: the kernels take a trailing sliding-window argument (older sources do not).
PREFILL_VARIANTS = [
    dict(kind='prefill', name='prefill-java', origin='java', defines=[], threads=128, block_m=128, window=True),
    dict(kind='prefill', name='prefill-addr', origin='ops/target/adev/v_addr', defines=[], threads=128, block_m=128),
    dict(kind='prefill', name='prefill-old', origin='baseline', defines=[], threads=128, block_m=128),
]


class Prefill:
    def __init__(self, variant, module):
        self.v = variant
        self.fns = {d: module.get_function(f'flash_attention_prefill_d{d}') for d in (64, 128)}
        for d, f in self.fns.items():
            f.max_dynamic_shared_size_bytes = self.smem(d)

    def smem(self, d):
        return (self.v['block_m'] + 4 * 64) * d * 2

    def launch(self, q, k, v, o, causal, scale, window=0):
        b, sq, h, d = q.shape
        hkv = k.shape[2]
        grid = ((sq + self.v['block_m'] - 1) // self.v['block_m'], b * h)
        args = (ptr(q), ptr(k), ptr(v), ptr(o), np.int32(sq), np.int32(k.shape[1]), np.int32(h), np.int32(hkv),
                np.float32(scale * math.log2(math.e)), np.int32(1 if causal else 0))
        if self.v.get('window'):
            args += (np.int32(window),)
        elif window:
            raise ValueError(f'{self.v["name"]} takes no window')
        self.fns[d](grid, (self.v['threads'],), args, shared_mem=self.smem(d))


def prefill_reference(q, k, v, causal, scale, window=0):
    b, sq, h, d = q.shape
    skv, hkv = k.shape[1], k.shape[2]
    qf = q.float().transpose(1, 2)
    kf = k.float().transpose(1, 2).repeat_interleave(h // hkv, 1)
    vf = v.float().transpose(1, 2).repeat_interleave(h // hkv, 1)
    s = (qf @ kf.transpose(-1, -2)) * scale
    if causal:
        i = torch.arange(sq, device=q.device)[:, None]
        j = torch.arange(skv, device=q.device)[None, :]
        s = s.masked_fill(j > i + (skv - sq), float('-inf'))
        if window:   # transformers' sliding_window_overlay: kv_idx > q_idx - sliding_window
            s = s.masked_fill(j <= i + (skv - sq) - window, float('-inf'))
    return (s.softmax(-1) @ vf).transpose(1, 2)


PREFILL_CASES = [(1, 1, 1, 4, 4, 64, 0), (1, 1, 1, 4, 4, 128, 1), (2, 17, 17, 8, 2, 128, 1), (2, 17, 17, 8, 2, 64, 0),
                 (1, 129, 129, 4, 1, 64, 1), (1, 1000, 1000, 8, 8, 128, 1), (1, 1000, 1000, 8, 4, 128, 0),
                 (2, 100, 300, 4, 2, 128, 1), (1, 257, 513, 6, 3, 64, 1), (1, 64, 64, 2, 2, 128, 1),
                 (3, 333, 333, 4, 2, 64, 0), (1, 200, 1000, 4, 4, 128, 1), (1, 4096, 4096, 2, 1, 128, 1),
                 (1, 1100, 1100, 2, 2, 128, 0), (1, 150, 150, 32, 8, 128, 1)]
# causal, with the window last: inside a tile, on tile edges, of one key, past the sequence, chunked queries
PREFILL_WINDOW_CASES = [(1, 1000, 1000, 8, 4, 128, 1, 257), (2, 100, 300, 4, 2, 64, 1, 33), (1, 129, 129, 4, 1, 64, 1, 1),
                        (1, 4096, 4096, 2, 1, 128, 1, 1000), (1, 513, 513, 2, 2, 128, 1, 128), (1, 257, 513, 6, 3, 64, 1, 700),
                        (3, 333, 333, 4, 2, 64, 1, 64), (1, 2000, 2000, 4, 4, 64, 1, 4096)]


def check_prefill(op, seed):
    ok = True
    cases = [c + (0,) for c in PREFILL_CASES] + (PREFILL_WINDOW_CASES if op.v.get('window') else [])
    for n, (b, sq, skv, h, hkv, d, causal, window) in enumerate(cases):
        if op.v.get('d64_only') and d != 64:
            continue
        g = torch.Generator(device='cuda').manual_seed(seed * 1000 + n)
        q = torch.randn(b, sq, h, d, device='cuda', generator=g).bfloat16()
        k = torch.randn(b, skv, hkv, d, device='cuda', generator=g).bfloat16()
        v = torch.randn(b, skv, hkv, d, device='cuda', generator=g).bfloat16()
        scale = 1.0 / math.sqrt(d)
        errs = []
        for _ in range(2):   # twice: a moving error is a race
            o = torch.full((b, sq, h, d), float('nan'), device='cuda').bfloat16()
            op.launch(q, k, v, o, causal, scale, window)
            torch.cuda.synchronize()
            errs.append(rel_err(o, prefill_reference(q, k, v, causal, scale, window)))
        good = all(e < 1e-2 for e in errs) and errs[0] == errs[1]
        ok &= good
        report('prefill-check', f'{op.v["name"]} B{b} Sq{sq} Skv{skv} H{h} Hkv{hkv} D{d} c{causal} w{window}', good, rel=errs)
    return ok


def bench_prefill(ops, table):
    b, h, s = 4, 32, 4096
    for d in (128, 64):
        g = torch.Generator(device='cuda').manual_seed(d)
        q = torch.randn(b, s, h, d, device='cuda', generator=g).bfloat16()
        k = torch.randn(b, s, h, d, device='cuda', generator=g).bfloat16()
        v = torch.randn(b, s, h, d, device='cuda', generator=g).bfloat16()
        qc, kc, vc = (x.transpose(1, 2).contiguous() for x in (q, k, v))   # SDPA's own [B, H, S, D] layout
        o = torch.empty_like(q)
        for causal in (True, False):
            flops = 4 * b * h * s * s * d / (2 if causal else 1)
            t_sdpa = time_events(lambda: F.scaled_dot_product_attention(qc, kc, vc, is_causal=causal))
            ref = F.scaled_dot_product_attention(qc, kc, vc, is_causal=causal).transpose(1, 2)
            sdpa_tf = flops / t_sdpa / 1e9
            report('prefill-bench', f'sdpa D{d} causal{int(causal)}', True, ms=t_sdpa, tflops=sdpa_tf)
            for op in ops:
                if d == 128 and op.v.get('d64_only'):
                    continue
                fn = lambda: op.launch(q, k, v, o, causal, 1 / math.sqrt(d))
                t = time_events(fn)
                t2 = time_events(fn)
                o.fill_(float('nan'))
                fn()
                torch.cuda.synchronize()
                err = rel_err(o, ref)
                tf = flops / min(t, t2) / 1e9
                report('prefill-bench', f'{op.v["name"]} D{d} causal{int(causal)}', err < 1e-2, ms=[t, t2], tflops=tf,
                       ratio=tf / sdpa_tf, rel_vs_sdpa=err)
                table.append((f'prefill D{d} c{int(causal)}', op.v['name'], f'{tf:7.1f} TF/s', f'{tf / sdpa_tf:.3f}x sdpa',
                              f'sdpa {sdpa_tf:.1f}', f'spread {abs(t - t2) / min(t, t2) * 100:.1f}%'))
            if causal:
                bench_prefill_window(ops, table, q, k, v, o, qc, kc, vc, d)
        del q, k, v, qc, kc, vc, o
        torch.cuda.empty_cache()


def bench_prefill_window(ops, table, q, k, v, o, qc, kc, vc, d, window=1024):
    """A sliding window over the same causal prompt: it must cost less than full causal attention."""
    b, s, h, _ = q.shape
    i = torch.arange(s, device='cuda')[:, None]
    j = torch.arange(s, device='cuda')[None, :]
    mask = (j <= i) & (j > i - window)
    ref = F.scaled_dot_product_attention(qc, kc, vc, attn_mask=mask).transpose(1, 2)
    pairs = sum(min(window, p + 1) for p in range(s))
    flops = 4 * b * h * pairs * d
    for op in ops:
        if not op.v.get('window'):
            continue
        full = time_events(lambda: op.launch(q, k, v, o, True, 1 / math.sqrt(d)))
        fn = lambda: op.launch(q, k, v, o, True, 1 / math.sqrt(d), window)
        t = time_events(fn)
        o.fill_(float('nan'))
        fn()
        torch.cuda.synchronize()
        err = rel_err(o, ref)
        tf = flops / t / 1e9
        report('prefill-bench', f'{op.v["name"]} D{d} window{window}', err < 1e-2, ms=t, full_causal_ms=full, tflops=tf,
               rel_vs_sdpa_mask=err)
        table.append((f'prefill D{d} w{window}', op.v['name'], f'{tf:7.1f} TF/s', f'{t:.3f} ms',
                      f'full causal {full:.3f} ms', f'{full / t:.2f}x faster'))


# ---------------------------------------------------------------- paged decode

def decode_smem(stages):
    """PagedDecodeAttentionKernels.SHARED_BYTES_D*: each warp's K/V stages, then the merge statistics
    (a running max and sum per warp and query head, f32) that the kernel keeps after them."""
    return lambda d: 4 * stages * 2 * 16 * d * 2 + 2 * 4 * 16 * 4


DECODE_VARIANTS = [
    dict(kind='decode', name='decode-java', origin='java', defines=[], smem=decode_smem(3), max_group=16, window=True),
    dict(kind='decode', name='decode-old', origin='baseline', defines=[], smem=lambda d: 32768, max_group=8, old_rule=True),
]


def choose_partition(batch, hkv, chunks, max_ctx, sms, old_rule=False):
    """PagedDecodeAttention.Plan.choose: the largest partition whose blocks cover 7/8 of the SMs
    (before the rewrite: at least two blocks per SM)."""
    for p in (1024, 512, 256, 128, 64):
        blocks = batch * hkv * chunks * ((max_ctx + p - 1) // p)
        if (blocks >= 2 * sms) if old_rule else (blocks * 8 >= 7 * sms):
            return p
    return 64


class Cache:
    """A paged K/V cache with shuffled pages, one query per sequence, on the device."""

    def __init__(self, batch, h, hkv, d, bs, ctx_lens, seed, spare_blocks=3):
        g = torch.Generator(device='cuda').manual_seed(seed)
        self.batch, self.h, self.hkv, self.d, self.bs = batch, h, hkv, d, bs
        self.ctx_list = list(ctx_lens)
        self.max_ctx = max(max(ctx_lens), 1)
        self.max_blocks = (self.max_ctx + bs - 1) // bs
        need = sum((c + bs - 1) // bs for c in ctx_lens)
        num_blocks = need + spare_blocks
        perm = torch.randperm(num_blocks, device='cuda', generator=g).int()
        table = torch.full((batch, self.max_blocks), -1, dtype=torch.int32, device='cuda')
        at = 0
        for b, c in enumerate(ctx_lens):
            nb = (c + bs - 1) // bs
            table[b, :nb] = perm[at:at + nb]
            at += nb
        self.table = table
        self.ctx = torch.tensor(ctx_lens, dtype=torch.int32, device='cuda')
        self.k = torch.randn(num_blocks, bs, hkv, d, device='cuda', generator=g).bfloat16()
        self.v = torch.randn(num_blocks, bs, hkv, d, device='cuda', generator=g).bfloat16()
        self.q = torch.randn(batch, h, d, device='cuda', generator=g).bfloat16()

    def bytes(self):
        return 2 * sum(self.ctx_list) * self.hkv * self.d * 2

    def reference(self, window=0):
        outs = []
        scale = 1 / math.sqrt(self.d)
        for b in range(self.batch):
            c = self.ctx_list[b]
            if c == 0:
                outs.append(torch.zeros(self.h, self.d, device='cuda'))
                continue
            t = torch.arange(max(0, c - window) if window else 0, c, device='cuda')
            pages = self.table[b].long()[t // self.bs]
            offs = t % self.bs
            kk = self.k[pages, offs].float().repeat_interleave(self.h // self.hkv, 1)
            vv = self.v[pages, offs].float().repeat_interleave(self.h // self.hkv, 1)
            s = torch.einsum('hd,chd->hc', self.q[b].float(), kk) * scale
            outs.append(torch.einsum('hc,chd->hd', s.softmax(-1), vv))
        return torch.stack(outs)


class Decode:
    def __init__(self, variant, module):
        self.v = variant
        self.fns = {d: module.get_function(f'paged_decode_attention_d{d}') for d in (64, 128)}
        for d, f in self.fns.items():
            f.max_dynamic_shared_size_bytes = variant['smem'](d)
        self.reduce = module.get_function('paged_decode_reduce')

    def prepare(self, c, partition=None, sms=132, window=0):
        """Returns (launch callable, output, partition, parts) with fresh NaN-poisoned buffers."""
        if window and not self.v.get('window'):
            raise ValueError(f'{self.v["name"]} takes no window')
        chunks = (c.h // c.hkv + self.v['max_group'] - 1) // self.v['max_group']
        span = min(c.max_ctx, window) if window else c.max_ctx   # partitions count from the window's start
        p = partition or choose_partition(c.batch, c.hkv, chunks, span, sms, self.v.get('old_rule', False))
        parts = (span + p - 1) // p
        extra = (np.int32(window),) if self.v.get('window') else ()
        out = torch.full((c.batch, c.h, c.d), float('nan'), device='cuda').bfloat16()
        po = torch.full((c.batch, c.h, parts, c.d), float('nan'), device='cuda')
        pm = torch.full((c.batch, c.h, parts), float('nan'), device='cuda')
        ps = torch.full((c.batch, c.h, parts), float('nan'), device='cuda')
        scale_log2 = np.float32(math.log2(math.e) / math.sqrt(c.d))
        fn = self.fns[c.d]
        smem = self.v['smem'](c.d)

        def go():
            fn((parts, c.hkv * chunks, c.batch), (128,),
               (ptr(c.q), ptr(c.k), ptr(c.v), ptr(c.table), ptr(c.ctx), ptr(out), ptr(po), ptr(pm), ptr(ps),
                np.int32(c.h), np.int32(c.hkv), np.int32(c.bs), np.int32(c.max_blocks), np.int32(p), np.int32(parts),
                scale_log2) + extra, shared_mem=smem)
            if parts > 1:
                self.reduce((c.h, c.batch), (c.d,), (ptr(po), ptr(pm), ptr(ps), ptr(c.ctx), ptr(out), np.int32(c.h),
                                                     np.int32(c.d), np.int32(p), np.int32(parts)) + extra)
        return go, out, p, parts


DECODE_CASES = [  # batch, heads, kv heads, head dim, block size, context lengths, partition (None = plan)
    (1, 4, 4, 64, 16, [1], None), (2, 8, 2, 128, 16, [17, 5], None), (3, 32, 8, 128, 16, [1000, 129, 1], None),
    (2, 32, 8, 128, 32, [5000, 3333], 256), (2, 14, 2, 64, 16, [2049, 777], None), (1, 32, 1, 128, 16, [4097], None),
    (2, 12, 12, 64, 7, [300, 0], None), (4, 16, 4, 128, 16, [40000, 100, 65, 64], 1024), (1, 16, 1, 128, 16, [333], None),
    (2, 28, 4, 128, 1, [70, 33], 64), (1, 32, 8, 128, 16, [1000], 1024), (2, 32, 8, 128, 5, [2000, 1999], 64),
    (1, 40, 2, 64, 3, [700], 128), (1, 8, 8, 128, 16, [0], 1024),
]
# the same with a sliding window last (variants that take one)
DECODE_WINDOW_CASES = [
    (5, 32, 8, 128, 16, [20000, 4096, 4097, 1, 0], None, 4096), (3, 14, 2, 64, 7, [2049, 777, 100], 256, 777),
    (2, 8, 8, 64, 16, [3001, 5], None, 1), (2, 16, 4, 128, 5, [9000, 1234], 64, 1000), (1, 32, 1, 128, 32, [4097], None, 333),
    (1, 12, 4, 64, 16, [600], 1024, 65),
]


def check_decode(op, seed):
    ok = True
    cases = [c + (0,) for c in DECODE_CASES] + (DECODE_WINDOW_CASES if op.v.get('window') else [])
    for n, (batch, h, hkv, d, bs, ctx, partition, window) in enumerate(cases):
        c = Cache(batch, h, hkv, d, bs, ctx, seed=seed * 1000 + n)
        ref = c.reference(window)
        errs = []
        for _ in range(2):
            go, out, p, parts = op.prepare(c, partition, window=window)
            go()
            torch.cuda.synchronize()
            errs.append(rel_err(out, ref) if ref.abs().sum() > 0 else (0.0 if (out.float() == 0).all().item() else float('nan')))
        good = all(e < 1e-2 for e in errs) and errs[0] == errs[1]
        ok &= good
        report('decode-check', f'{op.v["name"]} B{batch} H{h} Hkv{hkv} D{d} bs{bs} ctx{ctx[:4]} P{p}x{parts} w{window}', good,
               rel=errs)
    return ok


def copy_bandwidth():
    x = torch.empty(1 << 30, dtype=torch.uint8, device='cuda')
    y = torch.empty_like(x)
    t = time_events(lambda: y.copy_(x))
    return 2 * x.numel() / t / 1e6


def bench_decode(ops, table, sweep, sms, copy_gbps):
    l2 = torch.cuda.get_device_properties(0).L2_cache_size
    for batch in (1, 32):
        for ctx in (1024, 4096, 16384, 32768):
            one = 2 * batch * ctx * 8 * 128 * 2
            copies = max(1, min(64, math.ceil(4 * l2 / one)))   # rotate so that the L2 holds none of it
            caches = [Cache(batch, 32, 8, 128, 16, [ctx] * batch, seed=7 + i) for i in range(copies)]
            ref0 = caches[0].reference() if batch * ctx <= 32 * 4096 else None
            for op in ops:
                partitions = [None] + ([64, 128, 256, 512, 1024] if sweep and op.v['origin'] == 'java' else [])
                for partition in partitions:
                    prepared = [op.prepare(c, partition, sms) for c in caches]
                    _, out0, p, parts = prepared[0]
                    if partition is not None and p == choose_partition(batch, 8, 1, ctx, sms):
                        continue   # the plan's own choice is measured already
                    prepared[0][0]()
                    torch.cuda.synchronize()
                    err = rel_err(out0, ref0) if ref0 is not None else float('nan')
                    reps = max(1, 64 // copies)
                    ms = time_graph([g for g, *_ in prepared] * reps)
                    gbps = one / ms / 1e6
                    tag = 'plan' if partition is None else 'sweep'
                    report('decode-bench', f'{op.v["name"]} B{batch} ctx{ctx} P{p}x{parts} {tag}',
                           ref0 is None or err < 1e-2, us=ms * 1000, gbps=gbps, of_copy=gbps / copy_gbps, rel=err,
                           copies=copies)
                    table.append((f'decode B{batch} ctx{ctx}', f'{op.v["name"]} P{p} {tag}', f'{ms * 1000:8.1f} us',
                                  f'{gbps:7.0f} GB/s', f'{gbps / copy_gbps:.2f} of copy', ''))
            if ctx == 32768:
                bench_decode_window(ops, table, caches, batch, sms, copy_gbps)
            del caches
            torch.cuda.empty_cache()


def bench_decode_window(ops, table, caches, batch, sms, copy_gbps, window=4096):
    """A long context read through a sliding window: it must move (and cost) only the window's bytes."""
    moved = 2 * batch * window * 8 * 128 * 2
    ref0 = caches[0].reference(window) if batch == 1 else None
    for op in ops:
        if not op.v.get('window'):
            continue
        prepared = [op.prepare(c, None, sms, window=window) for c in caches]
        _, out0, p, parts = prepared[0]
        prepared[0][0]()
        torch.cuda.synchronize()
        err = rel_err(out0, ref0) if ref0 is not None else float('nan')
        ms = time_graph([g for g, *_ in prepared] * max(1, 64 // len(caches)))
        gbps = moved / ms / 1e6
        report('decode-bench', f'{op.v["name"]} B{batch} ctx{caches[0].max_ctx} window{window} P{p}x{parts}',
               ref0 is None or err < 1e-2, us=ms * 1000, gbps=gbps, of_copy=gbps / copy_gbps, rel=err)
        table.append((f'decode B{batch} ctx{caches[0].max_ctx} w{window}', f'{op.v["name"]} P{p}', f'{ms * 1000:8.1f} us',
                      f'{gbps:7.0f} GB/s', f'{gbps / copy_gbps:.2f} of copy', ''))


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('mode', nargs='?', default='all', choices=['all', 'profile'])
    ap.add_argument('what', nargs='?')
    ap.add_argument('variant', nargs='?')
    ap.add_argument('--baseline-dir')
    ap.add_argument('--only', choices=['prefill', 'decode'])
    ap.add_argument('--sweep', action='store_true', help='also time every partition size of the new decode kernels')
    ap.add_argument('--causal', action='store_true')
    ap.add_argument('--out', default=os.environ.get('OUT', '/tmp'))
    args = ap.parse_args()
    props = torch.cuda.get_device_properties(0)
    sms = props.multi_processor_count
    print(f'device {torch.cuda.get_device_name()} sms {sms} L2 {props.L2_cache_size >> 20} MiB torch {torch.__version__} '
          f'arch {arch()}', flush=True)
    variants = []
    if args.only != 'decode':
        variants += PREFILL_VARIANTS
    if args.only != 'prefill':
        variants += DECODE_VARIANTS
    if args.mode == 'profile':
        variants = [v for v in variants if v['name'] == args.variant]
    workdir = tempfile.mkdtemp(prefix='kj-attn-')
    built = build(variants, args.baseline_dir, workdir)
    prefill_ops = [Prefill(v, built[v['name']][0]) for v in variants if v['kind'] == 'prefill' and v['name'] in built]
    decode_ops = [Decode(v, built[v['name']][0]) for v in variants if v['kind'] == 'decode' and v['name'] in built]

    if args.mode == 'profile':
        if args.what == 'prefill':
            op = prefill_ops[0]
            q = torch.randn(1, 4096, 32, 128, device='cuda').bfloat16()
            k, v, o = torch.randn_like(q), torch.randn_like(q), torch.empty_like(q)
            for _ in range(3):
                op.launch(q, k, v, o, args.causal, 1 / math.sqrt(128))
        else:
            op = decode_ops[0]
            c = Cache(1, 32, 8, 128, 16, [32768], seed=1)
            go, *_ = op.prepare(c, None, sms)
            for _ in range(3):
                go()
        torch.cuda.synchronize()
        return 0

    table = []
    all_ok = True
    for op in prefill_ops:
        all_ok &= check_prefill(op, seed=1)
    for op in decode_ops:
        all_ok &= check_decode(op, seed=2)
    copy_gbps = copy_bandwidth()
    report('ceiling', 'd2d copy', True, gbps=copy_gbps)
    if prefill_ops:
        bench_prefill(prefill_ops, table)
    if decode_ops:
        bench_decode(decode_ops, table, args.sweep, sms, copy_gbps)

    meta = dict(device=torch.cuda.get_device_name(), sms=sms, copy_gbps=copy_gbps,
                builds={k: r for k, (_, r) in built.items()})
    with open(os.path.join(args.out, 'attention_dev.json'), 'w') as f:
        json.dump(dict(meta=meta, results=RESULTS), f, indent=1)
    failed = [r['name'] for r in RESULTS if not r['ok']]
    print(f'\n== {torch.cuda.get_device_name()}, copy {copy_gbps:.0f} GB/s; checks '
          f'{"all passed" if not failed else "FAILED: " + ", ".join(failed)}')
    for name, (_, rep) in built.items():
        print(f'   {name}: {rep}')
    for row in table:
        print(' | '.join(str(x) for x in row))
    return 0 if all_ok and not failed else 1


if __name__ == '__main__':
    sys.exit(main())
