#!/usr/bin/env python3
"""Checks KernelJ's engine against Hugging Face transformers on a GPU machine, and benchmarks it.

For every small model built by make_models.py:
  * `kernelj logits --device cuda` on a random prompt plus >= 64 greedy decode steps (prefill, then
    the paged decode path with CUDA graphs), and transformers (eager, bf16) on the prompt followed by
    KernelJ's greedy tokens: logits within bf16 tolerance on every row, and identical greedy tokens for
    >= 32 steps (strict: each must be the other side's argmax);
  * the CUDA backend against the Java reference backend (`--device cpu --dtype bf16`) likewise, the
    reference fed the same tokens (prompt + CUDA's greedy tokens) so that every row compares.
make_models.py plants a successor rule in these models so that their next-token distributions are
peaked like a trained model's (its docstring says why and how): strict identity is then passable,
and a failure means a bug, not rounding. To show that the test is meaningful, each line prints the
smallest top-2 margin over the greedy rows next to the largest logits error seen (margin/err should
be well above 1). The count with near-ties (ids within --tie x max |logit| of the argmax also
counted) stays as information.
For the 1B- and 8B-shaped models (when present): `kernelj bench` (batch 1 and 16) against
transformers' generate (eager) on the same card, and batch-1 decode against the roofline
(weight bytes / measured device copy bandwidth).
Prints a table and writes JSON.

    python3 llm/scripts/parity.py --java jre/bin/java --classpath 'lib/*' --models /tmp/kj-models --json parity.json
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from transformers import AutoModelForCausalLM

SMALL = ["llama", "mistral", "mistral-window", "qwen2", "qwen3", "llama-gqa4", "llama32-tied", "llama-head128"]
BENCH = ["llama-3.2-1b-shape", "llama-3-8b-shape"]


def kernelj(args, *command, timeout=600):
    cmd = [args.java, *args.jvm_opt, "-cp", args.classpath, "dev.kernelj.llm.cli.KernelJ", *command]
    start = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr[-3000:]}")
    return r.stdout, r.stderr, time.time() - start


def kernelj_logits(args, model_dir, ids, steps, device, extra=()):
    with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as f:
        path = f.name
    try:
        out, _, _ = kernelj(args, "logits", "--model", model_dir, "--device", device, "--ids", ",".join(map(str, ids)),
                            "--steps", str(steps), "--out", path, "--max-context", str(len(ids) + steps + 16), *extra)
        vocab = json.load(open(os.path.join(model_dir, "config.json")))["vocab_size"]
        rows = np.fromfile(path, dtype="<f4").reshape(-1, vocab)
        greedy = [int(x) for x in out.strip().splitlines()[-1].split(",")]
        return rows, greedy
    finally:
        os.unlink(path)


def hf_logits(model_dir, ids):
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16, attn_implementation="eager").cuda().eval()
    with torch.no_grad():
        logits = model(torch.tensor([ids], device="cuda")).logits[0].float().cpu().numpy()
    del model
    torch.cuda.empty_cache()
    return logits


def compare(a, b, prompt_len, greedy_a, tolerance, tie):
    """Worst |a - b| relative to max |b|, and how many leading greedy ids of a agree with b's rows.

    Row prompt_len - 1 + k of both holds the logits that chose greedy_a[k]. An id agrees when it is
    b's argmax ("strict"), or when b rates it within tie x max |b| of b's best ("with ties").
    min_margin: the smallest top-2 gap of b over those rows; margin_over_error: that gap over the
    worst |a - b|, how far the closest greedy decision is from being decided by numerical error.
    """
    scale = float(np.abs(b).max())
    worst = float(np.abs(a - b).max())
    rows = b[prompt_len - 1:prompt_len - 1 + len(greedy_a)]
    top2 = np.sort(rows, axis=1)[:, -2:]
    min_margin = float((top2[:, 1] - top2[:, 0]).min())
    strict = 0
    with_ties = 0
    ties = 0
    strict_done = False
    for k, token in enumerate(greedy_a):
        best = int(rows[k].argmax())
        if token == best and not strict_done:
            strict += 1
        else:
            strict_done = True
        if token != best:
            if float(rows[k][best] - rows[k][token]) > tie * scale:
                break
            ties += 1
        with_ties += 1
    return {"max_abs_diff": worst, "max_abs_logit": scale, "relative": worst / scale, "greedy_agree": with_ties,
            "greedy_agree_strict": strict, "near_ties": ties, "ok_logits": worst <= tolerance * scale,
            "min_margin": min_margin, "min_margin_relative": min_margin / scale,
            "margin_over_error": min_margin / worst if worst > 0 else float("inf")}


def parity(args, results):
    rng = np.random.default_rng(0)
    for name in SMALL:
        model_dir = os.path.join(args.models, name)
        if not os.path.isdir(model_dir):
            print(f"{name}: missing (run make_models.py)", flush=True)
            results["parity"][name] = {"pass": False, "error": "model directory missing"}
            continue
        start = time.time()
        vocab_tokens = 258  # bytes + specials exist in every tiny tokenizer; any id below vocab_size works
        ids = [int(x) for x in rng.integers(3, vocab_tokens, size=args.prompt_len)]
        rows_cuda, greedy_cuda = kernelj_logits(args, model_dir, ids, args.steps, "cuda")
        fed = ids + greedy_cuda[:args.steps]
        hf = hf_logits(model_dir, fed)
        vs_hf = compare(rows_cuda, hf, len(ids), greedy_cuda, args.tolerance, args.tie)
        # The reference backend on the same tokens: its prefill over every position is row for row
        # what CUDA's prefill and decode steps computed (its own decode path is checked in CI).
        rows_cpu, _ = kernelj_logits(args, model_dir, fed, 0, "cpu", ("--dtype", "bf16"))
        vs_ref = compare(rows_cuda, rows_cpu, len(ids), greedy_cuda, args.tolerance, args.tie)
        ok = all(v["ok_logits"] and v["greedy_agree_strict"] >= args.min_greedy for v in (vs_hf, vs_ref))
        results["parity"][name] = {"prompt_len": len(ids), "steps": args.steps, "cuda_vs_hf": vs_hf, "cuda_vs_reference": vs_ref,
                                   "seconds": time.time() - start, "pass": ok}
        print(f"{name:14s} vs HF: {summary(vs_hf, args.steps)}   vs reference: {summary(vs_ref, args.steps)}   "
              f"{time.time() - start:5.1f}s   {'PASS' if ok else 'FAIL'}", flush=True)


def summary(c, steps):
    """One comparison in a line: error, strict greedy agreement (with near-ties), closest decision vs error."""
    return (f"rel {c['relative']:.4f} strict {c['greedy_agree_strict']:2d}/{steps + 1} (ties {c['near_ties']}) "
            f"margin {c['min_margin_relative']:.3f} = {c['margin_over_error']:4.1f}x err")


def copy_bandwidth():
    x = torch.empty(1 << 30, dtype=torch.uint8, device="cuda")
    y = torch.empty_like(x)
    for _ in range(3):
        y.copy_(x)
    torch.cuda.synchronize()
    start = time.time()
    n = 20
    for _ in range(n):
        y.copy_(x)
    torch.cuda.synchronize()
    return 2 * x.numel() * n / (time.time() - start)  # read + write


def hf_decode(model_dir, batch, prompt_len, gen_len):
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16, attn_implementation="eager").cuda().eval()
    vocab = model.config.vocab_size
    ids = torch.randint(3, vocab, (batch, prompt_len), device="cuda")

    def run(n):
        torch.cuda.synchronize()
        t = time.time()
        model.generate(ids, max_new_tokens=n, min_new_tokens=n, do_sample=False, pad_token_id=0)
        torch.cuda.synchronize()
        return time.time() - t

    run(2)
    first = run(1)
    total = run(gen_len)
    del model
    torch.cuda.empty_cache()
    return {"ttft_ms": first * 1000, "decode_tok_s_per_stream": (gen_len - 1) / (total - first),
            "decode_tok_s_total": batch * (gen_len - 1) / (total - first)}


def bench(args, results):
    bandwidth = copy_bandwidth()
    results["copy_bandwidth_gb_s"] = bandwidth / 1e9
    print(f"device copy bandwidth {bandwidth / 1e9:.0f} GB/s ({torch.cuda.get_device_name()})", flush=True)
    for name in BENCH:
        model_dir = os.path.join(args.models, name)
        if not os.path.isdir(model_dir):
            print(f"{name}: missing (run make_models.py --bench)", flush=True)
            continue
        entry = {}
        for batch in (1, 16):
            out, _, wall = kernelj(args, "bench", "--model", model_dir, "--device", "cuda", "--batch-size", str(batch),
                                   "--prompt-len", str(args.bench_prompt), "--gen-len", str(args.bench_gen),
                                   "--max-context", str(args.bench_prompt + args.bench_gen + 16), "--json")
            k = json.loads(out[out.index("{"):])
            k["process_wall_s"] = wall
            entry[f"kernelj_b{batch}"] = k
        entry["hf_eager_b1"] = hf_decode(model_dir, 1, args.bench_prompt, min(args.bench_gen, 64))
        weights = entry["kernelj_b1"]["weights_bytes"]
        roofline = bandwidth / weights
        entry["roofline_tok_s"] = roofline
        entry["b1_fraction_of_roofline"] = entry["kernelj_b1"]["decode_tok_s_per_stream"] / roofline
        results["bench"][name] = entry
        k1, k16, hf = entry["kernelj_b1"], entry["kernelj_b16"], entry["hf_eager_b1"]
        print(f"{name:20s} b1 {k1['decode_tok_s_per_stream']:8.1f} tok/s ({entry['b1_fraction_of_roofline'] * 100:5.1f}% of "
              f"{roofline:.0f})  b16 total {k16['decode_tok_s_total']:9.1f} tok/s  TTFT({args.bench_prompt}) "
              f"{k1['ttft_ms']:.1f} ms  HF eager b1 {hf['decode_tok_s_per_stream']:.1f} tok/s", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--java", required=True)
    p.add_argument("--classpath", required=True)
    p.add_argument("--jvm-opt", action="append", default=[], help="extra JVM option (repeatable)")
    p.add_argument("--models", required=True, help="directory make_models.py wrote")
    p.add_argument("--json", default="parity.json")
    p.add_argument("--prompt-len", type=int, default=24)
    p.add_argument("--steps", type=int, default=64)
    p.add_argument("--tolerance", type=float, default=0.05, help="max |diff| / max |logit| (bf16 level)")
    p.add_argument("--tie", type=float, default=0.01,
                   help="information only: ids within this (x max |logit|) of the argmax are counted as near-ties")
    p.add_argument("--min-greedy", type=int, default=33,
                   help="leading greedy ids that must be strictly identical (33: the prompt's and >= 32 decode steps)")
    p.add_argument("--bench-prompt", type=int, default=512)
    p.add_argument("--bench-gen", type=int, default=128)
    p.add_argument("--skip-bench", action="store_true")
    args = p.parse_args()
    results = {"device": torch.cuda.get_device_name(), "parity": {}, "bench": {}}
    failed = False
    start = time.time()
    try:
        parity(args, results)
        print(f"parity took {time.time() - start:.0f}s", flush=True)
        if not args.skip_bench:
            bench(args, results)
            print(f"parity and bench took {time.time() - start:.0f}s", flush=True)
    except Exception as e:  # keep what was measured
        results["error"] = str(e)
        print(f"error: {e}", file=sys.stderr, flush=True)
        failed = True
    with open(args.json, "w") as f:
        json.dump(results, f, indent=1)
    failed = failed or not all(v["pass"] for v in results["parity"].values()) or not results["parity"]
    print(f"wrote {args.json}: {'FAIL' if failed else 'PASS'}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
