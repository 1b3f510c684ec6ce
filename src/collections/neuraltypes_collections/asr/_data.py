"""Training data: a manifest-backed audio/text dataset, waveform augmentation, and the padding collate."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import torch
from torch import Tensor

import neuraltypes as nt

from ..common._audio import read_audio
from ..common._errors import ConfigError, ManifestError
from ._manifest import ManifestEntry

__all__ = ["AudioAugmentConfig", "AudioTextDataset", "augment_waveform", "collate_audio_text"]


@dataclass(frozen=True)
class AudioAugmentConfig:
    """Waveform augmentation applied per clip while training.

    **Arguments:**

    - `speed_factors`: speed perturbation: a factor drawn uniformly from this list resamples the clip
      (1.1 = 10 % faster and higher, as Kaldi/NeMo speed perturbation). Empty: off.
    - `noise_probability`: chance of adding white noise to a clip.
    - `noise_snr_db`: the signal-to-noise ratio range in dB the noise is drawn at.
    """

    speed_factors: tuple[float, ...] = ()
    noise_probability: float = 0.0
    noise_snr_db: tuple[float, float] = (10.0, 40.0)

    def __post_init__(self) -> None:
        if any(f <= 0 for f in self.speed_factors):
            raise ConfigError(f"AudioAugmentConfig: speed factors must be positive, got {self.speed_factors}")
        if not 0.0 <= self.noise_probability <= 1.0:
            raise ConfigError(f"AudioAugmentConfig: noise_probability must be in [0, 1], got {self.noise_probability}")
        low, high = self.noise_snr_db
        if low > high:
            raise ConfigError(f"AudioAugmentConfig: noise_snr_db must be (low, high), got {self.noise_snr_db}")


def augment_waveform(audio: Tensor, config: AudioAugmentConfig, rng: random.Random) -> Tensor:
    """Apply speed perturbation and additive noise to one clip `(time,)` as `config` says; the clip's
    ``AudioSignal`` tag (its sample rate) is kept."""
    meaning = nt.tag_of(audio)
    if config.speed_factors:
        factor = rng.choice(config.speed_factors)
        if factor != 1.0:  # a speed change at the same rate, so torchaudio's resample and not the tagging one
            import torchaudio.functional  # type: ignore[import-untyped]  # ships no type hints

            ratio = round(factor * 100)
            divisor = math.gcd(ratio, 100)
            audio = cast(Tensor, torchaudio.functional.resample(audio, ratio // divisor, 100 // divisor))
    if config.noise_probability > 0 and rng.random() < config.noise_probability:
        snr_db = rng.uniform(*config.noise_snr_db)
        power = audio.pow(2).mean().clamp(min=1e-10)
        noise_power = power / (10.0 ** (snr_db / 10.0))
        generator = torch.Generator().manual_seed(rng.randrange(2**31))
        audio = audio + torch.randn(audio.shape, generator=generator) * noise_power.sqrt()
    return nt.tag(audio, meaning) if meaning is not None else audio


class AudioTextDataset(torch.utils.data.Dataset[tuple[Tensor, Tensor]]):
    """Manifest entries as `(audio, token_ids)` pairs, read (and resampled) on access.

    **Arguments:**

    - `entries`: from `read_manifest`; each needs `text`.
    - `tokenizer`: a `CharTokenizer` or `BPETokenizer`.
    - `sample_rate`: the model's rate in Hz.
    - `augment`: waveform augmentation, or `None`.
    - `seed`: seed of the augmentation's random draws.
    - `cache`: keep decoded audio in memory (small corpora; augmentation still runs on each access).
    """

    def __init__(
        self,
        entries: Sequence[ManifestEntry],
        tokenizer: object,
        sample_rate: int,
        *,
        augment: AudioAugmentConfig | None = None,
        seed: int = 0,
        cache: bool = False,
    ) -> None:
        missing = [e.line for e in entries if e.text is None]
        if missing:
            raise ManifestError(f"AudioTextDataset: entries on manifest lines {missing[:5]} have no text")
        self.entries = list(entries)
        self.tokenizer = tokenizer
        self.sample_rate = sample_rate
        self.augment = augment
        self._rng = random.Random(seed)
        self._cache: dict[int, Tensor] | None = {} if cache else None

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor]:
        entry = self.entries[index]
        audio = self._cache.get(index) if self._cache is not None else None
        if audio is None:
            audio, _ = read_audio(entry.audio_filepath, self.sample_rate, offset_s=entry.offset, duration_s=entry.duration)
            if self._cache is not None:
                self._cache[index] = audio
        if self.augment is not None:
            audio = augment_waveform(audio, self.augment, self._rng)
        tokens = torch.tensor(self.tokenizer.encode(entry.text or ""), dtype=torch.long)  # type: ignore[attr-defined]
        return audio, tokens


def collate_audio_text(batch: Sequence[tuple[Tensor, Tensor]]) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Pad a list of `(audio, tokens)` into `(audio, audio_lengths, tokens, token_lengths)` (zero padding)."""
    audio_lengths = torch.tensor([a.shape[0] for a, _ in batch], dtype=torch.long)
    token_lengths = torch.tensor([t.shape[0] for _, t in batch], dtype=torch.long)
    audio = torch.zeros(len(batch), int(audio_lengths.max()))
    tokens = torch.zeros(len(batch), max(int(token_lengths.max()), 1), dtype=torch.long)
    for row, (a, t) in enumerate(batch):
        audio[row, : a.shape[0]] = a
        tokens[row, : t.shape[0]] = t
    return audio, audio_lengths, tokens, token_lengths
