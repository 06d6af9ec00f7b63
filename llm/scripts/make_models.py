#!/usr/bin/env python3
"""Builds random-weight Llama-family model directories with transformers' own classes (no network).

Small models for parity (Llama, Mistral, Qwen2 with qkv bias, and odd variants: GQA ratio 4, tied
embeddings with Llama 3 rope scaling, head_dim 64) and, with --bench, Llama-3.2-1B-shaped and
Llama-3-8B-shaped bf16 models for speed. Each directory gets config.json, generation_config.json,
model.safetensors (sharded for the big ones), and a tiny byte-level BPE tokenizer trained here with
the `tokenizers` library (tokenizer.json + tokenizer_config.json).

    python3 llm/scripts/make_models.py --out /tmp/kj-models [--bench]
"""
import argparse
import json
import os
import sys
import time
import zlib

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (LlamaConfig, LlamaForCausalLM, MistralConfig, MistralForCausalLM, Qwen2Config,
                          Qwen2ForCausalLM)

BOS, EOS = "<s>", "</s>"

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
    common = dict(vocab_size=vocab, hidden_size=128, intermediate_size=256, num_hidden_layers=3, num_attention_heads=4,
                  num_key_value_heads=2, max_position_embeddings=2048, rms_norm_eps=1e-5, initializer_range=0.08)
    return {
        "llama": (LlamaConfig, LlamaForCausalLM, dict(common, rope_theta=10000.0)),
        "mistral": (MistralConfig, MistralForCausalLM, dict(common, rope_theta=1e6, sliding_window=4096)),
        "qwen2": (Qwen2Config, Qwen2ForCausalLM, dict(common, rope_theta=1e6, use_sliding_window=False)),
        "llama-gqa4": (LlamaConfig, LlamaForCausalLM, dict(common, num_attention_heads=8, num_key_value_heads=2)),
        "llama32-tied": (LlamaConfig, LlamaForCausalLM, dict(common, tie_word_embeddings=True, rope_theta=500000.0,
                         rope_scaling={"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0,
                                       "high_freq_factor": 4.0, "original_max_position_embeddings": 256})),
        "llama-head64": (LlamaConfig, LlamaForCausalLM, dict(common, hidden_size=256, num_attention_heads=4,
                         num_key_value_heads=1, head_dim=64)),
    }


def bench_specs():
    llama3 = {"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
              "original_max_position_embeddings": 8192}
    return {
        "llama-3.2-1b-shape": (LlamaConfig, LlamaForCausalLM, dict(
            vocab_size=128256, hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32,
            num_key_value_heads=8, head_dim=64, max_position_embeddings=131072, rms_norm_eps=1e-5, rope_theta=500000.0,
            rope_scaling=llama3, tie_word_embeddings=True)),
        "llama-3-8b-shape": (LlamaConfig, LlamaForCausalLM, dict(
            vocab_size=128256, hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32,
            num_key_value_heads=8, max_position_embeddings=8192, rms_norm_eps=1e-5, rope_theta=500000.0,
            tie_word_embeddings=False)),
    }


def build(out_root, name, config_class, model_class, kwargs, dtype, shard):
    out_dir = os.path.join(out_root, name)
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
    model.generation_config.do_sample = False
    model.save_pretrained(out_dir, safe_serialization=True, max_shard_size=shard)
    params = sum(p.numel() for p in model.parameters())
    print(f"{name}: {params / 1e6:.1f}M parameters, {dtype}, {time.time() - start:.1f}s -> {out_dir}", flush=True)
    del model
    if device == "cuda":
        torch.cuda.empty_cache()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="directory to write the model directories into")
    p.add_argument("--bench", action="store_true", help="also build the 1B- and 8B-shaped benchmark models")
    p.add_argument("--small-dtype", default="bfloat16", choices=["bfloat16", "float16", "float32"])
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    small_dtype = getattr(torch, args.small_dtype)
    for name, (cc, mc, kw) in small_specs(512).items():
        build(args.out, name, cc, mc, kw, small_dtype, "2GB")
    if args.bench:
        for name, (cc, mc, kw) in bench_specs().items():
            build(args.out, name, cc, mc, kw, torch.bfloat16, "5GB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
