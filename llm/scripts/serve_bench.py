#!/usr/bin/env python3
"""Serving benchmark of KernelJ, measured the way `vllm bench serve` measures: over HTTP against
`kernelj serve`, and side by side with the in-process `kernelj bench --serve` at the same load.

Random dataset: each prompt is `--prefix-len` shared random token ids, then its own random ids of a
length drawn in [I(1-r), I(1+r)]; it is sent as a token-id prompt to /v1/completions with max_tokens
drawn in [O(1-r), O(1+r)], ignore_eos, greedy, streamed with usage. Requests arrive as a Poisson
process at --request-rate (inf: all at once), optionally capped at --max-concurrency in flight. Per
request: TTFT (send -> first chunk with a choice), ITL (gaps between later chunks), E2E latency,
TPOT = (E2E - TTFT) / (output tokens - 1). Reported: mean, median and p99 of each (ms), request and
token throughput, failures. The load is sent from several client processes (--client-procs): one
Python event loop cannot read 1,000 token streams at the rate the server writes them.

One load over HTTP, against a running server (--base-url) or one it starts (--java, --classpath,
--model-dir; then it also reports process start -> /health 200 and stops the server with SIGTERM):

    python3 llm/scripts/serve_bench.py --base-url http://127.0.0.1:8000 --model NAME \\
        --num-prompts 1000 --input-len 128 --output-len 128 --request-rate inf
    python3 llm/scripts/serve_bench.py --java bundle/jre/bin/java --classpath "$CP" \\
        --model-dir /tmp/m/llama-3.2-1b-shape --device cuda --num-prompts 200 --request-rate 4 --json out.json

The suite (issue 12's workloads on the 1B- and 8B-shaped models of make_models.py --bench): each
workload in process (`kernelj bench --serve`, a JVM of its own) and then over HTTP (a fresh
`kernelj serve` with the same scheduler flags and model length); one table with HTTP's share of the
in-process throughput (goal >= 95 %) and its added median TTFT (goal <= 2 ms), the prefix-caching
TTFT ratio, and the static-batch `kernelj bench --batch-size 16` for scale:

    python3 llm/scripts/serve_bench.py --suite --java jre/bin/java --classpath 'lib/*' \\
        --models /tmp/kj-models --out /tmp/serve [--long] [--only 1b] [--no-http]

Needs only Python 3 and aiohttp (no openai package, no network).
"""
import argparse
import asyncio
import json
import math
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request

# ---------------------------------------------------------------- one load over HTTP


def percentile(values, q):
    """numpy's default (linear) percentile of a non-empty list."""
    s = sorted(values)
    if len(s) == 1:
        return s[0]
    k = (len(s) - 1) * q / 100.0
    lo = math.floor(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def summary(values):
    if not values:
        return {"mean": float("nan"), "median": float("nan"), "p99": float("nan")}
    return {"mean": sum(values) / len(values), "median": percentile(values, 50), "p99": percentile(values, 99)}


def random_dataset(n, input_len, output_len, range_ratio, prefix_len, vocab, seed):
    rng = random.Random(seed)

    def draw(length):
        lo = max(1, int(length * (1 - range_ratio)))
        hi = max(lo, int(length * (1 + range_ratio)))
        return rng.randint(lo, hi)

    prefix = [rng.randrange(vocab) for _ in range(prefix_len)]
    return [(prefix + [rng.randrange(vocab) for _ in range(draw(input_len))], draw(output_len)) for _ in range(n)]


async def send(session, base_url, model, prompt, max_tokens):
    import aiohttp

    payload = {"model": model, "prompt": prompt, "max_tokens": max_tokens, "temperature": 0,
               "ignore_eos": True, "stream": True, "stream_options": {"include_usage": True}}
    out = {"ok": False, "input": len(prompt), "ttft": None, "itl": [], "latency": None, "output": 0, "error": None}
    start = time.perf_counter()
    last = start
    try:
        async with session.post(base_url + "/v1/completions", json=payload) as resp:
            if resp.status != 200:
                out["error"] = f"HTTP {resp.status}: {(await resp.text())[:200]}"
                return out
            # Read what arrives, not line by line: one wakeup per network read keeps this client
            # ahead of a server writing 50,000 events a second. Only the usage event and errors are
            # parsed; a read that brings several token events counts as one arrival (one ITL gap).
            buffer = b""
            done = False
            async for data in resp.content.iter_any():
                now = time.perf_counter()
                buffer += data
                tokens = 0
                while not done:
                    cut = buffer.find(b"\n\n")
                    if cut < 0:
                        break
                    event, buffer = buffer[:cut].strip(), buffer[cut + 2:]
                    if not event.startswith(b"data: "):
                        continue
                    event = event[6:]
                    if event == b"[DONE]":
                        done = True
                    elif b'"error"' in event[:12]:
                        out["error"] = event[:200].decode("utf-8", "replace")
                        return out
                    elif b'"choices":[]' not in event:
                        tokens += 1
                    elif b'"usage"' in event:
                        out["output"] = json.loads(event)["usage"]["completion_tokens"]
                if tokens:
                    if out["ttft"] is None:
                        out["ttft"] = now - start
                    else:
                        out["itl"].append(now - last)
                    last = now
                if done:
                    break
        out["latency"] = time.perf_counter() - start
        out["ok"] = out["ttft"] is not None
    except (aiohttp.ClientError, asyncio.TimeoutError) as e:
        out["error"] = repr(e)
    return out


def arrival_offsets(n, rate, seed):
    """Seconds after the start at which each request is sent: a Poisson process, or all at 0."""
    rng = random.Random(seed + 1)
    offsets, t = [], 0.0
    for _ in range(n):
        offsets.append(t)
        if rate != float("inf"):
            t += rng.expovariate(rate)
    return offsets


async def client_share(base_url, model, items, t0, max_concurrency):
    """One client process's requests: each sent at t0 + its offset (time.monotonic), at most
    max_concurrency of them in flight; returns (index, result, monotonic end time) per request."""
    import aiohttp

    timeout = aiohttp.ClientTimeout(total=None, sock_read=600)
    connector = aiohttp.TCPConnector(limit=max_concurrency or 0)
    semaphore = asyncio.Semaphore(max_concurrency) if max_concurrency else None

    async def one(session, index, prompt, max_tokens, offset):
        delay = t0 + offset - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if semaphore is None:
            r = await send(session, base_url, model, prompt, max_tokens)
        else:
            async with semaphore:
                r = await send(session, base_url, model, prompt, max_tokens)
        return index, r, time.monotonic()

    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        return await asyncio.gather(*(one(session, *item) for item in items))


def cpu_set(text):
    """CPUs as taskset lists them: "0-7,12" -> {0, ..., 7, 12}; None for None."""
    if not text:
        return None
    cpus = set()
    for part in text.split(","):
        low, _, high = part.partition("-")
        cpus.update(range(int(low), int(high or low) + 1))
    return cpus


def pinned(cpus):
    """A preexec_fn that keeps a child process on cpus (None: anywhere)."""
    return None if cpus is None else (lambda: os.sched_setaffinity(0, cpus))


def client_process(job):
    *share, cpus = job
    if cpus:
        os.sched_setaffinity(0, cpus)
    try:
        import uvloop  # a faster event loop where installed (the GPU machine has it)

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    return asyncio.run(client_share(*share))


def run_load(args, base_url, dataset):
    """Sends the dataset from --client-procs processes (requests dealt round-robin, arrival times
    drawn here for all of them, a --max-concurrency cap shared out): one asyncio loop reading
    1,000 token streams at once is itself the bottleneck, and then TTFT measures the client."""
    import multiprocessing

    async def warmup():
        import aiohttp

        async with aiohttp.ClientSession() as session:
            for prompt, _ in dataset[: args.warmup]:
                await send(session, base_url, args.model, prompt[:8], 4)

    asyncio.run(warmup())
    client_cpus = cpu_set(args.client_cpus)
    procs = args.client_procs or default_client_procs(len(dataset), client_cpus)
    procs = max(1, min(procs, len(dataset)))
    if args.max_concurrency:
        procs = min(procs, args.max_concurrency)  # each process keeps a cap of at least one
    offsets = arrival_offsets(len(dataset), args.request_rate, args.seed)
    items = [(i, prompt, max_tokens, offsets[i]) for i, (prompt, max_tokens) in enumerate(dataset)]
    caps = [0] * procs
    if args.max_concurrency:
        caps = [args.max_concurrency // procs + (1 if p < args.max_concurrency % procs else 0) for p in range(procs)]
    context = multiprocessing.get_context("fork")
    with context.Pool(procs) as pool:
        t0 = time.monotonic() + 0.5  # every process is forked and waiting before the first send
        jobs = [(base_url, args.model, items[p::procs], t0, caps[p], client_cpus) for p in range(procs)]
        shares = pool.map(client_process, jobs)
    done = sorted((r for share in shares for r in share), key=lambda r: r[0])
    duration = max(end for _, _, end in done) - t0
    return [r for _, r, _ in done], duration


def default_client_procs(requests, cpus):
    """One process per 64 requests, at most 12: on the client's CPUs when given, else leaving two
    cores to the server."""
    cores = len(cpus) if cpus else (os.cpu_count() or 4) - 2
    return max(1, min(12, cores, math.ceil(requests / 64)))


def report(args, results, duration, extra):
    ok = [r for r in results if r["ok"]]
    failed = [r for r in results if not r["ok"]]
    ttft = [r["ttft"] * 1000 for r in ok]
    e2e = [r["latency"] * 1000 for r in ok]
    itl = [x * 1000 for r in ok for x in r["itl"]]
    tpot = [(r["latency"] - r["ttft"]) * 1000 / (r["output"] - 1) for r in ok if r["output"] > 1]
    total_in = sum(r["input"] for r in ok)
    total_out = sum(r["output"] for r in ok)
    result = {
        "model": args.model, "num_prompts": len(results), "input_len": args.input_len, "output_len": args.output_len,
        "range_ratio": args.range_ratio, "prefix_len": args.prefix_len, "request_rate": args.request_rate,
        "max_concurrency": args.max_concurrency, "completed": len(ok), "failed": len(failed), "duration": duration,
        "total_input_tokens": total_in, "total_output_tokens": total_out,
        "request_throughput": len(ok) / duration, "output_throughput": total_out / duration,
        "total_token_throughput": (total_in + total_out) / duration,
        "errors": sorted({r["error"] for r in failed if r["error"]})[:5],
    }
    # the same keys as kernelj bench --serve --json, so that the two compare field by field
    for name, values in (("ttft", ttft), ("tpot", tpot), ("itl", itl), ("e2el", e2e)):
        for stat, value in summary(values).items():
            result[f"{stat}_{name}_ms"] = value
    result.update(extra)
    line = "{:<40} {:<10}"
    print("{s:{c}^50}".format(s=" Serving Benchmark Result (HTTP) ", c="="))
    print(line.format("Successful requests:", len(ok)))
    print(line.format("Failed requests:", len(failed)))
    print(line.format("Benchmark duration (s):", f"{duration:.2f}"))
    print(line.format("Total input tokens:", total_in))
    print(line.format("Total generated tokens:", total_out))
    print(line.format("Request throughput (req/s):", f"{result['request_throughput']:.2f}"))
    print(line.format("Output token throughput (tok/s):", f"{result['output_throughput']:.2f}"))
    print(line.format("Total token throughput (tok/s):", f"{result['total_token_throughput']:.2f}"))
    for title, key, name in (("Time to First Token", "ttft", "TTFT"),
                             ("Time per Output Token (excl. 1st token)", "tpot", "TPOT"),
                             ("Inter-token Latency", "itl", "ITL"), ("End-to-end Latency", "e2el", "E2EL")):
        print("{s:{c}^50}".format(s=title, c="-"))
        for stat in ("mean", "median", "p99"):
            label = "P99" if stat == "p99" else stat.capitalize()
            print(line.format(f"{label} {name} (ms):", f"{result[f'{stat}_{key}_ms']:.2f}"))
    for key, value in extra.items():
        print(line.format(key + ":", value))
    if result["errors"]:
        print("errors:", *result["errors"], sep="\n  ")
    print("=" * 50, flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return result


def wait_healthy(base_url, process, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"kernelj serve exited with {process.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(base_url + "/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"{base_url}/health was not 200 within {seconds} s")


def start_server(args):
    command = [args.java, *args.jvm_arg, "-cp", args.classpath, "dev.kernelj.llm.cli.KernelJ", "serve",
               "--model", args.model_dir, "--port", str(args.port), "--device", args.device,
               "--served-model-name", args.model] + args.serve_arg
    started = time.perf_counter()
    log = open(args.server_log, "w")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True,
                               preexec_fn=pinned(cpu_set(args.server_cpus)))
    first = process.stdout.readline().strip()
    if " at http" not in first:
        process.kill()
        raise RuntimeError(f"kernelj serve did not start (see {args.server_log}): {first!r}")
    print(first, flush=True)
    base_url = first.split(" at ")[1].split("/v1")[0]
    wait_healthy(base_url, process, 600)
    return process, base_url, time.perf_counter() - started


def stop_server(process):
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(120)
        print(f"kernelj serve stopped with exit code {code}", flush=True)
        return code
    except subprocess.TimeoutExpired:
        process.kill()
        print("kernelj serve did not stop within 120 s; killed", flush=True)
        return None


def vocab_of(args):
    if args.vocab_size:
        return args.vocab_size
    if args.model_dir:
        with open(os.path.join(args.model_dir, "config.json")) as f:
            return json.load(f)["vocab_size"]
    return 32000


def http_bench(args):
    """One load over HTTP (args as parsed from the command line); returns the result."""
    process = None
    extra = {}
    base_url = args.base_url
    if base_url is None:
        process, base_url, startup = start_server(args)
        extra["process start -> /health 200 (s)"] = round(startup, 3)
    try:
        dataset = random_dataset(args.num_prompts, args.input_len, args.output_len, args.range_ratio,
                                 args.prefix_len, vocab_of(args), args.seed)
        results, duration = run_load(args, base_url, dataset)
    finally:
        if process is not None:
            stop_server(process)
    if process is not None:
        extra.update(server_figures(args.server_log, args.warmup))
    return report(args, results, duration, extra)


def server_figures(log, warmup):
    """What the server's log says of the run, in one read: the median TTFT of its access lines for
    /v1/completions, from its handler's entry, past the warmup requests that came first (the
    client's TTFT less this is what the client and the network took); and the engine's mean step
    time and host share from the line kernelj serve logs when it stops (its whole run, the
    warm-up's few steps included), under bench --serve's JSON keys."""
    ttft, figures = [], {}
    with open(log, errors="replace") as f:
        for line in f:
            if "/v1/completions" in line and " ttft_ms=" in line:
                ttft.append(float(line.split(" ttft_ms=")[1].split()[0]))
            elif line.startswith("kernelj: stopped:") and " steps of " in line:
                figures["mean_step_ms"] = float(line.split(" steps of ")[1].split()[0])
                figures["host_fraction"] = float(line.split("(")[-1].split("%")[0]) / 100
    ttft = ttft[warmup:]
    if ttft:
        figures["server median TTFT, handler entry -> first token (ms)"] = round(percentile(ttft, 50), 2)
    return figures


# ---------------------------------------------------------------- the suite: in process and over HTTP

WORKLOADS = [
    # name, model, load (the same for kernelj bench --serve and for this client), scheduler flags
    ("1b 128/128 x1000 at once", "llama-3.2-1b-shape",
     {"num_prompts": 1000, "input_len": 128, "output_len": 128}, []),
    ("8b 128/128 x1000 at once", "llama-3-8b-shape",
     {"num_prompts": 1000, "input_len": 128, "output_len": 128}, []),
    ("8b 512/256 Poisson 4/s x200", "llama-3-8b-shape",
     {"num_prompts": 200, "input_len": 512, "output_len": 256, "request_rate": 4.0}, []),
    ("8b prefix 1000 + 32/32, 4/s x100, cached", "llama-3-8b-shape",
     {"num_prompts": 100, "prefix_len": 1000, "input_len": 32, "output_len": 32, "request_rate": 4.0}, []),
    ("8b prefix 1000 + 32/32, 4/s x100, no cache", "llama-3-8b-shape",
     {"num_prompts": 100, "prefix_len": 1000, "input_len": 32, "output_len": 32, "request_rate": 4.0},
     ["--no-prefix-caching"]),
    # all at once, as vLLM's benchmark_prefix_caching.py submits its prompts
    ("8b prefix 1000 + 32/32 x100 at once, cached", "llama-3-8b-shape",
     {"num_prompts": 100, "prefix_len": 1000, "input_len": 32, "output_len": 32}, []),
    ("8b prefix 1000 + 32/32 x100 at once, no cache", "llama-3-8b-shape",
     {"num_prompts": 100, "prefix_len": 1000, "input_len": 32, "output_len": 32}, ["--no-prefix-caching"]),
]
LONG = ("8b 1000/1000 x1000 at once", "llama-3-8b-shape",
        {"num_prompts": 1000, "input_len": 1000, "output_len": 1000}, [])
LOAD_DEFAULTS = {"range_ratio": 0.0, "prefix_len": 0, "request_rate": float("inf"), "max_concurrency": 0, "seed": 0}


def kernelj(args, command, timeout):
    cmd = [args.java, *args.jvm_arg, "-cp", args.classpath, "dev.kernelj.llm.cli.KernelJ", *command]
    start = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, preexec_fn=pinned(cpu_set(args.server_cpus)))
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr[-3000:]}")
    return json.loads(r.stdout), time.time() - start


def load_flags(load):
    flags = []
    for key in ("num_prompts", "input_len", "output_len", "range_ratio", "prefix_len", "max_concurrency", "seed"):
        flags += ["--" + key.replace("_", "-"), str(load[key])]
    rate = load["request_rate"]
    return flags + ["--request-rate", "inf" if rate == float("inf") else str(rate)]


def model_len(load):
    """Longest prompt + output the load draws: both runs get this model length (and block tables)."""
    r = load["range_ratio"]
    return load["prefix_len"] + int(load["input_len"] * (1 + r)) + int(load["output_len"] * (1 + r))


def suite(args):
    os.makedirs(args.out, exist_ok=True)
    args.jvm_arg = args.jvm_arg or ["-Xmx24g"]  # the 8B shape's weights pass through the heap
    workloads = WORKLOADS + ([LONG] if args.long else [])
    rows = []
    for name, model, load, flags in workloads:
        if args.only and args.only not in name:
            continue
        model_dir = os.path.join(args.models, model)
        if not os.path.isdir(model_dir):
            print(f"{name}: {model} missing (run make_models.py --bench)", flush=True)
            continue
        load = {**LOAD_DEFAULTS, **load}
        load["num_prompts"] = max(1, round(load["num_prompts"] * args.scale))
        scheduler = ["--max-model-len", str(model_len(load))] + flags
        stem = os.path.join(args.out, name.replace(" ", "_").replace("/", "-"))
        local = http = None
        try:
            local, wall = kernelj(args, ["bench", "--serve", "--model", model_dir, "--device", args.device, "--json",
                                         *load_flags(load), *scheduler], timeout=1500)
            json.dump(local, open(stem + ".json", "w"), indent=1)
            print(f"{name} in process: {local['output_throughput']:.0f} out tok/s, TTFT median"
                  f" {local['median_ttft_ms']:.1f} ms p99 {local['p99_ttft_ms']:.1f}, ITL median"
                  f" {local['median_itl_ms']:.2f} ms, TPOT median {local['median_tpot_ms']:.2f} ms, hit"
                  f" {100 * local['prefix_cache_hit_rate']:.0f}%, peak KV {100 * local['peak_kv_usage']:.0f}%,"
                  f" preempted {local['preemptions']}, step {local['mean_step_ms']:.2f} ms"
                  f" ({100 * local['host_fraction']:.1f}% host), wall {wall:.0f}s", flush=True)
        except Exception as e:  # one failed workload must not hide the others
            print(f"{name} in process: FAILED {e}", flush=True)
        if not args.no_http:
            one = argparse.Namespace(**vars(args))
            one.__dict__.update(load)
            one.base_url, one.model_dir, one.model, one.port = None, model_dir, model, 0
            one.serve_arg, one.json, one.vocab_size = scheduler, stem + "-http.json", 0
            one.server_log = stem + "-server.log"
            try:
                http = http_bench(one)
            except Exception as e:
                print(f"{name} over HTTP: FAILED {e}", flush=True)
        rows.append((name, local, http))
    print_table(rows)
    for model in sorted({m for n, m, _, _ in workloads if not args.only or args.only in n}):
        model_dir = os.path.join(args.models, model)
        if os.path.isdir(model_dir) and not args.no_static:
            try:
                r, _ = kernelj(args, ["bench", "--model", model_dir, "--device", args.device, "--batch-size", "16",
                                      "--prompt-len", "128", "--gen-len", "128", "--max-context", "272", "--json"], 600)
                print(f"static batch 16 ({model}): {r['decode_tok_s_total']:.0f} tok/s decode total", flush=True)
            except Exception as e:
                print(f"static batch 16 ({model}): FAILED {e}", flush=True)
    done = [r for r in rows if r[1] is not None and (args.no_http or r[2] is not None)]
    return 0 if done and len(done) == len(rows) else 1


def print_table(rows):
    def f(r, key, fmt):
        return "-" if r is None or key not in r else format(r[key], fmt)

    print()
    print("| workload | where | req/s | out tok/s | TTFT med / p99 ms | TPOT med ms | ITL med / p99 ms | E2E med ms"
          " | failed | prefix hit | peak KV | preempt | step ms | host | start s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, local, http in rows:
        for where, r in (("in process", local), ("HTTP", http)):
            if r is None:
                continue
            failed = r.get("failed", r.get("unfinished", 0))
            print(f"| {name} | {where} | {f(r, 'request_throughput', '.2f')} | {f(r, 'output_throughput', '.0f')} |"
                  f" {f(r, 'median_ttft_ms', '.1f')} / {f(r, 'p99_ttft_ms', '.1f')} | {f(r, 'median_tpot_ms', '.2f')} |"
                  f" {f(r, 'median_itl_ms', '.2f')} / {f(r, 'p99_itl_ms', '.2f')} | {f(r, 'median_e2el_ms', '.0f')} |"
                  f" {failed} | {f(r, 'prefix_cache_hit_rate', '.0%')} | {f(r, 'peak_kv_usage', '.0%')} |"
                  f" {f(r, 'preemptions', 'd')} | {f(r, 'mean_step_ms', '.2f')} | {f(r, 'host_fraction', '.1%')} |"
                  f" {f(r, 'process start -> /health 200 (s)', '.2f')} |")
    print()
    for name, local, http in rows:
        if local and http and local["output_throughput"] > 0:
            share = http["output_throughput"] / local["output_throughput"]
            added = http["median_ttft_ms"] - local["median_ttft_ms"]
            print(f"{name}: HTTP keeps {100 * share:.1f}% of the in-process output throughput (goal >= 95%),"
                  f" median TTFT {added:+.2f} ms (goal <= +2 ms)", flush=True)
    by_name = {name: local for name, local, _ in rows}
    for load, stem in (("Poisson 4/s", "8b prefix 1000 + 32/32, 4/s x100"),
                       ("at once", "8b prefix 1000 + 32/32 x100 at once")):
        cached, cold = by_name.get(stem + ", cached"), by_name.get(stem + ", no cache")
        if cached and cold and cached["median_ttft_ms"] > 0:
            print(f"prefix caching ({load}): median TTFT {cold['median_ttft_ms']:.1f} ms without,"
                  f" {cached['median_ttft_ms']:.1f} ms with: {cold['median_ttft_ms'] / cached['median_ttft_ms']:.1f}x"
                  " (goal >= 5x)")


# ---------------------------------------------------------------- command line


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--suite", action="store_true", help="the workloads in process and over HTTP, one table")
    p.add_argument("--models", help="suite: directory with llama-3.2-1b-shape and llama-3-8b-shape")
    p.add_argument("--out", help="suite: directory for the JSON and server log of every run")
    p.add_argument("--long", action="store_true", help="suite: also ISL 1000 / OSL 1000")
    p.add_argument("--only", help="suite: run only workloads whose name contains this text")
    p.add_argument("--no-http", action="store_true", help="suite: in process only")
    p.add_argument("--no-static", action="store_true", help="suite: without the static-batch reference")
    p.add_argument("--scale", type=float, default=1.0, help="suite: this fraction of each workload's prompts")
    p.add_argument("--base-url", help="a running server, e.g. http://127.0.0.1:8000")
    p.add_argument("--model", default=None, help="served model name (default: the model directory's name)")
    p.add_argument("--num-prompts", type=int, default=200)
    p.add_argument("--input-len", type=int, default=128)
    p.add_argument("--output-len", type=int, default=128)
    p.add_argument("--range-ratio", type=float, default=0.0)
    p.add_argument("--prefix-len", type=int, default=0, help="random tokens every prompt starts with")
    p.add_argument("--request-rate", type=float, default=float("inf"), help="requests/s, Poisson (inf: all at once)")
    p.add_argument("--max-concurrency", type=int, default=0, help="most requests in flight (0: no cap)")
    p.add_argument("--vocab-size", type=int, default=0, help="token ids are drawn below this (default: config.json's)")
    p.add_argument("--warmup", type=int, default=2, help="short requests before the measured run")
    p.add_argument("--client-procs", type=int, default=0,
                   help="client processes sending the load (default: one per 64 requests, at most 12)")
    p.add_argument("--client-cpus", help="CPUs of the client processes, as taskset lists them (0-7,12)")
    p.add_argument("--server-cpus", help="CPUs of kernelj serve and of the suite's in-process runs")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", help="also write the result here")
    p.add_argument("--java", help="start kernelj (serve, bench) with this java")
    p.add_argument("--jvm-arg", action="append", default=[],
                   help="one more JVM argument (--jvm-arg=-Xmx8g); the suite's default is -Xmx24g")
    p.add_argument("--classpath", help="its classpath")
    p.add_argument("--model-dir", help="the model directory to serve")
    p.add_argument("--device", default="cuda")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--serve-arg", action="append", default=[], help="one more argument for kernelj serve")
    p.add_argument("--server-log", default="serve_bench_server.log")
    args = p.parse_args()
    if args.suite:
        if not (args.java and args.classpath and args.models and args.out):
            raise SystemExit("--suite needs --java, --classpath, --models and --out")
        return suite(args)
    if args.model is None:
        args.model = os.path.basename(os.path.normpath(args.model_dir)) if args.model_dir else None
    if not args.base_url and not (args.java and args.classpath and args.model_dir):
        raise SystemExit("give --base-url, or --java, --classpath and --model-dir to start a server")
    if args.base_url and not args.model:
        with urllib.request.urlopen(args.base_url + "/v1/models") as r:
            args.model = json.load(r)["data"][0]["id"]
    try:
        result = http_bench(args)
    except RuntimeError as e:
        raise SystemExit(str(e))
    return 0 if result["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
