"""The monotonic rational-quadratic spline of neural spline flows (Durkan et al., 2019), inverted: the coupling
transform of VITS's stochastic duration predictor. A pure function, shared by nothing else yet."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor


def spline_inverse(
    inputs: Tensor, widths: Tensor, heights: Tensor, derivatives: Tensor, bound: float
) -> Tensor:
    """Inverse of a monotonic rational-quadratic spline on ``[-bound, bound]``, identity outside (linear tails).

    `widths`, `heights` are unnormalised bin logits ``(..., bins)``, `derivatives` the inner knots' ``(..., bins - 1)``;
    the minimum bin size and slope are 1e-3, as in the neural spline flows of Durkan et al. (2019).
    """
    minimum = 1e-3
    bins = widths.shape[-1]
    edge = math.log(math.expm1(1 - minimum))  # softplus(edge) + minimum == 1: slope 1 at the tails
    slopes = minimum + F.softplus(F.pad(derivatives, (1, 1), value=edge))

    def knots(logits: Tensor) -> tuple[Tensor, Tensor]:
        sizes = minimum + (1 - minimum * bins) * F.softmax(logits, dim=-1)
        cumulative = F.pad(torch.cumsum(sizes, dim=-1), (1, 0)) * 2 * bound - bound
        cumulative = torch.cat([cumulative[..., :1].clamp(-bound, -bound), cumulative[..., 1:-1],
                                cumulative[..., -1:].clamp(bound, bound)], dim=-1)  # fmt: skip
        return cumulative, cumulative[..., 1:] - cumulative[..., :-1]

    cum_widths, bin_widths = knots(widths)
    cum_heights, bin_heights = knots(heights)
    inside = (inputs >= -bound) & (inputs <= bound)
    y = inputs.clamp(-bound, bound)
    last = torch.cat([cum_heights[..., :-1], cum_heights[..., -1:] + 1e-6], dim=-1)
    index = ((y[..., None] >= last).sum(dim=-1) - 1).clamp(0, bins - 1)[..., None]

    def at(values: Tensor) -> Tensor:
        return values.gather(-1, index)[..., 0]

    x0, w, y0, h = at(cum_widths), at(bin_widths), at(cum_heights), at(bin_heights)
    delta = h / w
    d0, d1 = at(slopes[..., :-1]), at(slopes[..., 1:])
    shifted = y - y0
    a = shifted * (d0 + d1 - 2 * delta) + h * (delta - d0)
    b = h * d0 - shifted * (d0 + d1 - 2 * delta)
    c = -delta * shifted
    root = (2 * c) / (-b - torch.sqrt((b.pow(2) - 4 * a * c).clamp(min=0)))
    return torch.where(inside, root * w + x0, inputs)


__all__ = ["spline_inverse"]
