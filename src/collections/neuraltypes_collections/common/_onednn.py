"""Whether oneDNN's float32 matmul (`torch.ops.mkldnn._linear_pointwise`) runs in this build of torch: the CPU fast
paths that call it directly (Whisper's packed attention, `asr.whisper._packed`; VITS's time-major convolutions,
`tts.modules._vits`) ask here first and fall back to
`torch.nn.functional.linear` where it does not."""

from __future__ import annotations

from functools import cache

import torch
from torch import Tensor

__all__ = ["onednn_matmul", "onednn_usable"]


@cache
def onednn_matmul() -> bool:
    """Whether this build runs oneDNN's matmul on plain float32 tensors (checked once, by a 2x3 probe)."""
    try:
        probe = torch.ones(2, 3)
        return bool(torch.ops.mkldnn._linear_pointwise(probe, probe, None, "none", [], "").eq(3).all())
    except (AttributeError, RuntimeError):
        return False


def onednn_usable(x: Tensor, *weights: Tensor) -> bool:
    """Whether a oneDNN fast path may take `x` (and `weights`): float32 on the CPU, nothing autograd records (the
    raw op has no backward), and a build whose matmul runs (`onednn_matmul`). Otherwise call the torch function."""
    recorded = torch.is_grad_enabled() and any(t.requires_grad for t in (x, *weights))
    return not recorded and x.device.type == "cpu" and x.dtype == torch.float32 and onednn_matmul()
