#!/usr/bin/env python3
"""Runs `kernelj bench --serve` (continuous batching, in process) on the 1B- and 8B-shaped models that
make_models.py --bench builds, with the workloads of issue 12, and prints one table.

Workloads (each a separate JVM; JSON per run under --out):
  * max throughput: 1000 prompts at once, ISL 128 / OSL 128 (1B and 8B);
  * latency under load: Poisson 4 req/s, ISL 512 / OSL 256, 200 prompts (8B);
  * prefix caching: 100 requests sharing a 1000-token prefix (+32 own tokens, OSL 32) at 4 req/s,
    with and without prefix caching (8B): median TTFT with / without;
  * with --long also ISL 1000 / OSL 1000, 1000 prompts at once (8B; several minutes).
Then the static-batch `kernelj bench --batch-size 16` on the same card for scale.

    python3 llm/scripts/serve_bench.py --java jre/bin/java --classpath 'lib/*' --models /tmp/kj-models --out /tmp/serve
"""
import argparse
import json
import os
import subprocess
import sys
import time

WORKLOADS = [
    # name, model, bench arguments
    ("1b 128/128 x1000 at once", "llama-3.2-1b-shape",
     ["--num-prompts", "1000", "--input-len", "128", "--output-len", "128"]),
    ("8b 128/128 x1000 at once", "llama-3-8b-shape",
     ["--num-prompts", "1000", "--input-len", "128", "--output-len", "128"]),
    ("8b 512/256 Poisson 4/s x200", "llama-3-8b-shape",
     ["--num-prompts", "200", "--input-len", "512", "--output-len", "256", "--request-rate", "4"]),
    ("8b prefix 1000 + 32/32, 4/s x100, cached", "llama-3-8b-shape",
     ["--num-prompts", "100", "--prefix-len", "1000", "--input-len", "32", "--output-len", "32",
      "--request-rate", "4"]),
    ("8b prefix 1000 + 32/32, 4/s x100, no cache", "llama-3-8b-shape",
     ["--num-prompts", "100", "--prefix-len", "1000", "--input-len", "32", "--output-len", "32",
      "--request-rate", "4", "--no-prefix-caching"]),
]
LONG = ("8b 1000/1000 x1000 at once", "llama-3-8b-shape",
        ["--num-prompts", "1000", "--input-len", "1000", "--output-len", "1000"])


def run(args, command, timeout):
    cmd = [args.java, "-Xmx24g", "-cp", args.classpath, "dev.kernelj.llm.cli.KernelJ", *command]
    start = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr[-3000:]}")
    return json.loads(r.stdout), time.time() - start


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--java", required=True)
    p.add_argument("--classpath", required=True)
    p.add_argument("--models", required=True, help="directory with llama-3.2-1b-shape and llama-3-8b-shape")
    p.add_argument("--out", required=True, help="directory for one JSON per run")
    p.add_argument("--long", action="store_true", help="also ISL 1000 / OSL 1000")
    p.add_argument("--only", help="run only workloads whose name contains this text")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    workloads = WORKLOADS + ([LONG] if args.long else [])
    rows = []
    for name, model, extra in workloads:
        if args.only and args.only not in name:
            continue
        model_dir = os.path.join(args.models, model)
        if not os.path.isdir(model_dir):
            print(f"{name}: {model} missing (run make_models.py --bench)", flush=True)
            continue
        try:
            result, wall = run(args, ["bench", "--serve", "--model", model_dir, "--device", "cuda", "--json", *extra],
                               timeout=1500)
        except Exception as e:  # one failed workload must not hide the others
            print(f"{name}: FAILED {e}", flush=True)
            continue
        json.dump(result, open(os.path.join(args.out, name.replace(" ", "_").replace("/", "-") + ".json"), "w"),
                  indent=1)
        rows.append((name, result))
        print(f"{name}: {result['output_throughput']:.0f} out tok/s, TTFT median {result['median_ttft_ms']:.1f} ms"
              f" p99 {result['p99_ttft_ms']:.1f}, ITL median {result['median_itl_ms']:.2f} ms, TPOT median"
              f" {result['median_tpot_ms']:.2f} ms, hit {100 * result['prefix_cache_hit_rate']:.0f}%, peak KV"
              f" {100 * result['peak_kv_usage']:.0f}%, preempted {result['preemptions']}, step"
              f" {result['mean_step_ms']:.2f} ms ({100 * result['host_fraction']:.1f}% host), wall {wall:.0f}s",
              flush=True)
    print()
    print("| workload | device | req/s | out tok/s | total tok/s | TTFT med / p99 ms | TPOT med ms | ITL med / p99 ms"
          " | E2E med ms | prefix hit | peak KV | preempt | step ms | host |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, r in rows:
        print(f"| {name} | {r['device']} | {r['request_throughput']:.2f} | {r['output_throughput']:.0f} |"
              f" {r['total_token_throughput']:.0f} | {r['median_ttft_ms']:.1f} / {r['p99_ttft_ms']:.1f} |"
              f" {r['median_tpot_ms']:.2f} | {r['median_itl_ms']:.2f} / {r['p99_itl_ms']:.2f} |"
              f" {r['median_e2el_ms']:.0f} | {100 * r['prefix_cache_hit_rate']:.0f}% | {100 * r['peak_kv_usage']:.0f}% |"
              f" {r['preemptions']} | {r['mean_step_ms']:.2f} | {100 * r['host_fraction']:.1f}% |")
    cached = dict(rows).get("8b prefix 1000 + 32/32, 4/s x100, cached")
    cold = dict(rows).get("8b prefix 1000 + 32/32, 4/s x100, no cache")
    if cached and cold and cached["median_ttft_ms"] > 0:
        print(f"\nprefix caching: median TTFT {cold['median_ttft_ms']:.1f} ms without, {cached['median_ttft_ms']:.1f}"
              f" ms with: {cold['median_ttft_ms'] / cached['median_ttft_ms']:.1f}x (goal >= 5x)")
    for model in sorted({m for _, m, _ in workloads}):
        model_dir = os.path.join(args.models, model)
        if os.path.isdir(model_dir):
            try:
                r, _ = run(args, ["bench", "--model", model_dir, "--device", "cuda", "--batch-size", "16",
                                  "--prompt-len", "128", "--gen-len", "128", "--max-context", "272", "--json"], 600)
                print(f"static batch 16 ({model}): {r['decode_tok_s_total']:.0f} tok/s decode total", flush=True)
            except Exception as e:
                print(f"static batch 16 ({model}): FAILED {e}", flush=True)
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
