#!/usr/bin/env python3
"""Serving benchmark of `kernelj serve` over HTTP, measured the way `vllm bench serve` measures.

Random dataset: each prompt is random token ids of a length drawn in [I(1-r), I(1+r)], sent as a
token-id prompt to /v1/completions with max_tokens drawn in [O(1-r), O(1+r)], ignore_eos, greedy,
streamed with usage. Requests arrive as a Poisson process at --request-rate (inf: all at once),
optionally capped at --max-concurrency in flight. Per request: TTFT (send -> first chunk with a
choice), ITL (gaps between later chunks), E2E latency, TPOT = (E2E - TTFT) / (output tokens - 1).
Reported: mean, median and p99 of each (ms), request and token throughput, failures.

Either point it at a running server (--base-url) or let it start one (--java, --classpath,
--model-dir): then it also reports process start -> /health 200 and stops the server with SIGTERM.

    python3 llm/scripts/serve_bench.py --base-url http://127.0.0.1:8000 --model NAME \\
        --num-prompts 1000 --input-len 128 --output-len 128 --request-rate inf
    python3 llm/scripts/serve_bench.py --java bundle/jre/bin/java --classpath "$CP" \\
        --model-dir /tmp/m/llama-3.2-1b-shape --device cuda --num-prompts 200 --request-rate 4 --json out.json

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

import aiohttp


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


def random_dataset(n, input_len, output_len, range_ratio, vocab, seed):
    rng = random.Random(seed)
    def draw(length):
        lo = max(1, int(length * (1 - range_ratio)))
        hi = max(lo, int(length * (1 + range_ratio)))
        return rng.randint(lo, hi)
    return [([rng.randrange(vocab) for _ in range(draw(input_len))], draw(output_len)) for _ in range(n)]


async def send(session, base_url, model, prompt, max_tokens):
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
            async for raw in resp.content:
                line = raw.strip()
                if not line.startswith(b"data: "):
                    continue
                data = line[6:]
                if data == b"[DONE]":
                    break
                chunk = json.loads(data)
                now = time.perf_counter()
                if chunk.get("choices"):
                    if out["ttft"] is None:
                        out["ttft"] = now - start
                    else:
                        out["itl"].append(now - last)
                    last = now
                elif chunk.get("usage"):
                    out["output"] = chunk["usage"]["completion_tokens"]
                if "error" in chunk:
                    out["error"] = json.dumps(chunk["error"])[:200]
                    return out
        out["latency"] = time.perf_counter() - start
        out["ok"] = out["ttft"] is not None
    except (aiohttp.ClientError, asyncio.TimeoutError) as e:
        out["error"] = repr(e)
    return out


async def run(args, base_url, dataset):
    timeout = aiohttp.ClientTimeout(total=None, sock_read=600)
    connector = aiohttp.TCPConnector(limit=args.max_concurrency or 0)
    semaphore = asyncio.Semaphore(args.max_concurrency) if args.max_concurrency else None
    rng = random.Random(args.seed + 1)

    async def limited(session, prompt, max_tokens):
        if semaphore is None:
            return await send(session, base_url, args.model, prompt, max_tokens)
        async with semaphore:
            return await send(session, base_url, args.model, prompt, max_tokens)

    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        for prompt, _ in dataset[: args.warmup]:
            await send(session, base_url, args.model, prompt, 4)
        tasks = []
        start = time.perf_counter()
        for prompt, max_tokens in dataset:
            tasks.append(asyncio.create_task(limited(session, prompt, max_tokens)))
            if args.request_rate != float("inf"):
                await asyncio.sleep(rng.expovariate(args.request_rate))
        results = await asyncio.gather(*tasks)
        duration = time.perf_counter() - start
    return results, duration


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
        "range_ratio": args.range_ratio, "request_rate": args.request_rate, "max_concurrency": args.max_concurrency,
        "completed": len(ok), "failed": len(failed), "duration_s": duration,
        "total_input_tokens": total_in, "total_output_tokens": total_out,
        "request_throughput": len(ok) / duration, "output_throughput": total_out / duration,
        "total_token_throughput": (total_in + total_out) / duration,
        "ttft_ms": summary(ttft), "tpot_ms": summary(tpot), "itl_ms": summary(itl), "e2e_ms": summary(e2e),
        "errors": sorted({r["error"] for r in failed if r["error"]})[:5],
    }
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
    for title, key, name in (("Time to First Token", "ttft_ms", "TTFT"),
                             ("Time per Output Token (excl. 1st token)", "tpot_ms", "TPOT"),
                             ("Inter-token Latency", "itl_ms", "ITL"), ("End-to-end Latency", "e2e_ms", "E2E")):
        print("{s:{c}^50}".format(s=title, c="-"))
        for stat in ("mean", "median", "p99"):
            print(line.format(f"{stat.capitalize() if stat != 'p99' else 'P99'} {name} (ms):", f"{result[key][stat]:.2f}"))
    for key, value in extra.items():
        print(line.format(key + ":", value))
    if result["errors"]:
        print("errors:", *result["errors"], sep="\n  ")
    print("=" * 50)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return result


def wait_healthy(base_url, process, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"kernelj serve exited with {process.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(base_url + "/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.02)
    raise SystemExit(f"{base_url}/health was not 200 within {seconds} s")


def start_server(args):
    command = [args.java, "-cp", args.classpath, "dev.kernelj.llm.cli.KernelJ", "serve", "--model", args.model_dir,
               "--port", str(args.port), "--device", args.device, "--served-model-name", args.model] + args.serve_arg
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=open(args.server_log, "w"), text=True)
    first = process.stdout.readline().strip()
    if " at http" not in first:
        process.kill()
        raise SystemExit(f"kernelj serve did not start (see {args.server_log}): {first!r}")
    print(first, flush=True)
    base_url = first.split(" at ")[1].split("/v1")[0]
    wait_healthy(base_url, process, 600)
    return process, base_url, time.perf_counter() - started


def vocab_of(args):
    if args.vocab_size:
        return args.vocab_size
    if args.model_dir:
        with open(os.path.join(args.model_dir, "config.json")) as f:
            return json.load(f)["vocab_size"]
    return 32000


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base-url", help="a running server, e.g. http://127.0.0.1:8000")
    p.add_argument("--model", default=None, help="served model name (default: the model directory's name)")
    p.add_argument("--num-prompts", type=int, default=200)
    p.add_argument("--input-len", type=int, default=128)
    p.add_argument("--output-len", type=int, default=128)
    p.add_argument("--range-ratio", type=float, default=0.0)
    p.add_argument("--request-rate", type=float, default=float("inf"), help="requests/s, Poisson (inf: all at once)")
    p.add_argument("--max-concurrency", type=int, default=0, help="most requests in flight (0: no cap)")
    p.add_argument("--vocab-size", type=int, default=0, help="token ids are drawn below this (default: config.json's)")
    p.add_argument("--warmup", type=int, default=2, help="short requests before the measured run")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", help="also write the result here")
    p.add_argument("--java", help="start kernelj serve with this java")
    p.add_argument("--classpath", help="its classpath")
    p.add_argument("--model-dir", help="the model directory to serve")
    p.add_argument("--device", default="cuda")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--serve-arg", action="append", default=[], help="one more argument for kernelj serve")
    p.add_argument("--server-log", default="serve_bench_server.log")
    args = p.parse_args()
    if args.model is None:
        args.model = os.path.basename(os.path.normpath(args.model_dir)) if args.model_dir else None
    if not args.base_url and not (args.java and args.classpath and args.model_dir):
        raise SystemExit("give --base-url, or --java, --classpath and --model-dir to start a server")
    if args.base_url and not args.model:
        with urllib.request.urlopen(args.base_url + "/v1/models") as r:
            args.model = json.load(r)["data"][0]["id"]

    process = None
    extra = {}
    base_url = args.base_url
    if base_url is None:
        process, base_url, startup = start_server(args)
        extra["process start -> /health 200 (s)"] = round(startup, 3)
    try:
        dataset = random_dataset(args.num_prompts, args.input_len, args.output_len, args.range_ratio,
                                 vocab_of(args), args.seed)
        results, duration = asyncio.run(run(args, base_url, dataset))
        result = report(args, results, duration, extra)
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            try:
                code = process.wait(120)
                print(f"kernelj serve stopped with exit code {code}")
            except subprocess.TimeoutExpired:
                process.kill()
                print("kernelj serve did not stop within 120 s; killed")
    return 0 if result["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
