"""Whisper's linear layers on the CPU through packed weights: float32 numbers, faster kernels.

Two shapes of work, two kernels:

- *Many rows* (the encoder's 1500 steps, the decoder's prompt, the cross-attention keys and values): oneDNN's
  matmul (`torch.ops.mkldnn._linear_pointwise`) on a weight reordered once into its blocked layout, with GELU
  fused when asked. PyTorch's `F.linear` calls MKL, whose single-precision GEMM takes AVX2 code paths on
  non-Intel CPUs; oneDNN dispatches on the instruction set. Measured on the AMD EPYC (AVX-512) of this project's
  machines, one thread, `(1500, 384) x (384, 1536)`: 8.9 ms against 16.7 ms (`benchmarks/whisper_packed.py`,
  2026-12-03). Every product and sum
  is float32; only the order of the sums differs (differences ~1e-5 after a layer, as between two BLAS
  libraries).
- *A few rows* (one token per step): a step multiplies one token's state by every weight of the decoder, so its
  time is the time to read the weights; the tied token projection alone is 80 MB in float32 (51864 x 384 for
  tiny.en). Whisper's released weights are float16 (CTranslate2 stores them so), and fbgemm's
  `fbgemm_linear_fp16_weight` keeps a float16 copy packed in cache-sized panels, converts each weight to float32
  in the kernel and multiplies-adds in float32: every product is the float32 product (a float16 value is exactly
  a float32 one). Measured on one core: the token projection of one token 1.25 ms packed against 5.2 ms through
  `F.linear` (`benchmarks/whisper_packed.py`). A weight that float16 does not hold exactly (trained here, or imported from int8) takes oneDNN
  (a gain that depends on the weight's size: none measured for one 384 x 1536 weight).

The packed copies are made once per weight (on first use; again when the weight is replaced or changed in place)
and live outside the module, so they are never saved, copied or pickled. `F.linear` is kept when autograd
records, off the CPU, for other dtypes, and where a kernel is missing from the build.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from weakref import WeakKeyDictionary

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ...common._onednn import onednn_usable

__all__ = ["attention", "packed_linear"]

#: From this many rows on, a product takes oneDNN's float32 matmul (below: fbgemm's float16-weight kernel).
MANY_ROWS = 32
#: Queries per block of `attention`: a block's scores (300 x 1500 float32, 1.8 MB) stay in the cache.
ATTENTION_BLOCK = 300


@dataclass
class _Packed:
    """One owner's fused weight and bias, and its packed copies (None: not made yet or not possible)."""

    stamp: tuple[int, ...]
    weight: Tensor
    bias: Tensor
    half: Tensor | None
    onednn: Tensor | None = None
    onednn_tried: bool = False


#: Per owner module: its packed weights.
_PACKED: WeakKeyDictionary[nn.Module, _Packed] = WeakKeyDictionary()


def _stamp(tensors: Sequence[Tensor | None]) -> tuple[int, ...]:
    return tuple(n for t in tensors if t is not None for n in (id(t), t.data_ptr(), t._version))


def _pack_half(weight: Tensor) -> Tensor | None:
    """fbgemm's packed float16 copy of `weight`, or None where it would not give float32's products."""
    if weight.device.type != "cpu" or weight.dtype != torch.float32:
        return None
    if not torch.equal(weight.half().float(), weight):
        return None
    try:
        with warnings.catch_warnings():  # deprecated in favour of torchao, which this project does not use
            warnings.simplefilter("ignore")
            packed = torch.fbgemm_pack_gemm_matrix_fp16(weight)
            # the kernel warns once per process: here, where it is silenced, rather than in the decoding loop
            torch.fbgemm_linear_fp16_weight(
                weight.new_zeros(1, weight.shape[1]), packed, weight.new_zeros(weight.shape[0])
            )
            return packed
    except (AttributeError, RuntimeError):  # a build or CPU without fbgemm
        return None


def _pack_onednn(weight: Tensor, bias: Tensor) -> Tensor | None:
    """oneDNN's reordered copy of `weight` (float32), or None where the build has no oneDNN."""
    if weight.device.type != "cpu" or weight.dtype != torch.float32:
        return None
    try:
        packed: Tensor = torch.ops.mkldnn._reorder_linear_weight(weight, None)
        torch.ops.mkldnn._linear_pointwise(weight.new_zeros(2, weight.shape[1]), packed, bias, "none", [], "")
        return packed
    except (AttributeError, RuntimeError):
        return None


def packed_linear(
    owner: nn.Module,
    x: Tensor,
    weights: Sequence[Tensor],
    biases: Sequence[Tensor | None],
    *,
    gelu: bool = False,
) -> Tensor:
    """`F.linear(x, cat(weights), cat(biases))` (a missing bias is zeros) through a packed weight, then
    `F.gelu` (exact, erf) when `gelu`.

    **Arguments:**

    - `owner`: the module whose packed copy this is (the cache's key; one fused weight per owner).
    - `x`: the input `(..., in_features)`.
    - `weights`, `biases`: the weights stacked along the output features (a fused projection), and their biases.
    - `gelu`: apply GELU to the result (fused into oneDNN's matmul where that kernel runs).
    """
    if torch.is_grad_enabled() and any(w.requires_grad for w in weights):
        out = F.linear(x, torch.cat(list(weights)), _bias(weights, biases))
        return F.gelu(out) if gelu else out
    stamp = _stamp([*weights, *biases])
    entry = _PACKED.get(owner)
    if entry is None or entry.stamp != stamp:
        weight = weights[0] if len(weights) == 1 else torch.cat(list(weights))
        entry = _Packed(stamp, weight, _bias(weights, biases), _pack_half(weight))
        _PACKED[owner] = entry
    if x.device.type == "cpu" and x.dtype == torch.float32:
        onednn = entry.half is None or x.numel() >= MANY_ROWS * x.shape[-1]  # fbgemm cannot, or many rows
        if onednn and not entry.onednn_tried:
            entry.onednn, entry.onednn_tried = _pack_onednn(entry.weight, entry.bias), True
        if onednn and entry.onednn is not None:
            return torch.ops.mkldnn._linear_pointwise(  # type: ignore[no-any-return]
                x, entry.onednn, entry.bias, "gelu" if gelu else "none", [], "none" if gelu else ""
            )
        if entry.half is not None:
            out = torch.fbgemm_linear_fp16_weight(x, entry.half, entry.bias)
            return F.gelu(out) if gelu else out
    out = F.linear(x, entry.weight, entry.bias)
    return F.gelu(out) if gelu else out


def _bias(weights: Sequence[Tensor], biases: Sequence[Tensor | None]) -> Tensor:
    return torch.cat(
        [b if b is not None else w.new_zeros(w.shape[0]) for w, b in zip(weights, biases, strict=True)]
    )


def attention(query: Tensor, key: Tensor, value: Tensor) -> Tensor:
    """`F.scaled_dot_product_attention(query, key, value)` without a mask, `(batch, head, time, dim)`; on the CPU in
    float32, through oneDNN's matmul a block of queries at a time: scores, softmax in place, then the values.

    PyTorch's CPU kernel (flash attention) multiplies through MKL, slow on non-Intel CPUs (see the module
    docstring). Measured in CPU time on one thread (AMD EPYC) for the `(1, 6, 1500, 64)` self-attention of a tiny.en
    encoder block: 23.4 ms against 37.4 ms (`benchmarks/whisper_packed.py`). Differences ~4e-7 (the order of the sums). The result is a
    `(batch, head, time, dim)` view of a `(batch, time, head, dim)` tensor, so that merging the heads copies nothing.
    """
    if not onednn_usable(query, key, value):
        return F.scaled_dot_product_attention(query, key, value)
    batch, heads, steps, dim = query.shape
    out = query.new_empty(batch, steps, heads, dim)
    scaled = query * dim**-0.5  # exact for Whisper's heads of 64
    keys = key.contiguous()  # oneDNN reads a strided weight slowly (seconds)
    values = value.transpose(-1, -2).contiguous()  # the second product's weight: (dim, time)
    linear = torch.ops.mkldnn._linear_pointwise
    for row in range(batch):
        for head in range(heads):
            queries, keys_, values_ = scaled[row, head], keys[row, head], values[row, head]
            for first in range(0, steps, ATTENTION_BLOCK):
                block = slice(first, first + ATTENTION_BLOCK)
                scores = linear(queries[block], keys_, None, "none", [], "")
                torch.ops.aten._softmax.out(scores, -1, False, out=scores)
                out[row, block, head] = linear(scores, values_, None, "none", [], "")
    return out.transpose(1, 2)
