#!/usr/bin/env python3
"""A/B of two KernelJ builds in one run: `kernelj bench` on the same models and batch sizes, alternating.

The builds differ in their class paths: --baseline-classpath puts an older build's jars first
(.ci/gpu-bundle --baseline REV makes them, in bundle/baseline/), so the same bundle runs both; or in JVM
options: --baseline-jvm-opt=-D... (and --current-jvm-opt=-D...) runs one build both ways (e.g.
-Dkernelj.launchOverlap=false). Each
repeat runs the two builds back to back, and the order flips on every repeat, so that a drift of the
machine (clocks, temperature) over the run falls on both alike. Prints a Markdown table of decode
tok/s (summed over the batch) and time to first token per run, with the change of the means, and
writes every bench's JSON to --json.

    python3 llm/scripts/ab_bench.py --java bundle/jre/bin/java --classpath "$CP" \\
        --baseline-classpath "bundle/baseline/*:$CP" --model /tmp/qm/q --batches 1,8,16 --repeats 2

Standard library only: it runs wherever the bundle's JRE does.
"""
import argparse
import json
import subprocess
import sys
import time


def bench(args, classpath, jvm_opts, model, batch):
    """One `kernelj bench --json` run; its JSON object, with the process's wall time added."""
    cmd = [args.java, *jvm_opts, "-cp", classpath, "dev.kernelj.llm.cli.KernelJ", "bench", "--model", model,
           "--device", args.device, "--batch-size", str(batch), "--prompt-len", str(args.prompt_len),
           "--gen-len", str(args.gen_len), "--max-context", str(args.prompt_len + args.gen_len + 16),
           "--json"]
    start = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr[-3000:]}")
    out = r.stdout
    result = json.loads(out[out.index("{"):out.rindex("}") + 1])
    result["process_wall_s"] = time.time() - start
    return result


def mean(values):
    return sum(values) / len(values)


def table(rows):
    lines = ["| model | batch | current tok/s | baseline tok/s | change | TTFT current (ms) | TTFT baseline (ms) |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        cur = [r["decode_tok_s_total"] for r in row["current"]]
        base = [r["decode_tok_s_total"] for r in row["baseline"]]
        change = (mean(cur) / mean(base) - 1) * 100
        lines.append("| {} | {} | {} | {} | {:+.1f} % | {} | {} |".format(
            row["model"], row["batch"], ", ".join(f"{v:,.1f}" for v in cur), ", ".join(f"{v:,.1f}" for v in base),
            change, ", ".join(f"{r['ttft_ms']:.2f}" for r in row["current"]),
            ", ".join(f"{r['ttft_ms']:.2f}" for r in row["baseline"])))
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--java", required=True)
    p.add_argument("--classpath", required=True, help="the build under test")
    p.add_argument("--baseline-classpath", help="the build to compare with (default: --classpath)")
    p.add_argument("--baseline-jvm-opt", action="append", default=[],
                   help="a JVM option of the baseline runs (repeatable), as --baseline-jvm-opt=-Dkernelj.launchOverlap=false"
                        " to compare two paths of one build")
    p.add_argument("--current-jvm-opt", action="append", default=[],
                   help="a JVM option of the build under test (repeatable), e.g. to compare two settings of one build")
    p.add_argument("--model", action="append", required=True, help="a model directory (repeatable)")
    p.add_argument("--batches", default="1,16", help="comma-separated batch sizes (default 1,16)")
    p.add_argument("--repeats", type=int, default=2, help="runs of each build per model and batch (default 2)")
    p.add_argument("--device", default="cuda")
    p.add_argument("--prompt-len", type=int, default=512)
    p.add_argument("--gen-len", type=int, default=128)
    p.add_argument("--timeout", type=int, default=600, help="seconds per bench run")
    p.add_argument("--json", help="where to write every run's JSON")
    args = p.parse_args()
    try:
        batches = [int(b) for b in args.batches.split(",") if b.strip()]
    except ValueError:
        p.error(f"--batches must be comma-separated integers, not {args.batches!r}")
    if not batches or min(batches) < 1 or args.repeats < 1:
        p.error("--batches needs sizes of at least 1, --repeats at least 1")

    if not args.baseline_classpath and args.baseline_jvm_opt == args.current_jvm_opt:
        p.error("give --baseline-classpath, or JVM options that differ between the builds: the baseline must differ")
    builds = {"current": (args.classpath, args.current_jvm_opt),
              "baseline": (args.baseline_classpath or args.classpath, args.baseline_jvm_opt)}
    rows = []
    for model in args.model:
        for batch in batches:
            row = {"model": model.rstrip("/").split("/")[-1], "batch": batch, "current": [], "baseline": []}
            for repeat in range(args.repeats):
                order = ["current", "baseline"] if repeat % 2 == 0 else ["baseline", "current"]
                for build in order:
                    result = bench(args, *builds[build], model, batch)
                    row[build].append(result)
                    print(f"{row['model']} b{batch} {build}: {result['decode_tok_s_total']:.1f} tok/s,"
                          f" TTFT {result['ttft_ms']:.2f} ms", flush=True)
            rows.append(row)
    print()
    print(table(rows))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
