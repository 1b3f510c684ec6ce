"""Turning paths, tensors and arrays into mono waveforms at a model's sample rate."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

from neuraltypes import tag_of

from .._audio import read_audio, resample
from ..vad._audio import AudioInput, as_waveform

__all__ = ["AudioInput", "as_batch", "load_waveform"]


def load_waveform(audio: AudioInput, sample_rate: int | None, model_rate: int, *, function: str) -> Tensor:
    """One mono float waveform `(time,)` at `model_rate`, resampled if needed.

    A file is read at its own rate; a tensor's rate is `sample_rate`, else its `AudioSignal` tag's, else the
    model's own.
    """
    if isinstance(audio, (str, os.PathLike)):
        return read_audio(audio, model_rate)[0]  # FileNotFoundError / AudioError name the file
    if sample_rate is None:
        tag = tag_of(audio)
        tagged = tag.params.get("sample_rate") if tag is not None else None
        sample_rate = int(tagged) if tagged is not None else model_rate
    waveform, rate = as_waveform(audio, sample_rate, function=function)
    return resample(waveform, rate, model_rate) if rate != model_rate else waveform


def as_batch(waveforms: Sequence[Tensor]) -> tuple[Tensor, Tensor]:
    """Zero-pad 1-D waveforms into `(audio (batch, time), lengths (batch,))`."""
    lengths = torch.tensor([w.shape[-1] for w in waveforms], dtype=torch.long)
    audio = torch.zeros(len(waveforms), max(int(lengths.max()), 1))
    for row, waveform in enumerate(waveforms):
        audio[row, : waveform.shape[-1]] = waveform
    return audio, lengths


def as_list(inputs: object) -> list[AudioInput]:
    """A single input (a path, a 1-D tensor or array) or a sequence of them, as a list."""
    if isinstance(inputs, (str, os.PathLike)):
        return [inputs]
    if isinstance(inputs, (Tensor, np.ndarray)):
        if inputs.ndim == 2 and inputs.shape[0] > 1:
            return list(inputs)
        return [inputs]
    items: list[AudioInput] = list(inputs)  # type: ignore[call-overload]
    return items
