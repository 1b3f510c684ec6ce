"""Whisper's packed linear layers: the numbers of `F.linear` (float32 products, sums in another order), for one row
and for many, float16-exact weights and others, with GELU fused or not; a weight changed in place is packed again;
autograd still records. The encoder's attention: the numbers of `F.scaled_dot_product_attention`."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from neuraltypes_collections.asr.whisper._packed import ATTENTION_BLOCK, MANY_ROWS, attention, packed_linear
from torch import nn


def _linear(exact_half: bool) -> nn.Linear:
    torch.manual_seed(0)
    layer = nn.Linear(96, 160)
    if exact_half:
        with torch.no_grad():
            layer.weight.copy_(layer.weight.half().float())
    return layer.requires_grad_(False)


@pytest.mark.parametrize("rows", [1, 3, MANY_ROWS, 300])
@pytest.mark.parametrize("exact_half", [True, False])
@pytest.mark.parametrize("gelu", [False, True])
def test_packed_linear_gives_f_linears_numbers(rows: int, exact_half: bool, gelu: bool) -> None:
    layer = _linear(exact_half)
    x = torch.randn(1, rows, 96)
    expected = F.linear(x, layer.weight, layer.bias)
    expected = F.gelu(expected) if gelu else expected
    found = packed_linear(layer, x, (layer.weight,), (layer.bias,), gelu=gelu)
    assert found.shape == expected.shape and found.dtype == torch.float32
    torch.testing.assert_close(found, expected, rtol=0, atol=1e-5)


def test_a_fused_projection_and_a_missing_bias() -> None:
    layer = _linear(True)
    other = nn.Linear(96, 32, bias=False).requires_grad_(False)
    x = torch.randn(2, 50, 96)
    found = packed_linear(layer, x, (layer.weight, other.weight), (layer.bias, None))
    expected = torch.cat([F.linear(x, layer.weight, layer.bias), F.linear(x, other.weight)], dim=-1)
    torch.testing.assert_close(found, expected, rtol=0, atol=1e-5)


def test_a_weight_changed_in_place_is_packed_again() -> None:
    layer = _linear(True)
    for rows in (1, 300):
        x = torch.randn(rows, 96)
        packed_linear(layer, x, (layer.weight,), (layer.bias,))
        with torch.no_grad():
            layer.weight.mul_(2)
            layer.bias.add_(1)
        found = packed_linear(layer, x, (layer.weight,), (layer.bias,))
        torch.testing.assert_close(found, F.linear(x, layer.weight, layer.bias), rtol=0, atol=1e-5)


def test_autograd_records_through_f_linear() -> None:
    layer = nn.Linear(96, 160)
    x = torch.randn(300, 96)
    packed_linear(layer, x, (layer.weight,), (layer.bias,), gelu=True).sum().backward()
    assert layer.weight.grad is not None and layer.weight.grad.abs().sum() > 0


@pytest.mark.parametrize("steps", [1, ATTENTION_BLOCK, 2 * ATTENTION_BLOCK + 7])
def test_attention_gives_scaled_dot_product_attentions_numbers(steps: int) -> None:
    torch.manual_seed(0)
    fused = torch.randn(2, steps, 3 * 4 * 64)  # (batch, time, q|k|v), viewed as the encoder views it
    query, key, value = fused.view(2, steps, 3, 4, 64).permute(2, 0, 3, 1, 4)
    with torch.inference_mode():
        found = attention(query, key, value)
    expected = F.scaled_dot_product_attention(query, key, value)
    assert found.shape == expected.shape == (2, 4, steps, 64)
    torch.testing.assert_close(found, expected, rtol=0, atol=1e-5)


def test_attention_records_for_autograd() -> None:
    query, key, value = (torch.randn(1, 2, 40, 64, requires_grad=True) for _ in range(3))
    attention(query, key, value).sum().backward()
    assert query.grad is not None and query.grad.abs().sum() > 0
