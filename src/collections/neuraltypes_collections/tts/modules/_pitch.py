"""Fundamental frequency (pitch) for FastPitch targets: YIN per frame, averaged per token.

`yin_pitch` follows de Cheveigné & Kawahara (2002): the cumulative-mean-normalised difference function, an absolute
threshold, the first local minimum below it and parabolic interpolation. Frames are centred every `hop_length`
samples, like the mel frames of `MelConfig(padding="center")`, so frame t of the pitch is frame t of the mel.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def yin_pitch(
    audio: Tensor,
    sample_rate: int,
    hop_length: int = 256,
    frame_length: int = 1024,
    f_min: float = 65.0,
    f_max: float = 2093.0,
    threshold: float = 0.15,
) -> Tensor:
    """Pitch in Hz of each frame of a mono waveform, 0 where unvoiced.

    **Arguments:**

    - `audio`: (time,) samples.
    - `sample_rate`: in Hz.
    - `hop_length`, `frame_length`: framing in samples (frames centred at `t * hop_length`).
    - `f_min`, `f_max`: search range in Hz (FastPitch's defaults: C2 to C7).
    - `threshold`: YIN's absolute threshold on the normalised difference.

    **Returns:** (frame,) float tensor with `1 + time // hop_length` frames.
    """
    tau_max = min(int(sample_rate / f_min), frame_length // 2)
    tau_min = max(2, int(sample_rate / f_max))
    window = frame_length - tau_max
    padded = F.pad(audio[None, None].float(), (frame_length // 2, frame_length // 2), mode="reflect")[0, 0]
    frames = padded.unfold(0, frame_length, hop_length)  # (frame, frame_length)
    n_fft = 2 * frame_length
    spectrum = torch.fft.rfft(frames, n_fft)
    head = torch.fft.rfft(frames[:, :window], n_fft)
    correlation = torch.fft.irfft(spectrum * head.conj(), n_fft)[:, : tau_max + 1]  # r(tau) over the window
    squares = F.pad(frames.pow(2).cumsum(-1), (1, 0))
    energy_at = squares[:, window : window + tau_max + 1] - squares[:, : tau_max + 1]  # sum x[tau .. tau+window)
    difference = (squares[:, window : window + 1] + energy_at - 2 * correlation).clamp(min=0)
    taus = torch.arange(1, tau_max + 1, dtype=difference.dtype)
    cumulative = difference[:, 1:].cumsum(-1) / taus
    normalised = torch.ones_like(difference)
    normalised[:, 1:] = difference[:, 1:] / cumulative.clamp(min=1e-12)

    pitch = torch.zeros(frames.shape[0])
    below = normalised[:, tau_min:tau_max] < threshold
    for i in torch.nonzero(below.any(-1)).flatten().tolist():
        tau = tau_min + int(torch.nonzero(below[i])[0])
        while tau + 1 < tau_max and normalised[i, tau + 1] < normalised[i, tau]:
            tau += 1  # walk down to the local minimum
        a, b, c = normalised[i, tau - 1], normalised[i, tau], normalised[i, tau + 1]
        shift = 0.5 * (a - c) / (a - 2 * b + c) if float(a - 2 * b + c) > 0 else torch.tensor(0.0)
        pitch[i] = sample_rate / (tau + float(shift.clamp(-1, 1)))
    silent = frames.pow(2).mean(-1) < 1e-6
    return pitch.masked_fill(silent, 0.0)


def average_per_token(values: Tensor, durations: Tensor) -> Tensor:
    """Mean of the non-zero frame values of each token (zero where a token has none), as NeMo averages pitch.

    **Arguments:**

    - `values`: (batch, frame) per-frame values (0 = missing, e.g. unvoiced).
    - `durations`: (batch, token) frames per token (their sum may be less than `frame`).

    **Returns:** (batch, token) averages.
    """
    ends = durations.long().cumsum(1)
    starts = ends - durations.long()
    sums = F.pad(values.cumsum(1), (1, 0))
    counts = F.pad((values != 0).to(values.dtype).cumsum(1), (1, 0))
    limit = values.shape[1]
    total = sums.gather(1, ends.clamp(max=limit)) - sums.gather(1, starts.clamp(max=limit))
    count = counts.gather(1, ends.clamp(max=limit)) - counts.gather(1, starts.clamp(max=limit))
    return torch.where(count > 0, total / count.clamp(min=1), torch.zeros_like(total))


__all__ = ["average_per_token", "yin_pitch"]
