#!/usr/bin/env python3
"""Quantized checkpoints on the GPU machine: parity with transformers, and decode speed.

Parity: small transformers-built models from make_models.py (peaked by its planted successor rule)
have their seven projections per layer quantized and packed as real tools write them
(quant_formats.py: GPTQ v1 zero-minus-one and gptq_v2, symmetric and asymmetric, act-order, 8-bit,
per-channel, AWQ GEMM). `kernelj logits --device cuda` on each checkpoint is compared with
transformers running the dequantized twin (W = (code - zero) * scale, in bf16) on the prompt plus
KernelJ's greedy tokens: logits within --tolerance x max |logit| on every row, and the leading
greedy ids strictly identical (parity.py's measure, margin over error printed).

Speed (--bench): a Llama-3-8B-shaped GPTQ 4-bit group-128 checkpoint (random well-formed codes,
bf16 embedding/norms/LM head) through `kernelj bench` at batch 1 and 16 with a 512-token prompt:
decode tok/s against the quantized roofline (weight bytes on the GPU / measured copy bandwidth),
TTFT, weights on the GPU; and the same against the bf16 8B shape (built here unless
--models-dir already holds llama-3-8b-shape) when --bf16 is given.

    python3 llm/scripts/quant_check.py --java bundle/jre/bin/java --classpath 'bundle/lib/*' --out /tmp/kj-quant [--bench] [--bf16]
"""
import argparse
import json
import os
import shutil
import sys
import time

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from transformers import AutoModelForCausalLM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_models  # noqa: E402
import parity  # noqa: E402
import quant_formats as qf  # noqa: E402

PROJECTIONS = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
               "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"]

# name -> (base model, method, bits, group, sym, v2, act-order)
VARIANTS = {
    "llama-gptq-v1-sym-g128": ("llama", "gptq", 4, 128, True, False, False),
    "qwen2-gptq-v2-asym-g64": ("qwen2", "gptq", 4, 64, False, True, False),
    "mistral-gptq-act-order-g128": ("mistral", "gptq", 4, 128, True, False, True),
    "llama-gptq-8bit-asym-g128": ("llama", "gptq", 8, 128, False, False, False),
    "llama32-tied-gptq-8bit-channel": ("llama32-tied", "gptq", 8, -1, True, False, True),
    "llama-gqa4-awq-g128": ("llama-gqa4", "awq", 4, 128, False, False, False),
}
if "qwen3" in make_models.small_specs(512):  # Qwen3 needs transformers 4.51 or later
    # Per-head q/k norms and a head dim (128) that is not hidden / heads: o_proj takes 512 inputs.
    VARIANTS["qwen3-gptq-v2-asym-act-order-g64"] = ("qwen3", "gptq", 4, 64, False, True, True)


def quantize_model(base_dir, out_dir, method, bits, group, sym, v2, act_order, seed):
    """Writes the quantized checkpoint of base_dir into out_dir; returns {weight name: dequantized W}."""
    os.makedirs(out_dir, exist_ok=True)
    tensors = {}
    for f in sorted(os.listdir(base_dir)):
        if f.endswith(".safetensors"):
            tensors.update(load_file(os.path.join(base_dir, f)))
        elif f not in ("model.safetensors.index.json",):
            shutil.copy(os.path.join(base_dir, f), out_dir)
    rng = np.random.default_rng(seed)
    out, twin = {}, {}
    orders = {}
    for name, w in tensors.items():
        module = name[:-len(".weight")] if name.endswith(".weight") else None
        if module is None or not any(module.endswith(p) for p in PROJECTIONS):
            out[name] = w.contiguous()
            continue
        inputs = w.shape[1]
        w = w.float().numpy()
        order = None
        if act_order:
            # GPTQ sorts inputs by the Hessian diagonal of the module's input: q/k/v share theirs, gate/up theirs.
            key = module.rsplit(".", 1)[0] + ("/down" if module.endswith("down_proj") else
                                              "/o" if module.endswith("o_proj") else "/in")
            order = orders.setdefault(key, rng.permutation(inputs))
        codes, scales, zeros, g_idx = qf.quantize(w, bits, group, sym, order, awq=method == "awq")
        if method == "awq":
            packed = qf.pack_awq(codes, scales, zeros)
            twin[name] = qf.dequantize(codes, scales, zeros, g_idx)
        else:
            packed = qf.pack_gptq(codes, scales, zeros, g_idx, bits, v2)
            twin[name] = qf.dequantize(codes, scales, zeros, g_idx)
        twin[name] = torch.from_numpy(twin[name])
        for suffix, t in packed.items():
            out[f"{module}.{suffix}"] = torch.from_numpy(np.ascontiguousarray(t))
    save_file(out, os.path.join(out_dir, "model.safetensors"), metadata={"format": "pt"})
    config_path = os.path.join(out_dir, "config.json")
    config = json.load(open(config_path))
    config["quantization_config"] = (qf.awq_config(group) if method == "awq"
                                     else qf.gptq_config(bits, group, act_order, sym, v2))
    json.dump(config, open(config_path, "w"), indent=1)
    return twin


def twin_logits(base_dir, twin, ids):
    """transformers on the dequantized weights, bf16, eager."""
    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.bfloat16, attn_implementation="eager").cuda().eval()
    state = model.state_dict()
    with torch.no_grad():
        for name, w in twin.items():
            state[name].copy_(w.to(torch.bfloat16))
        logits = model(torch.tensor([ids], device="cuda")).logits[0].float().cpu().numpy()
    del model
    torch.cuda.empty_cache()
    return logits


def run_parity(args, results):
    base_root = os.path.join(args.out, "base")
    needed = sorted({v[0] for v in VARIANTS.values()})
    rng = np.random.default_rng(0)
    for name in needed:
        spec = make_models.small_specs(512)[name]
        make_models.build(base_root, name, *spec, torch.bfloat16, "2GB", planted=True)
    for variant, (base, method, bits, group, sym, v2, act) in VARIANTS.items():
        start = time.time()
        base_dir = os.path.join(base_root, base)
        q_dir = os.path.join(args.out, "quantized", variant)
        try:
            twin = quantize_model(base_dir, q_dir, method, bits, group, sym, v2, act, seed=len(variant))
            ids = [int(x) for x in rng.integers(3, 258, size=args.prompt_len)]
            rows, greedy = parity.kernelj_logits(args, q_dir, ids, args.steps, "cuda")
            fed = ids + greedy[:args.steps]
            hf = twin_logits(base_dir, twin, fed)
            c = parity.compare(rows, hf, len(ids), greedy, args.tolerance, args.tie)
            ok = c["ok_logits"] and c["greedy_agree_strict"] >= args.min_greedy
            results["parity"][variant] = dict(c, pass_=ok, seconds=time.time() - start)
            print(f"{variant:32s} vs HF dequantized twin: {parity.summary(c, args.steps)}   "
                  f"{time.time() - start:5.1f}s   {'PASS' if ok else 'FAIL'}", flush=True)
        except Exception as e:  # report and go on with the next variant
            results["parity"][variant] = {"pass_": False, "error": str(e)[-2000:]}
            print(f"{variant:32s} FAIL: {str(e)[-600:]}", flush=True)


def build_8b_gptq(out_dir):
    """Llama-3-8B shape, GPTQ 4-bit group 128 (v1, symmetric), random codes; bf16 embedding/head/norms."""
    _build_shape(out_dir, bits=4)


def build_1b_gptq(out_dir):
    """Llama-3.2-1B shape (hidden 2048, embedding tied to the head), GPTQ 4-bit group 128 as build_8b_gptq
    writes it: the projections whose few-row plans differ most from the 8B ones'."""
    _build_shape(out_dir, bits=4, shape="llama-3.2-1b-shape")


def build_8b_gptq_f16(out_dir):
    """The same shape in GPTQ 4-bit group 128 as AutoGPTQ's releases are: a float16 model (f16
    activations, embedding, head and norms), whose kernels take other codes than bf16's."""
    _build_shape(out_dir, bits=4, dtype=torch.float16)


def build_8b_gptq8(out_dir):
    """The same shape in GPTQ 8-bit group 128 as AutoGPTQ's Int8 releases are: a float16 model (f16
    activations, embedding, head and norms)."""
    _build_shape(out_dir, bits=8, dtype=torch.float16)


def build_8b_bf16(out_dir):
    """The same shape in bf16 with random weights (std 0.02), drawn on the GPU where there is one: the
    bf16 baseline of the quantized benchmarks in a fraction of make_models.py's time."""
    _build_shape(out_dir, bits=None)


def _build_shape(out_dir, bits, dtype=torch.bfloat16, shape="llama-3-8b-shape"):
    quantized = bits is not None
    if os.path.exists(os.path.join(out_dir, "config.json")):
        return
    cls, _, kwargs = make_models.bench_specs()[shape]
    os.makedirs(out_dir, exist_ok=True)
    bos, eos, _ = make_models.write_tokenizer(out_dir)
    cls(**dict(kwargs, bos_token_id=bos, eos_token_id=eos)).save_pretrained(out_dir)
    config_path = os.path.join(out_dir, "config.json")
    config = json.load(open(config_path))
    config["architectures"] = ["LlamaForCausalLM"]
    config["torch_dtype"] = "float16" if dtype == torch.float16 else "bfloat16"
    if quantized:
        config["quantization_config"] = qf.gptq_config(bits, 128, False, True, False)
    json.dump(config, open(config_path, "w"), indent=1)
    gen = torch.Generator().manual_seed(8)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dense_gen = torch.Generator(device=device).manual_seed(9)
    rng = np.random.default_rng(8)
    h, inter, vocab = kwargs["hidden_size"], kwargs["intermediate_size"], kwargs["vocab_size"]
    kv = kwargs["num_key_value_heads"] * (h // kwargs["num_attention_heads"])
    shard, index, n = {}, {}, 0

    def flush():
        nonlocal shard, n
        if shard:
            file = f"model-{n:05d}.safetensors"
            save_file(shard, os.path.join(out_dir, file), metadata={"format": "pt"})
            index.update({k: file for k in shard})
            shard, n = {}, n + 1

    shard["model.embed_tokens.weight"] = (torch.randn(vocab, h, generator=gen) * 0.02).to(dtype)
    if not kwargs.get("tie_word_embeddings"):
        shard["lm_head.weight"] = (torch.randn(vocab, h, generator=gen) * 0.02).to(dtype)
    shard["model.norm.weight"] = torch.ones(h, dtype=dtype)
    flush()
    shapes = {"self_attn.q_proj": (h, h), "self_attn.k_proj": (kv, h), "self_attn.v_proj": (kv, h),
              "self_attn.o_proj": (h, h), "mlp.gate_proj": (inter, h), "mlp.up_proj": (inter, h),
              "mlp.down_proj": (h, inter)}
    for layer in range(kwargs["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        shard[p + "input_layernorm.weight"] = torch.ones(h, dtype=dtype)
        shard[p + "post_attention_layernorm.weight"] = torch.ones(h, dtype=dtype)
        for module, (o, i) in shapes.items():
            if not quantized:
                w = torch.randn(o, i, generator=dense_gen, device=device) * 0.02
                shard[f"{p}{module}.weight"] = w.to(dtype).cpu()
                continue
            for suffix, t in qf.random_gptq_module(o, i, bits, 128, rng).items():
                shard[f"{p}{module}.{suffix}"] = torch.from_numpy(t)
        if layer % 8 == 7:
            flush()
    flush()
    json.dump({"metadata": {}, "weight_map": index}, open(os.path.join(out_dir, "model.safetensors.index.json"), "w"))


def bench_model(args, model_dir):
    entry = {}
    for batch in sorted({1, 16} | set(args.bench_batches)):
        out, _, wall = parity.kernelj(args, "bench", "--model", model_dir, "--device", "cuda", "--batch-size",
                                      str(batch), "--prompt-len", "512", "--gen-len", str(args.bench_gen),
                                      "--max-context", str(512 + args.bench_gen + 16), "--json")
        k = json.loads(out[out.index("{"):])
        k["process_wall_s"] = wall
        entry[f"b{batch}"] = k
    return entry


def run_bench(args, results):
    bandwidth = parity.copy_bandwidth()
    results["copy_bandwidth_gb_s"] = bandwidth / 1e9
    q_dir = os.path.join(args.out, "llama-3-8b-gptq-4bit-g128")
    start = time.time()
    build_8b_gptq(q_dir)
    print(f"built {q_dir} in {time.time() - start:.0f}s; copy bandwidth {bandwidth / 1e9:.0f} GB/s", flush=True)
    q = bench_model(args, q_dir)
    weights = q["b1"]["weights_bytes"]
    roofline = bandwidth / weights
    results["bench"]["gptq"] = dict(q, roofline_tok_s=roofline, weights_gb=weights / 1e9,
                                    b1_fraction_of_roofline=q["b1"]["decode_tok_s_per_stream"] / roofline)
    print(f"8B GPTQ 4-bit g128: weights {weights / 1e9:.2f} GB on the GPU; b1 {q['b1']['decode_tok_s_per_stream']:.1f}"
          f" tok/s = {100 * q['b1']['decode_tok_s_per_stream'] / roofline:.1f}% of the {roofline:.0f} tok/s roofline;"
          f" b16 {q['b16']['decode_tok_s_total']:.1f} tok/s total; TTFT(512) {q['b1']['ttft_ms']:.1f} ms", flush=True)
    print(f"8B GPTQ load (b1 run): {q['b1'].get('load')}", flush=True)
    for batch in args.bench_batches:
        print(f"8B GPTQ b{batch}: {q[f'b{batch}']['decode_tok_s_total']:.1f} tok/s total", flush=True)
    if args.bf16:
        bf_dir = os.path.join(args.models_dir or args.out, "llama-3-8b-shape")
        start = time.time()
        build_8b_bf16(bf_dir)
        print(f"built {bf_dir} in {time.time() - start:.0f}s", flush=True)
        b = bench_model(args, bf_dir)
        results["bench"]["bf16"] = b
        print(f"8B bf16: b1 {b['b1']['decode_tok_s_per_stream']:.1f} tok/s, b16 {b['b16']['decode_tok_s_total']:.1f}"
              f" tok/s total, TTFT(512) {b['b1']['ttft_ms']:.1f} ms; quantized/bf16: b1"
              f" {q['b1']['decode_tok_s_per_stream'] / b['b1']['decode_tok_s_per_stream']:.2f}x, b16"
              f" {q['b16']['decode_tok_s_total'] / b['b16']['decode_tok_s_total']:.2f}x (goal >= 2.5x), TTFT"
              f" {q['b1']['ttft_ms'] / b['b1']['ttft_ms']:.2f}x (goal <= 1.5x)", flush=True)
        print(f"8B bf16 load (b1 run): {b['b1'].get('load')}", flush=True)
        for batch in args.bench_batches:
            print(f"8B bf16 b{batch}: {b[f'b{batch}']['decode_tok_s_total']:.1f} tok/s total; quantized/bf16"
                  f" {q[f'b{batch}']['decode_tok_s_total'] / b[f'b{batch}']['decode_tok_s_total']:.2f}x", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--java", required=True)
    p.add_argument("--classpath", required=True)
    p.add_argument("--jvm-opt", action="append", default=[])
    p.add_argument("--out", required=True, help="scratch directory for the models")
    p.add_argument("--models-dir", help="where make_models.py --bench put llama-3-8b-shape, if it did")
    p.add_argument("--json", default="quant_check.json")
    p.add_argument("--prompt-len", type=int, default=24)
    p.add_argument("--steps", type=int, default=48)
    p.add_argument("--tolerance", type=float, default=0.05)
    p.add_argument("--tie", type=float, default=0.01)
    p.add_argument("--min-greedy", type=int, default=33)
    p.add_argument("--bench", action="store_true")
    p.add_argument("--bf16", action="store_true", help="also bench the bf16 8B shape for the ratios")
    p.add_argument("--bench-gen", type=int, default=128)
    p.add_argument("--bench-batches", type=lambda v: [int(b) for b in v.split(",") if b], default=[],
                   help="batch sizes to bench besides 1 and 16, comma-separated (e.g. 32,48,64)")
    args = p.parse_args()
    results = {"device": torch.cuda.get_device_name(), "parity": {}, "bench": {}}
    start = time.time()
    failed = False
    try:
        run_parity(args, results)
        print(f"parity took {time.time() - start:.0f}s", flush=True)
        if args.bench:
            run_bench(args, results)
    except Exception as e:
        results["error"] = str(e)
        print(f"error: {e}", file=sys.stderr, flush=True)
        failed = True
    json.dump(results, open(args.json, "w"), indent=1)
    failed = failed or not results["parity"] or not all(v.get("pass_") for v in results["parity"].values())
    print(f"wrote {args.json}: {'FAIL' if failed else 'PASS'} ({time.time() - start:.0f}s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
