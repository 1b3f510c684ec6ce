"""Whether oneDNN's float32 matmul (`torch.ops.mkldnn._linear_pointwise`) runs in this build of torch: the CPU fast
paths that call it directly (Whisper's packed attention, `asr.whisper._packed`) ask here first and fall back to
`torch.nn.functional.linear` where it does not."""

from __future__ import annotations

from functools import cache

import torch

__all__ = ["onednn_matmul"]


@cache
def onednn_matmul() -> bool:
    """Whether this build runs oneDNN's matmul on plain float32 tensors (checked once, by a 2x3 probe)."""
    try:
        probe = torch.ones(2, 3)
        return bool(torch.ops.mkldnn._linear_pointwise(probe, probe, None, "none", [], "").eq(3).all())
    except (AttributeError, RuntimeError):
        return False
