#!/usr/bin/env python3
"""Builds random-weight Llama-family model directories with transformers' own classes (no network).

Small bf16 models for parity, all with head dims the CUDA attention kernels take (64 or 128):
Llama, Mistral, Qwen2 (qkv bias), and odd variants: GQA ratio 4, tied embeddings with Llama 3 rope
scaling and one kv head (MQA), and head_dim 128 set explicitly (query width 512 on a hidden size of
256). With --bench also Llama-3.2-1B-shaped and Llama-3-8B-shaped bf16 models for speed. Each
directory gets config.json, generation_config.json, model.safetensors (sharded for the big ones),
and a tiny byte-level BPE tokenizer trained here with the `tokenizers` library (tokenizer.json +
tokenizer_config.json). Works with transformers 4.4x and 5.x.

    python3 llm/scripts/make_models.py --out /tmp/kj-models [--bench]
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

BOS, EOS = "<s>", "</s>"

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
                   "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": 131072}, f, indent=1)
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
        "qwen2": (Qwen2Config, Qwen2ForCausalLM, dict(common, use_sliding_window=False, **rope(1e6))),
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


def build(out_root, name, config_class, model_class, kwargs, dtype, shard):
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
    if model.generation_config is not None:
        model.generation_config.do_sample = False
    # Safetensors is the only format transformers 5 writes (and it dropped the safe_serialization flag).
    model.save_pretrained(out_dir, max_shard_size=shard)
    params = sum(p.numel() for p in model.parameters())
    print(f"{name}: {params / 1e6:.1f}M parameters, {dtype}, {time.time() - start:.1f}s -> {out_dir}", flush=True)
    del model
    if device == "cuda":
        torch.cuda.empty_cache()


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
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    print(f"transformers {transformers.__version__}, torch {torch.__version__}", flush=True)
    small_dtype = getattr(torch, args.small_dtype)
    for name, (cc, mc, kw) in small_specs(512).items():
        build(args.out, name, cc, mc, kw, small_dtype, "2GB")
    if args.bench:
        for name, (cc, mc, kw) in bench_specs().items():
            build(args.out, name, cc, mc, kw, torch.bfloat16, "5GB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
