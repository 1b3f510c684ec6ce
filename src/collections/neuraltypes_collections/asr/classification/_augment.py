"""NeMo's augmentations for speech commands: time shift and white noise on the waveform, crop-or-pad on features.

The waveform ones are NeMo's `ShiftPerturbation` and `WhiteNoisePerturbation` (the MatchboxNet recipe: shift by
up to +-5 ms, noise at -90..-46 dBFS), applied per clip in the data set; `crop_or_pad` is NeMo's
`CropOrPadSpectrogramAugmentation`, applied by the model to its features.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import torch
from torch import Tensor

from ...common._errors import ConfigError

__all__ = ["CommandAugmentConfig", "augment_clip", "crop_or_pad", "time_shift", "white_noise"]


@dataclass(frozen=True)
class CommandAugmentConfig:
    """Waveform augmentation of the MatchboxNet recipe (NeMo's defaults).

    **Arguments:**

    - `shift_probability`: chance of shifting a clip in time.
    - `min_shift_ms`, `max_shift_ms`: the shift is drawn uniformly from this range, in milliseconds (negative:
      the audio moves right, zeros enter at the start; positive: it moves left, zeros enter at the end).
    - `noise_probability`: chance of adding white noise to a clip.
    - `min_noise_db`, `max_noise_db`: the noise level in dB relative to full scale, an integer drawn uniformly
      from this range (inclusive).
    """

    shift_probability: float = 1.0
    min_shift_ms: float = -5.0
    max_shift_ms: float = 5.0
    noise_probability: float = 1.0
    min_noise_db: int = -90
    max_noise_db: int = -46

    def __post_init__(self) -> None:
        problems = []
        for name in ("shift_probability", "noise_probability"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                problems.append(f"{name} must be in [0, 1], got {getattr(self, name)}")
        if self.min_shift_ms > self.max_shift_ms:
            problems.append(f"min_shift_ms ({self.min_shift_ms}) must be <= max_shift_ms ({self.max_shift_ms})")
        if self.min_noise_db > self.max_noise_db:
            problems.append(f"min_noise_db ({self.min_noise_db}) must be <= max_noise_db ({self.max_noise_db})")
        if problems:
            raise ConfigError("CommandAugmentConfig: " + "; ".join(problems))


def time_shift(audio: Tensor, shift_ms: float, sample_rate: int) -> Tensor:
    """Shift a clip `(time,)` by `shift_ms` milliseconds, keeping its length (NeMo's `ShiftPerturbation`).

    A positive shift moves the audio earlier (its start is lost, zeros fill the end); a negative one moves it
    later. A shift longer than the clip leaves it unchanged, as in NeMo.

    >>> time_shift(torch.arange(1.0, 6.0), 0.125, 16000).tolist()
    [3.0, 4.0, 5.0, 0.0, 0.0]
    """
    if abs(shift_ms) / 1000.0 > audio.shape[-1] / sample_rate:
        return audio
    samples = int(shift_ms * sample_rate // 1000)
    if samples == 0:
        return audio
    out = torch.zeros_like(audio)
    if samples > 0:
        out[..., :-samples] = audio[..., samples:]
    else:
        out[..., -samples:] = audio[..., :samples]
    return out


def white_noise(audio: Tensor, level_db: float, generator: torch.Generator | None = None) -> Tensor:
    """Add Gaussian noise of standard deviation `10 ** (level_db / 20)` (NeMo's `WhiteNoisePerturbation`)."""
    noise = torch.randn(audio.shape, generator=generator, dtype=torch.float32)
    noisy: Tensor = audio + noise.to(audio.dtype) * (10.0 ** (level_db / 20.0))
    return noisy


def augment_clip(audio: Tensor, config: CommandAugmentConfig, sample_rate: int, rng: random.Random) -> Tensor:
    """Apply the time shift and the white noise to one clip `(time,)` as `config` says (shift first, as NeMo)."""
    if config.shift_probability > 0 and rng.random() < config.shift_probability:
        audio = time_shift(audio, rng.uniform(config.min_shift_ms, config.max_shift_ms), sample_rate)
    if config.noise_probability > 0 and rng.random() < config.noise_probability:
        generator = torch.Generator().manual_seed(rng.randrange(2**31))
        audio = white_noise(audio, rng.randint(config.min_noise_db, config.max_noise_db), generator)
    return audio


def crop_or_pad(
    features: Tensor,
    lengths: Tensor,
    frames: int,
    *,
    random_crop: bool,
    generator: torch.Generator | None = None,
) -> tuple[Tensor, Tensor]:
    """Make the frame axis exactly `frames` long (NeMo's `CropOrPadSpectrogramAugmentation`).

    A batch shorter than `frames` is zero-padded symmetrically (the extra frame on the right); a longer one is
    cropped per clip, at a random offset when `random_crop` (NeMo, always) or at the centre otherwise (our eval
    mode, deterministic). Every length becomes `frames`, as in NeMo.

    **Arguments:**

    - `features`: `(batch, feature, frame)`.
    - `lengths`: valid frames per clip (replaced by `frames`).
    - `frames`: the target number of frames.
    - `random_crop`, `generator`: how crop offsets are drawn.

    **Returns:** `(features, lengths)` with `features.shape[-1] == frames`.
    """
    total = features.shape[-1]
    if total > frames:
        span = total - frames + 1
        if random_crop:
            offsets = torch.randint(0, span, (features.shape[0],), generator=generator).tolist()
        else:
            offsets = [(total - frames) // 2] * features.shape[0]
        features = torch.stack([clip[:, start : start + frames] for clip, start in zip(features, offsets, strict=True)])
    elif total < frames:
        left = (frames - total) // 2
        features = torch.nn.functional.pad(features, (left, frames - total - left))
    return features, torch.full_like(lengths, frames)
