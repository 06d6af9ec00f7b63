#!/usr/bin/env python3
"""Quantizes linear weights and packs them exactly as the tools that publish GPTQ and AWQ
checkpoints do, for quant_check.py (no AutoGPTQ/AutoAWQ on the GPU machine, no network). numpy
only, so it runs (and was checked against KernelJ's readers) anywhere.

Round-to-nearest on the tools' own grid (GPTQ's min/max grid, symmetric or not; AWQ's asymmetric
one), codes chosen without calibration: how codes are chosen does not matter to a format test, and
the dequantized twin is computed from the very codes, scales and zeros written. Layouts:
  * GPTQ (AutoGPTQ/GPTQModel): qweight int32 [in / (32 / bits), out], code of input i in bits
    (i % p) * bits of row i / p; qzeros int32 [groups, out / p] packed along the output, holding
    the zeros for "gptq_v2" and, for checkpoint_format "gptq" (v1), those words minus 0x11111111
    (0x01010101 for 8-bit) as GPTQModel converts them, so a zero point of 0 borrows from the field
    above it; scales f16 [groups, out]; g_idx int32 [in]. Act-order: inputs quantized in
    a permuted order, groups are runs of that order, g_idx[i] = position of i in the order //
    group_size.
  * AWQ GEMM (AutoAWQ): qweight int32 [in, out / 8] and qzeros int32 [groups, out / 8] packed along
    the output, nibble k holding output column 8c + [0, 2, 4, 6, 1, 3, 5, 7][k]; zeros as they are;
    scales f16 [groups, out].
"""
import numpy as np

AWQ_ORDER = [0, 2, 4, 6, 1, 3, 5, 7]
V1_ONES = {4: 0x11111111, 8: 0x01010101}  # what v1 takes off each qzeros word


def to_int32(words):
    """Non-negative int64 words holding 32-bit patterns -> int32 with the same bits."""
    return (np.asarray(words, dtype=np.int64) & 0xFFFFFFFF).astype(np.uint32).view(np.int32)


def quantize(w, bits, group_size, sym, order=None, awq=False):
    """w [out, in] -> (codes [out, in] int64, scales [groups, out] f32 holding f16 values,
    zeros [groups, out] int64, g_idx [in] int32)."""
    w = np.asarray(w, dtype=np.float32)
    out, inputs = w.shape
    g = inputs if group_size == -1 else group_size
    assert inputs % g == 0, (inputs, g)
    groups = inputs // g
    maxq = 2 ** bits - 1
    order = np.arange(inputs) if order is None else np.asarray(order)
    wp = w[:, order].reshape(out, groups, g)
    # Zero points and codes come from the f32 scale, as the tools compute them; the scale is stored
    # as f16 (and the twin dequantizes with the stored value). Zero points stay within the code range.
    if awq:
        lo, hi = wp.min(-1), wp.max(-1)
        scale = np.maximum(hi - lo, 1e-5) / maxq
        zero = np.clip(-np.round(lo / scale), 0, maxq)
    else:
        lo, hi = np.minimum(wp.min(-1), 0), np.maximum(wp.max(-1), 0)
        if sym:
            hi = np.maximum(np.abs(lo), hi)
            lo = np.where(lo < 0, -hi, lo)
        empty = (lo == 0) & (hi == 0)
        lo, hi = np.where(empty, -1.0, lo), np.where(empty, 1.0, hi)
        scale = (hi - lo) / maxq
        zero = np.full_like(scale, (maxq + 1) // 2) if sym else np.clip(np.round(-lo / scale), 0, maxq)
    codes_p = np.clip(np.round(wp / scale[..., None]) + zero[..., None], 0, maxq).reshape(out, inputs)
    scale = scale.astype(np.float16).astype(np.float32)
    codes = np.empty_like(codes_p)
    codes[:, order] = codes_p
    g_idx = np.empty(inputs, dtype=np.int32)
    g_idx[order] = np.arange(inputs) // g
    return codes.astype(np.int64), np.ascontiguousarray(scale.T), np.ascontiguousarray(zero.T).astype(np.int64), g_idx


def dequantize(codes, scales, zeros, g_idx):
    """W [out, in] f32 = (code - zero[g_idx]) * scale[g_idx], the twin transformers runs."""
    return (codes.astype(np.float32) - zeros[g_idx].T.astype(np.float32)) * scales[g_idx].T


def pack_gptq(codes, scales, zeros, g_idx, bits, v2):
    """The GPTQ tensors of one module, as a dict suffix -> array."""
    out, inputs = codes.shape
    p = 32 // bits
    c = codes.T.reshape(inputs // p, p, out)
    qweight = sum(c[:, j, :] << (bits * j) for j in range(p))
    z = zeros.reshape(zeros.shape[0], out // p, p)
    qzeros = sum(z[:, :, j] << (bits * j) for j in range(p))
    if not v2:
        qzeros = qzeros - V1_ONES[bits]
    return {"qweight": to_int32(qweight), "qzeros": to_int32(qzeros), "scales": scales.astype(np.float16),
            "g_idx": g_idx.astype(np.int32)}


def pack_awq(codes, scales, zeros):
    out, inputs = codes.shape
    c = codes.T.reshape(inputs, out // 8, 8)
    qweight = sum(c[:, :, AWQ_ORDER[k]] << (4 * k) for k in range(8))
    z = zeros.reshape(zeros.shape[0], out // 8, 8)
    qzeros = sum(z[:, :, AWQ_ORDER[k]] << (4 * k) for k in range(8))
    return {"qweight": to_int32(qweight), "qzeros": to_int32(qzeros), "scales": scales.astype(np.float16)}


def gptq_config(bits, group_size, desc_act, sym, v2):
    return {"quant_method": "gptq", "bits": bits, "group_size": group_size, "desc_act": desc_act, "sym": sym,
            "damp_percent": 0.01, "static_groups": False, "true_sequential": True,
            "checkpoint_format": "gptq_v2" if v2 else "gptq", "meta": {"quantizer": ["kernelj-quant-check"]}}


def awq_config(group_size):
    return {"quant_method": "awq", "bits": 4, "group_size": group_size, "zero_point": True, "version": "gemm",
            "backend": "autoawq", "modules_to_not_convert": None}


def random_gptq_module(out, inputs, bits, group_size, rng):
    """Random but well-formed GPTQ v1 tensors of one symmetric module (for speed runs): codes
    uniform, zero point 2^(bits-1) stored minus one, scales 0.004..0.008."""
    p = 32 // bits
    groups = inputs // group_size
    qweight = rng.integers(0, 2 ** 32, size=(inputs // p, out), dtype=np.uint32).view(np.int32)
    stored = (1 << (bits - 1)) - 1
    word = sum(stored << (bits * j) for j in range(p))
    qzeros = np.full((groups, out // p), word, dtype=np.uint32).view(np.int32)
    scales = (rng.random((groups, out), dtype=np.float32) * 0.004 + 0.004).astype(np.float16)
    g_idx = (np.arange(inputs) // group_size).astype(np.int32)
    return {"qweight": qweight, "qzeros": qzeros, "scales": scales, "g_idx": g_idx}
