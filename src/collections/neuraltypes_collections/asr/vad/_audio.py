"""Turning what a user passes to `detect_speech` (a path, a tensor, an array) into one mono float waveform."""

from __future__ import annotations

import os
from typing import Union

import numpy as np
import torch
from torch import Tensor

from ._typing import tag_of

AudioInput = Union[str, "os.PathLike[str]", Tensor, np.ndarray]


def read_audio(path: str | os.PathLike[str]) -> tuple[Tensor, int]:
    """Read an audio file with soundfile, averaging channels to mono.

    **Returns** `(waveform, sample_rate)`: a 1-D float32 tensor in [-1, 1] and the file's rate in Hz.
    """
    import soundfile  # type: ignore[import-untyped]

    try:
        data, sample_rate = soundfile.read(os.fspath(path), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as error:
        raise ValueError(
            f"{os.fspath(path)}: cannot read audio ({error}); hint: use WAV, FLAC or OGG."
        ) from None
    return torch.from_numpy(np.ascontiguousarray(data.mean(axis=1))), int(sample_rate)


def as_waveform(audio: AudioInput, sample_rate: int | None, *, function: str) -> tuple[Tensor, int]:
    """A 1-D float waveform and its sample rate, from a path or a `(time,)`/`(1, time)` tensor or array.

    The rate comes from the file, else from `sample_rate`, else from the tensor's neuraltypes tag.
    """
    if isinstance(audio, (str, os.PathLike)):
        waveform, file_rate = read_audio(audio)
        if sample_rate is not None and sample_rate != file_rate:
            raise ValueError(
                f"{function}: sample_rate={sample_rate} was given but {os.fspath(audio)} is {file_rate} Hz; "
                "hint: leave sample_rate out for files."
            )
        return waveform, file_rate
    tensor = torch.from_numpy(np.asarray(audio)) if isinstance(audio, np.ndarray) else audio
    if not isinstance(tensor, Tensor):
        raise TypeError(
            f"{function}: expected a path, a torch.Tensor or a numpy array, got {type(audio).__name__}."
        )
    if tensor.dim() == 2 and tensor.shape[0] == 1:
        tensor = tensor[0]
    if tensor.dim() != 1:
        raise ValueError(
            f"{function}: parameter 'audio' has shape {list(tensor.shape)}; expected one mono waveform (time,); "
            "hint: average the channels, or call the function once per recording."
        )
    if not tensor.is_floating_point():
        raise ValueError(
            f"{function}: parameter 'audio' has dtype {tensor.dtype}; expected floating samples in [-1, 1]; "
            "hint: for int16 PCM use audio.float() / 32768."
        )
    if sample_rate is None:
        sample_rate = _tagged_sample_rate(tensor)
    if sample_rate is None:
        raise ValueError(
            f"{function}: the sample rate of a tensor is unknown; hint: pass sample_rate=16000 (or the real rate)."
        )
    return tensor.float(), int(sample_rate)


def _tagged_sample_rate(tensor: Tensor) -> int | None:
    tag = tag_of(tensor)
    rate = tag.params.get("sample_rate") if tag is not None else None
    return int(rate) if rate is not None else None


__all__ = ["AudioInput", "as_waveform", "read_audio"]
