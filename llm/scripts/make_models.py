#!/usr/bin/env python3
"""Builds random-weight Llama-family model directories with transformers' own classes (no network).

Small bf16 models for parity, all with head dims the CUDA attention kernels take (64 or 128):
Llama, Mistral (also with a 16-token sliding window), Qwen2 (qkv bias), Qwen3 (q/k head norms; with
transformers 4.51 or later), and odd variants: GQA ratio
4, tied embeddings with Llama 3 rope scaling and one kv head (MQA), and head_dim 128 set explicitly (query width 512 on a hidden size of
256). With --bench also Llama-3.2-1B-shaped and Llama-3-8B-shaped bf16 models for speed. Each
directory gets config.json, generation_config.json, model.safetensors (sharded for the big ones),
and a tiny byte-level BPE tokenizer trained here with the `tokenizers` library (tokenizer.json +
tokenizer_config.json, with a short chat template). Works with transformers 4.4x and 5.x.

Why the small models are not left as transformers initialises them: with its init (std 0.08 on a
hidden size of 256) the residual stream is nearly all layer output (norm ~50 against an embedding of
~1.3), so the next-token logits are nearly flat and random: the top-2 gap is often below bf16 noise
(~0.03 x max |logit|), and two correct bf16 implementations pick different greedy tokens. A strict
greedy-identity test would then fail on rounding, not on bugs. Trained models are peaked instead, so
each small model gets a planted "successor" rule, the way a trained model holds bigram knowledge:
  * the embedding is redrawn with std 0.25 x sqrt(hidden) (row norm ~hidden/4, more than the layers'
    contribution), so the current token stays readable in the residual stream. RMSNorm makes the
    first layer blind to that scale: every layer still computes on random weights;
  * every ordinary token u gets a successor s(u): one random cycle through all of them, so a greedy
    walk never falls into a short loop;
  * untied models: lm_head row s(u) += the unit vector of u's embedding (on top of its random init,
    of norm ~1.3), so the head reads "which token is current" and scores its successor ~10 sigma
    above the random rest;
  * tied models (the head is the embedding, so the head cannot hold the rule): the last layer's MLP
    becomes a key-value memory, gate = up = unit embedding of u per unit, down = successor's unit
    embedding scaled to 3 x an embedding norm, so the residual points at s(u) before the tied head.
Prototyped in numpy with bf16 rounding on these shapes: the smallest top-2 gap over 64 greedy steps
is 0.09..0.34 x max |logit| against a bf16-vs-float64 error of 0.003..0.006 (15..90x), while the
attention layers alone still move the logits by 11..60% (RMS). make_models prints both for every model
it builds, measured with transformers, and parity.py prints the smallest gap against the measured error
(first H200 run: gaps 0.04..0.28 on a random 48-token prompt, strict greedy identity 65/65 on all
six models, the closest greedy decision 20..96x the logits error, attention moving logits by 16..65%).

    python3 llm/scripts/make_models.py --out /tmp/kj-models [--bench] [--only llama,qwen2]
"""
import argparse
import json
import os
import sys
import time
import zlib

import torch
import transformers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (LlamaConfig, LlamaForCausalLM, MistralConfig, MistralForCausalLM, Qwen2Config,
                          Qwen2ForCausalLM)

try:  # Qwen3 needs transformers 4.51 or later
    from transformers import Qwen3Config, Qwen3ForCausalLM
except ImportError:
    Qwen3Config = Qwen3ForCausalLM = None

BOS, EOS = "<s>", "</s>"

# A Zephyr-style chat template: roles as plain-text tags, EOS after every turn. `loop.last` makes
# Jinja engines resolve an attribute of a loop object (bean introspection in Jinjava). Newlines are
# real newline characters inside the quotes, as in the JSON of published templates.
CHAT_TEMPLATE = ("{{ bos_token }}{% for message in messages %}"
                 "{{ '<|' + message['role'] + '|>\n' + message['content'] + eos_token + '\n' }}"
                 "{% if loop.last and add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}{% endfor %}")

# The planted successor rule (see the module docstring): embedding std per sqrt(hidden), and the
# tied models' memory output in embedding norms.
EMBEDDING_STD_PER_SQRT_HIDDEN = 0.25
MEMORY_GAIN = 3.0

# transformers 5 keeps RoPE settings in one `rope_parameters` dict (theta included); 4.x takes
# `rope_theta` and `rope_scaling`.
TRANSFORMERS_5 = int(transformers.__version__.split(".")[0]) >= 5


def rope(theta, scaling=None):
    """Config keyword arguments for RoPE base `theta` and optional scaling, in this transformers' spelling."""
    if TRANSFORMERS_5:
        params = dict(scaling) if scaling else {"rope_type": "default"}
        params["rope_theta"] = float(theta)
        return {"rope_parameters": params}
    return {"rope_theta": float(theta), "rope_scaling": dict(scaling) if scaling else None}

CORPUS = [
    "The quick brown fox jumps over the lazy dog.",
    "KernelJ writes CUDA kernels in Java and checks them at compile time.",
    "def forward(self, x):\n    return self.norm(x + self.attn(x))\n",
    "Numbers: 0 1 2 3 4 5 6 7 8 9 10 100 1000 3.14159 2.71828",
    "Unicode: café, naïve, 日本語, 中文, emoji 🙂🚀, Ελληνικά, русский.",
    "A language model predicts the next token from the tokens before it.",
] * 20


def write_tokenizer(out_dir, vocab_size=400):
    """A byte-level BPE trained on a small corpus: every byte is a token, so any text encodes."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[BOS, EOS], show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS, trainer)
    tok.save(os.path.join(out_dir, "tokenizer.json"))
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w") as f:
        json.dump({"bos_token": BOS, "eos_token": EOS, "add_bos_token": True, "add_eos_token": False,
                   "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": 131072,
                   "chat_template": CHAT_TEMPLATE}, f, indent=1)
    return tok.token_to_id(BOS), tok.token_to_id(EOS), tok.get_vocab_size()


def small_specs(vocab):
    # Head dim 64 unless said otherwise: the CUDA attention kernels take 64 and 128 only.
    common = dict(vocab_size=vocab, hidden_size=256, intermediate_size=512, num_hidden_layers=3, num_attention_heads=4,
                  num_key_value_heads=2, max_position_embeddings=2048, rms_norm_eps=1e-5, initializer_range=0.08)
    llama3 = {"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
              "original_max_position_embeddings": 256}
    return {
        "llama": (LlamaConfig, LlamaForCausalLM, dict(common, **rope(10000.0))),
        "mistral": (MistralConfig, MistralForCausalLM, dict(common, sliding_window=4096, **rope(1e6))),
        # A window far shorter than prompt + steps: KernelJ's sliding-window masking against transformers'.
        "mistral-window": (MistralConfig, MistralForCausalLM, dict(common, sliding_window=16, **rope(1e6))),
        "qwen2": (Qwen2Config, Qwen2ForCausalLM, dict(common, use_sliding_window=False, **rope(1e6))),
        # q_norm/k_norm on every head; a head dim (128) that is not hidden / heads, as in Qwen3-0.6B.
        **({"qwen3": (Qwen3Config, Qwen3ForCausalLM, dict(common, head_dim=128, use_sliding_window=False,
                                                          attention_bias=False, **rope(1e6)))}
           if Qwen3Config is not None else {}),
        "llama-gqa4": (LlamaConfig, LlamaForCausalLM, dict(common, hidden_size=512, num_attention_heads=8,
                       num_key_value_heads=2, **rope(10000.0))),
        "llama32-tied": (LlamaConfig, LlamaForCausalLM, dict(common, tie_word_embeddings=True, num_key_value_heads=1,
                         **rope(500000.0, llama3))),
        "llama-head128": (LlamaConfig, LlamaForCausalLM, dict(common, head_dim=128, **rope(10000.0))),
    }


def bench_specs():
    llama3 = {"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
              "original_max_position_embeddings": 8192}
    return {
        "llama-3.2-1b-shape": (LlamaConfig, LlamaForCausalLM, dict(
            vocab_size=128256, hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32,
            num_key_value_heads=8, head_dim=64, max_position_embeddings=131072, rms_norm_eps=1e-5,
            tie_word_embeddings=True, **rope(500000.0, llama3))),
        "llama-3-8b-shape": (LlamaConfig, LlamaForCausalLM, dict(
            vocab_size=128256, hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32,
            num_key_value_heads=8, max_position_embeddings=8192, rms_norm_eps=1e-5, tie_word_embeddings=False,
            **rope(500000.0))),
    }


def build(out_root, name, config_class, model_class, kwargs, dtype, shard, planted):
    out_dir = os.path.join(out_root, name)
    check_head_dim(name, kwargs)
    if os.path.exists(os.path.join(out_dir, "config.json")):
        print(f"{name}: exists, kept", flush=True)
        return
    os.makedirs(out_dir, exist_ok=True)
    start = time.time()
    bos, eos, tok_vocab = write_tokenizer(out_dir)
    kwargs = dict(kwargs, bos_token_id=bos, eos_token_id=eos)
    assert kwargs["vocab_size"] >= tok_vocab, (name, kwargs["vocab_size"], tok_vocab)
    config = config_class(**kwargs)
    torch.manual_seed(zlib.crc32(name.encode()))
    device = "cuda" if torch.cuda.is_available() else "cpu"
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)  # build the big ones directly in bf16: an 8B model in f32 would take 32 GB
    try:
        with torch.device(device):
            model = model_class(config)
    finally:
        torch.set_default_dtype(previous)
    model = model.to(dtype).eval()
    if planted:
        ordinary = [i for i in range(tok_vocab) if i not in (bos, eos)]
        plant_successors(name, model, ordinary, zlib.crc32(name.encode()) + 1)
        describe_peakedness(name, model, ordinary)
    if model.generation_config is not None:
        model.generation_config.do_sample = False
    # Safetensors is the only format transformers 5 writes (and it dropped the safe_serialization flag).
    model.save_pretrained(out_dir, max_shard_size=shard)
    params = sum(p.numel() for p in model.parameters())
    print(f"{name}: {params / 1e6:.1f}M parameters, {dtype}, {time.time() - start:.1f}s -> {out_dir}", flush=True)
    del model
    if device == "cuda":
        torch.cuda.empty_cache()


def plant_successors(name, model, ordinary, seed):
    """Gives the model the successor rule of the module docstring; weights stay transformers' tensors."""
    generator = torch.Generator().manual_seed(seed)
    embedding = model.get_input_embeddings().weight
    head = model.get_output_embeddings().weight
    hidden = embedding.shape[1]
    std = EMBEDDING_STD_PER_SQRT_HIDDEN * hidden ** 0.5
    table = torch.randn(tuple(embedding.shape), generator=generator) * std
    ids = torch.tensor(ordinary)
    order = ids[torch.randperm(len(ids), generator=generator)]
    successors = torch.roll(order, -1)  # order[i] -> order[i + 1]: a single cycle through every ordinary token
    keys = table[order] / table[order].norm(dim=1, keepdim=True)
    with torch.no_grad():
        if head is embedding:
            mlp = model.model.layers[-1].mlp
            units = mlp.gate_proj.weight.shape[0]
            if units < len(order):
                raise SystemExit(f"{name}: the tied model's last MLP has {units} units; the successor memory needs one "
                                 f"per ordinary token ({len(order)})")
            gate = torch.zeros(units, hidden)
            gate[:len(order)] = keys
            # A matching unit's activation is about silu(k) * k with k = sqrt(hidden) * cos ~ sqrt(hidden):
            # ~hidden; scale down so that the memory adds MEMORY_GAIN embedding norms along s(u).
            values = table[successors] / table[successors].norm(dim=1, keepdim=True)
            down = torch.zeros(hidden, units)
            down[:, :len(order)] = values.T * (MEMORY_GAIN * std * hidden ** 0.5 / hidden)
            mlp.gate_proj.weight.copy_(gate)
            mlp.up_proj.weight.copy_(gate)
            mlp.down_proj.weight.copy_(down)
        else:
            rows = head.float().cpu()
            rows[successors] += keys
            head.copy_(rows)
        embedding.copy_(table)


def describe_peakedness(name, model, ordinary, tokens=48):
    """Prints, measured with transformers on a random prompt, how peaked the logits are and how much the
    attention layers move them (logits with every attention output zeroed, relative RMS change)."""
    device = next(model.parameters()).device
    generator = torch.Generator().manual_seed(7)
    ids = torch.tensor(ordinary)[torch.randint(len(ordinary), (1, tokens), generator=generator)].to(device)
    with torch.no_grad():
        logits = model(ids).logits[0].float()
        hooks = [layer.self_attn.register_forward_hook(lambda module, args, out: (torch.zeros_like(out[0]), *out[1:]))
                 for layer in model.model.layers]
        try:
            without_attention = model(ids).logits[0].float()
        finally:
            for h in hooks:
                h.remove()
    top2 = logits.topk(2, dim=-1).values
    gaps = (top2[:, 0] - top2[:, 1]) / logits.abs().max()
    moved = ((logits - without_attention).pow(2).mean() / logits.pow(2).mean()).sqrt()
    print(f"{name}: top-2 gap over {tokens} positions min {gaps.min():.3f} median {gaps.median():.3f} x max |logit|; "
          f"attention moves the logits by {moved * 100:.0f}% (RMS)", flush=True)


def check_head_dim(name, kwargs):
    """Stops before building, naming the model, when its head dim is one the CUDA attention kernels cannot run."""
    head_dim = kwargs.get("head_dim") or kwargs["hidden_size"] // kwargs["num_attention_heads"]
    if head_dim not in (64, 128):
        raise SystemExit(f"{name}: head dim {head_dim}; KernelJ's CUDA attention kernels take 64 or 128")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="directory to write the model directories into")
    p.add_argument("--bench", action="store_true", help="also build the 1B- and 8B-shaped benchmark models")
    p.add_argument("--small-dtype", default="bfloat16", choices=["bfloat16", "float16", "float32"],
                   help="dtype of the small models' weights (KernelJ's CUDA backend computes in bf16 either way)")
    p.add_argument("--only", help="comma-separated model names to build (default: all)")
    args = p.parse_args()
    only = set(args.only.split(",")) if args.only else None
    known = set(small_specs(512)) | set(bench_specs())
    if only and not only <= known:
        raise SystemExit(f"--only: unknown model(s) {', '.join(sorted(only - known))}; known: {', '.join(sorted(known))}")

    def wanted(name):
        return only is None or name in only

    os.makedirs(args.out, exist_ok=True)
    print(f"transformers {transformers.__version__}, torch {torch.__version__}", flush=True)
    small_dtype = getattr(torch, args.small_dtype)
    for name, (cc, mc, kw) in small_specs(512).items():
        if wanted(name):
            build(args.out, name, cc, mc, kw, small_dtype, "2GB", planted=True)
    if args.bench:
        # Speed only: transformers' own init, no planted rule.
        for name, (cc, mc, kw) in bench_specs().items():
            if wanted(name):
                build(args.out, name, cc, mc, kw, torch.bfloat16, "5GB", planted=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
