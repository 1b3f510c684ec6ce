"""Voice activity detection with MarbleNet: the per-chunk speech probabilities `detect_speech` segments.

A segment-level MarbleNet (`ClassificationModel` with a `speech` label) classifies overlapping windows (NeMo's
0.63 s windows, here every 80 ms), each window scoring the chunk at its centre; a frame-level MarbleNet
(`FrameClassificationModel`) scores every 20 ms step directly. Either way `neuraltypes_collections.asr.vad.
detect_speech` turns the probabilities into segments with the same hysteresis it uses for Silero.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ...common import eval_mode
from ...common._errors import InputError
from ._classifier import ClassificationModel
from ._frame import FrameClassificationModel

__all__ = ["speech_label_index", "window_speech_probs"]

VadModel = ClassificationModel | FrameClassificationModel


def speech_label_index(model: VadModel, speech_label: str | None = None) -> int:
    """Index of the speech class: `speech_label`, else `"speech"` (segment VAD), else the frame model's
    `speech_label`, else the last label."""
    labels = model.labels
    if speech_label is None:
        if isinstance(model, FrameClassificationModel):
            speech_label = model.config.speech_label
        elif "speech" in labels:
            speech_label = "speech"
        else:
            speech_label = labels[-1]
    if speech_label not in labels:
        raise InputError(
            f"speech_label: {speech_label!r} is not one of the model's labels {list(labels)}", source="speech_label"
        )
    return labels.index(speech_label)


def window_speech_probs(
    model: ClassificationModel,
    waveform: Tensor,
    *,
    window_s: float = 0.63,
    shift_s: float = 0.08,
    batch_size: int = 64,
    speech_label: str | None = None,
) -> Tensor:
    """Speech probability of every `shift_s`-second chunk of a 1-D waveform at the model's rate.

    Chunk `k` covers samples `[k * shift, (k + 1) * shift)` and gets the probability of the `window_s`-second
    window centred on it (zero-padded at both ends of the recording).

    **Returns:** a 1-D tensor of `ceil(len(waveform) / shift)` probabilities.
    """
    rate = model.sample_rate
    # a window longer than both the recording and the default only scores zero padding (and can exhaust memory)
    longest = max(waveform.numel(), round(0.63 * rate))
    if not (0 < shift_s <= window_s and window_s * rate <= longest):  # False for nan; inf is over `longest`
        raise InputError(
            f"window_speech_probs: need 0 < shift_s <= window_s <= {longest / rate:g} s (the recording, or 0.63 s), "
            f"got shift_s={shift_s}, window_s={window_s}",
            source="window_s" if not 0 < window_s * rate <= longest else "shift_s",
        )
    window, shift = round(window_s * rate), round(shift_s * rate)
    if not 0 < shift <= window:
        raise InputError(
            f"window_speech_probs: need 0 < shift_s <= window_s, got shift_s={shift_s}, window_s={window_s}",
            source="shift_s",
        )
    chunks = max(1, -(-waveform.numel() // shift))
    left = (window - shift) // 2
    right = (chunks - 1) * shift + window - left - waveform.numel()
    padded = torch.nn.functional.pad(waveform.float(), (left, max(0, right)))
    windows = padded.unfold(0, window, shift)[:chunks]
    index = speech_label_index(model, speech_label)
    device = next(model.parameters()).device
    probs = []
    with eval_mode(model), torch.inference_mode():
        for first in range(0, chunks, batch_size):
            batch = windows[first : first + batch_size].to(device)
            lengths = torch.full((batch.shape[0],), window, dtype=torch.long, device=device)
            probs.append(model(batch, lengths).float().softmax(dim=-1)[:, index].cpu())
    return torch.cat(probs)
