#!/usr/bin/env python3
"""Runs the `kernelj` subcommands the way a user would, on one small model, and checks each one.

Meant for the GPU machine (`.ci/gpu-report cli`), on a model from make_models.py (it has a chat
template and peaked greedy choices): `info` (text and JSON), `generate` greedy and sampled (each
run twice: same seed, same text), `chat` with a system message and two user turns piped on stdin,
`bench --json` and `logits`. Every check needs exit code 0 and sane output; the greedy text of
`generate` must equal `kernelj logits`' greedy ids decoded by HF `tokenizers`, which ties the
streaming generate path to the logits path. Prints one markdown block per command; exits 1 if any
check failed.

    python3 llm/scripts/cli_check.py --java bundle/jre/bin/java --classpath 'bundle/lib/*' --model /tmp/kj-models/llama
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

PROMPT = "The quick brown fox"
GREEDY_TOKENS = 24
CHAT_TURNS = "Hello there!\nWhat comes next?\n"


class Checks:
    """Runs commands, records PASS/FAIL lines, prints each command's outcome as it happens."""

    def __init__(self, args):
        self.args = args
        self.failures = []

    def kernelj(self, title, *command, stdin=None):
        cmd = [self.args.java, "-cp", self.args.classpath, "dev.kernelj.llm.cli.KernelJ", *command]
        start = time.time()
        try:
            r = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=self.args.timeout)
        except subprocess.TimeoutExpired as e:
            # A hung command is a failed check, not the end of the report.
            out, err = (x.decode(errors="replace") if isinstance(x, bytes) else (x or "") for x in (e.stdout, e.stderr))
            r = subprocess.CompletedProcess(cmd, 124, stdout=out, stderr=err + f"\ntimed out after {e.timeout} s")
        wall = time.time() - start
        print(f"### {title}\n\n`kernelj {' '.join(quote(c) for c in command)}`"
              f"{' < ' + repr(stdin) if stdin else ''}: exit {r.returncode}, {wall:.1f} s wall\n")
        print("```")
        print("stdout: " + tail(r.stdout, 12))
        print("stderr: " + tail(without_stack_frames(progress_free(r.stderr)), 8))
        print("```", flush=True)
        self.check(r.returncode == 0, f"{title}: exit code {r.returncode}")
        return r

    def check(self, ok, what):
        print(f"- {'PASS' if ok else 'FAIL'} {what}", flush=True)
        if not ok:
            self.failures.append(what)
        return ok


def quote(text):
    return text if text and all(c.isalnum() or c in "-_./,=:" for c in text) else repr(text)


def tail(text, lines):
    kept = text.rstrip("\n").splitlines()[-lines:]
    return "\n        ".join(kept) if kept else "(empty)"


def progress_free(text):
    """stderr without the weight-loading progress bar's redraws (carriage-return separated)."""
    return "\n".join(line.split("\r")[-1] for line in text.splitlines())


def without_stack_frames(text):
    """stderr without Java stack frames, so that the error line itself stays in the tail."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("at ", "...")))


def greedy_reference_text(model, ids):
    """HF tokenizers' decoding of ids, or None when the library is missing."""
    try:
        from tokenizers import Tokenizer
    except ImportError:
        return None
    return Tokenizer.from_file(os.path.join(model, "tokenizer.json")).decode(ids, skip_special_tokens=True)


def prompt_ids(model):
    """The ids kernelj feeds for PROMPT: BOS (add_bos_token) then the tokenizer's encoding."""
    from tokenizers import Tokenizer
    tokenizer = Tokenizer.from_file(os.path.join(model, "tokenizer.json"))
    config = json.load(open(os.path.join(model, "tokenizer_config.json")))
    bos = [tokenizer.token_to_id(config["bos_token"])] if config.get("add_bos_token") else []
    return bos + tokenizer.encode(PROMPT, add_special_tokens=False).ids


def run(args):
    c = Checks(args)
    model, device = args.model, ("--device", args.device)

    info = c.kernelj("info", "info", "--model", model)
    c.check("parameters" in info.stdout and "vocab" in info.stdout, "info: describes parameters and vocab")
    info_json = c.kernelj("info --json", "info", "--model", model, "--json")
    try:
        summary = json.loads(info_json.stdout)
        c.check(summary.get("parameters", 0) > 0, "info --json: parses, parameters > 0")
    except json.JSONDecodeError as e:
        c.check(False, f"info --json: not JSON ({e})")

    greedy = [c.kernelj(f"generate greedy, run {i}", "generate", "--model", model, *device, "--prompt", PROMPT,
                        "--max-tokens", str(GREEDY_TOKENS), "--temperature", "0", "--seed", "1", "--stats")
              for i in (1, 2)]
    c.check(greedy[0].stdout.strip() != "", "generate greedy: printed text")
    c.check(greedy[0].stdout == greedy[1].stdout, "generate greedy: two runs print the same text")
    c.check(f"{GREEDY_TOKENS} generated" in greedy[0].stderr, f"generate --stats: reports {GREEDY_TOKENS} generated")

    sampled = [c.kernelj(f"generate sampled (T 0.8, top-p 0.95, seed 7), run {i}", "generate", "--model", model, *device,
                         "--prompt", PROMPT, "--max-tokens", "16", "--temperature", "0.8", "--top-p", "0.95",
                         "--seed", "7") for i in (1, 2)]
    c.check(sampled[0].stdout.strip() != "", "generate sampled: printed text")
    c.check(sampled[0].stdout == sampled[1].stdout, "generate sampled: the same seed gives the same text")

    chat = c.kernelj("chat, two user turns on stdin", "chat", "--model", model, *device, "--system", "You are terse.",
                     "--max-tokens", "12", stdin=CHAT_TURNS)
    # stdout is "> " + reply + "\n" per turn, then a last "> " before end of input quits.
    turns = chat.stdout.split("> ")[1:]
    c.check(len(turns) == 3 and all(t.strip() for t in turns[:2]),
            f"chat: a non-empty reply to each of the two turns ({[t.strip() for t in turns[:2]]})")
    c.check("chatting with" in chat.stderr, "chat: announced the model and device on stderr")

    bench = c.kernelj("bench --json", "bench", "--model", model, *device, "--batch-size", "2", "--prompt-len", "32",
                      "--gen-len", "16", "--json")
    try:
        b = json.loads(bench.stdout[bench.stdout.index("{"):])
        c.check(b["decode_tok_s_per_stream"] > 0 and b["prefill_tok_s"] > 0 and b["weights_bytes"] > 0,
                f"bench: positive speeds and sizes on {b['device']}")
    except (ValueError, KeyError) as e:
        c.check(False, f"bench --json: unreadable ({e})")

    vocab = json.load(open(os.path.join(model, "config.json")))["vocab_size"]
    try:
        ids = prompt_ids(model)
    except ImportError:
        ids = [0, 100, 101, 102, 103]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "logits.bin")
        steps = GREEDY_TOKENS - 1
        logits = c.kernelj("logits", "logits", "--model", model, *device, "--ids", ",".join(map(str, ids)),
                           "--steps", str(steps), "--out", out)
        size = os.path.getsize(out) if os.path.exists(out) else -1
        c.check(size == (len(ids) + steps) * vocab * 4, f"logits: file holds {len(ids) + steps} rows of {vocab} floats")
        try:
            greedy_ids = [int(x) for x in logits.stdout.strip().splitlines()[-1].split(",")]
        except (ValueError, IndexError):
            greedy_ids = []
        c.check(len(greedy_ids) == GREEDY_TOKENS, f"logits: printed {GREEDY_TOKENS} greedy ids")
    expected = greedy_reference_text(model, greedy_ids)
    if expected is None:
        print("- (HF tokenizers missing: generate vs logits not compared)")
    else:
        printed = greedy[0].stdout[:-1] if greedy[0].stdout.endswith("\n") else greedy[0].stdout  # generate ends with a newline
        c.check(printed == expected,
                f"generate greedy == logits' greedy ids decoded by HF tokenizers ({expected!r})")
    return c.failures


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--java", required=True)
    p.add_argument("--classpath", required=True)
    p.add_argument("--model", required=True, help="a model directory from make_models.py")
    p.add_argument("--device", default="cuda")
    p.add_argument("--timeout", type=int, default=300, help="seconds per command")
    args = p.parse_args()
    failures = run(args)
    print(f"\n{'FAIL: ' + '; '.join(failures) if failures else 'PASS: every check'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
