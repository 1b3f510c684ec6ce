"""Reading audio files: soundfile for wav/flac/ogg, mono mix-down, resampling with torchaudio.

Documented handling of awkward audio (also in `docs/asr.md`):

- a missing file raises `FileNotFoundError` naming it; an unreadable one raises `AudioError` with soundfile's reason;
- an empty file (or an empty `offset`/`duration` window) raises `AudioError`;
- NaN or infinite samples raise `AudioError` (they would poison the per-feature normalisation of the whole batch);
- silence is valid audio: it is read as zeros and transcribes to `""`;
- a sample rate other than the requested one is resampled (torchaudio's band-limited sinc), never rejected;
- multi-channel audio is averaged to mono.
"""

from __future__ import annotations

import os
from typing import cast

import torch
from torch import Tensor

__all__ = ["AudioError", "check_audio", "read_audio", "resample"]


class AudioError(ValueError):
    """Audio that cannot be used: empty, non-finite, or unreadable. The message names the source."""


def resample(audio: Tensor, orig_sample_rate: int, new_sample_rate: int) -> Tensor:
    """Resample the last axis from `orig_sample_rate` to `new_sample_rate` Hz (no-op when equal)."""
    if orig_sample_rate == new_sample_rate:
        return audio
    if orig_sample_rate <= 0 or new_sample_rate <= 0:
        raise ValueError(f"resample: sample rates must be positive, got {orig_sample_rate} -> {new_sample_rate}")
    import torchaudio.functional  # type: ignore[import-untyped]

    return cast(Tensor, torchaudio.functional.resample(audio, orig_sample_rate, new_sample_rate))


def check_audio(audio: Tensor, source: str) -> Tensor:
    """Raise `AudioError` for empty or non-finite audio; return it unchanged otherwise."""
    if audio.numel() == 0:
        raise AudioError(f"{source}: the audio is empty (0 samples)")
    bad = (~torch.isfinite(audio)).sum().item()
    if bad:
        raise AudioError(
            f"{source}: {bad} of {audio.numel()} samples are NaN or infinite "
            "(hint: the file is corrupt, or an upstream step divided by zero)"
        )
    return audio


def read_audio(
    path: str | os.PathLike[str],
    sample_rate: int | None = None,
    *,
    offset_s: float = 0.0,
    duration_s: float | None = None,
) -> tuple[Tensor, int]:
    """Read a wav/flac/ogg file as mono float32 samples in [-1, 1].

    **Arguments:**

    - `path`: the file.
    - `sample_rate`: resample to this rate in Hz; `None` keeps the file's rate.
    - `offset_s`, `duration_s`: read only this window, in seconds (a manifest's `offset`/`duration`).

    **Returns:** `(samples, sample_rate)`: a 1-D float32 tensor and its rate.
    """
    import soundfile  # type: ignore[import-untyped]

    source = os.fspath(path)
    if not os.path.isfile(source):
        raise FileNotFoundError(f"audio file {source!r} does not exist")
    try:
        with soundfile.SoundFile(source) as handle:
            file_rate = handle.samplerate
            start = int(round(offset_s * file_rate))
            frames = -1 if duration_s is None else int(round(duration_s * file_rate))
            if start:
                handle.seek(min(start, handle.frames))
            data = handle.read(frames=frames, dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as error:
        raise AudioError(f"{source}: cannot read audio ({error})") from error
    audio = torch.from_numpy(data).mean(dim=1) if data.shape[1] > 1 else torch.from_numpy(data[:, 0].copy())
    check_audio(audio, source)
    if sample_rate is not None and sample_rate != file_rate:
        audio = resample(audio, file_rate, sample_rate)
        file_rate = sample_rate
    return audio, file_rate
