"""Griffin-Lim phase reconstruction from a log-mel spectrogram (the non-neural fallback vocoder)."""

from __future__ import annotations

import math

import torch
from torch import Tensor


def mel_to_linear(mel: Tensor, filterbank: Tensor) -> Tensor:
    """Non-negative least-squares-like inverse of a mel filterbank (pseudo-inverse, clamped at zero).

    **Arguments:**

    - `mel`: linear-amplitude mel spectrogram, (batch, mel, frame).
    - `filterbank`: (mel, freq) matrix that produced it.

    **Returns:** (batch, freq, frame) magnitudes.
    """
    inverse = torch.linalg.pinv(filterbank.double()).to(mel.dtype)
    return torch.clamp(inverse @ mel, min=0.0)


def griffin_lim(
    magnitude: Tensor,
    n_fft: int,
    hop_length: int,
    window: Tensor,
    n_iter: int = 32,
    momentum: float = 0.99,
    length: int | None = None,
    seed: int = 0,
) -> Tensor:
    """Fast Griffin-Lim (Perraudin et al., 2013): iterate STFT consistency with momentum.

    **Arguments:**

    - `magnitude`: (batch, freq, frame) STFT magnitudes, `freq = n_fft // 2 + 1`, centred frames.
    - `n_fft`, `hop_length`, `window`: the STFT (window of `n_fft` samples).
    - `n_iter`: iterations; `momentum`: 0 gives plain Griffin-Lim.
    - `length`: output samples (default `(frame - 1) * hop_length`).
    - `seed`: seed of the random initial phase (the result is deterministic).

    **Returns:** (batch, time) waveforms.
    """
    generator = torch.Generator(device="cpu").manual_seed(seed)
    phase = torch.rand(magnitude.shape, generator=generator) * 2 * math.pi
    angles = torch.polar(torch.ones_like(magnitude), phase.to(magnitude.device, magnitude.dtype))
    previous = torch.zeros_like(angles)
    samples = length if length is not None else (magnitude.shape[-1] - 1) * hop_length
    kwargs = dict(n_fft=n_fft, hop_length=hop_length, win_length=n_fft, window=window, center=True)
    for _ in range(n_iter):
        audio = torch.istft(magnitude * angles, length=samples, **kwargs)  # type: ignore[arg-type]
        rebuilt = torch.stft(audio, return_complex=True, pad_mode="constant", **kwargs)  # type: ignore[arg-type]
        angles = rebuilt - (momentum / (1 + momentum)) * previous
        previous = rebuilt
        angles = angles / angles.abs().clamp(min=1e-16)
    return torch.istft(magnitude * angles, length=samples, **kwargs)  # type: ignore[arg-type]


__all__ = ["griffin_lim", "mel_to_linear"]
