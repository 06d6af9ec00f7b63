#!/usr/bin/env python3
"""Per-kernel GPU time of a `kernelj bench` run under Nsight Compute, for one or more JVM configurations of
the same build: which kernels a decode step launches, and how long each takes, side by side.

    kernel_profile.py --java J --classpath CP --model DIR \
        --config overlap= --config plain=-Dkernelj.launchOverlap=false \
        [--bench-args "--batch-size 1 --prompt-len 512 --gen-len 96 --max-context 624"] \
        [--kernels 'qstream|rmsnorm|rope|attention|reduce'] [--launch-skip 3000] [--launch-count 360] \
        [--out DIR] [--json FILE]

ncu times each launch alone (`--graph-profiling node` replays a CUDA graph's kernels one by one), clocks and
caches as they are, so a launch's time here does not include what programmatic dependent launch overlaps with
its neighbours; the sums are an upper bound of a step's time, the medians compare one kernel across
configurations. Launches are grouped by kernel (the name up to its parameter list, template arguments kept)
and grid; each group gets its count, median and total. `--parse FILE.csv` only reads an ncu CSV already made.
"""
import argparse
import csv
import io
import json
import os
import shlex
import statistics
import subprocess
import sys

UNITS = {"nsecond": 1e-3, "usecond": 1.0, "msecond": 1e3, "second": 1e6}
DEFAULT_BENCH = "--device cuda --batch-size 1 --prompt-len 512 --gen-len 96 --max-context 624"


def kernel_key(name, grid, block):
    """(kernel, grid, block): the name without its parameter list, so instantiations stay apart."""
    depth = 0
    for i, ch in enumerate(name):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif ch == "(" and depth == 0:
            name = name[:i]
            break
    return name.strip(), grid, block


def parse_csv(text):
    """ncu --csv output (tool lines before the header are skipped) -> {key: [microseconds...]}."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith('"ID"')), None)
    if start is None:
        raise ValueError("no ncu CSV header (\"ID\",...) in the output")
    times = {}
    for row in csv.DictReader(io.StringIO("\n".join(lines[start:]))):
        if row.get("Metric Name") != "gpu__time_duration.sum":
            continue
        unit = row.get("Metric Unit", "nsecond")
        if unit not in UNITS:
            raise ValueError("unknown time unit %r" % unit)
        value = float(row["Metric Value"].replace(",", "")) * UNITS[unit]
        key = kernel_key(row["Kernel Name"], row.get("Grid Size", ""), row.get("Block Size", ""))
        times.setdefault(key, []).append(value)
    return times


def summarize(times):
    """Groups sorted by total time, each {kernel, grid, block, count, median_us, total_us}."""
    groups = [{"kernel": k[0], "grid": k[1], "block": k[2], "count": len(v),
               "median_us": statistics.median(v), "total_us": sum(v)} for k, v in times.items()]
    return sorted(groups, key=lambda g: -g["total_us"])


def table(groups, width=70):
    out = ["| kernel | grid | block | launches | median µs | total µs |", "|---|---|---|---|---|---|"]
    for g in groups:
        name = g["kernel"] if len(g["kernel"]) <= width else g["kernel"][:width - 1] + "…"
        out.append("| `%s` | %s | %s | %d | %.2f | %.1f |" % (name, g["grid"], g["block"], g["count"],
                                                             g["median_us"], g["total_us"]))
    total = sum(g["total_us"] for g in groups)
    launches = sum(g["count"] for g in groups)
    out.append("| all | | | %d | | %.1f |" % (launches, total))
    return "\n".join(out)


def comparison(summaries):
    """Median of each kernel and grid in every configuration (blank where a configuration has none)."""
    names = list(summaries)
    keys = []
    for groups in summaries.values():
        for g in groups:
            if (g["kernel"], g["grid"]) not in keys:
                keys.append((g["kernel"], g["grid"]))
    medians = {n: {(g["kernel"], g["grid"]): g for g in groups} for n, groups in summaries.items()}
    out = ["| kernel | grid | " + " | ".join("%s median µs (launches)" % n for n in names) + " |",
           "|---|---|" + "---|" * len(names)]
    for key in keys:
        cells = []
        for n in names:
            g = medians[n].get(key)
            cells.append("%.2f (%d)" % (g["median_us"], g["count"]) if g else "")
        out.append("| `%s` | %s | %s |" % (key[0][:60], key[1], " | ".join(cells)))
    return "\n".join(out)


def profile(args, name, jvm_opts):
    log = os.path.join(args.out, "ncu-%s.csv" % name)
    cmd = [args.ncu, "--target-processes", "all", "--clock-control", "none", "--cache-control", "none",
           "--graph-profiling", "node", "-k", "regex:" + args.kernels, "--launch-skip", str(args.launch_skip),
           "--launch-count", str(args.launch_count), "--metrics", "gpu__time_duration.sum", "--csv",
           "--log-file", log, args.java, *shlex.split(jvm_opts), "-cp", args.classpath,
           "dev.kernelj.llm.cli.KernelJ", "bench", "--model", args.model, *shlex.split(args.bench_args), "--json"]
    print("+ " + " ".join(shlex.quote(c) for c in cmd), flush=True)
    run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=args.timeout)
    with open(os.path.join(args.out, "bench-%s.log" % name), "w") as f:
        f.write(run.stdout)
    if run.returncode != 0:
        print(run.stdout[-3000:], file=sys.stderr)
        raise SystemExit("%s: ncu exited with %d" % (name, run.returncode))
    with open(log) as f:
        return parse_csv(f.read())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--java")
    p.add_argument("--classpath")
    p.add_argument("--model")
    p.add_argument("--config", action="append", default=[], metavar="NAME=JVM_OPTS",
                   help="a configuration to profile (repeatable); JVM options split as a shell would")
    p.add_argument("--bench-args", default=DEFAULT_BENCH)
    p.add_argument("--kernels", default=".*", help="regular expression of the kernels to profile")
    p.add_argument("--launch-skip", type=int, default=3000, help="launches to skip (load, prefill, warm-up)")
    p.add_argument("--launch-count", type=int, default=360)
    p.add_argument("--ncu", default="ncu")
    p.add_argument("--timeout", type=int, default=900, help="seconds a configuration may take")
    p.add_argument("--out", default=".")
    p.add_argument("--json")
    p.add_argument("--parse", metavar="FILE.csv", help="only summarize an ncu CSV already made")
    args = p.parse_args()

    if args.parse:
        with open(args.parse) as f:
            print(table(summarize(parse_csv(f.read()))))
        return
    if not (args.java and args.classpath and args.model and args.config):
        p.error("--java, --classpath, --model and at least one --config are needed (or --parse)")
    os.makedirs(args.out, exist_ok=True)
    summaries = {}
    for spec in args.config:
        name, _, opts = spec.partition("=")
        if not name or not name.replace("-", "").replace("_", "").isalnum():
            p.error("--config %r: NAME=JVM_OPTS with a plain name" % spec)
        summaries[name] = summarize(profile(args, name, opts))
        print("\n## %s (%s)\n\n%s\n" % (name, opts or "no options", table(summaries[name])), flush=True)
    if len(summaries) > 1:
        print("## medians side by side\n\n" + comparison(summaries), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"bench_args": args.bench_args, "kernels": args.kernels, "launch_skip": args.launch_skip,
                       "launch_count": args.launch_count, "configs": dict(c.partition("=")[::2] for c in args.config),
                       "groups": summaries}, f, indent=1)


if __name__ == "__main__":
    main()
