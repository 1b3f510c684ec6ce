"""Training data for the classifiers: manifest entries with a `label`, NeMo's augmentation, and the collate."""

from __future__ import annotations

import random
from collections.abc import Sequence

import torch
from torch import Tensor

from ...common._audio import read_audio
from ...common._errors import ManifestError
from .._manifest import ManifestEntry
from ._augment import CommandAugmentConfig, augment_clip

__all__ = ["LabeledAudioDataset", "collate_audio_labels"]


class LabeledAudioDataset(torch.utils.data.Dataset[tuple[Tensor, int]]):
    """Manifest entries as `(audio, label_id)` pairs, read (and resampled) on access.

    **Arguments:**

    - `entries`: from `read_manifest(..., require_text=False)`; each needs a `label` key (NeMo's manifest format
      for speech commands and VAD segments); `offset`/`duration` select a window of the file.
    - `labels`: the model's labels; an entry whose label is not among them raises `ManifestError`.
    - `sample_rate`: the model's rate in Hz.
    - `augment`: NeMo's time shift and white noise, drawn anew at every access, or `None`.
    - `seed`: seed of the augmentation's draws.
    - `cache`: keep decoded audio in memory (small corpora).
    """

    def __init__(
        self,
        entries: Sequence[ManifestEntry],
        labels: Sequence[str],
        sample_rate: int,
        *,
        augment: CommandAugmentConfig | None = None,
        seed: int = 0,
        cache: bool = False,
    ) -> None:
        self.entries = list(entries)
        self.labels = tuple(labels)
        self.sample_rate = sample_rate
        self.augment = augment
        self._rng = random.Random(seed)
        self._cache: dict[int, Tensor] | None = {} if cache else None
        index = {label: i for i, label in enumerate(self.labels)}
        self.targets: list[int] = []
        for entry in self.entries:
            label = entry.extra.get("label")
            if label is None:
                raise ManifestError(f"LabeledAudioDataset: manifest line {entry.line} has no 'label'")
            if str(label) not in index:
                raise ManifestError(
                    f"LabeledAudioDataset: manifest line {entry.line} has label {label!r}, which is not one of the "
                    f"model's labels {list(self.labels)}"
                )
            self.targets.append(index[str(label)])

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, index: int) -> tuple[Tensor, int]:
        audio = self._cache.get(index) if self._cache is not None else None
        if audio is None:
            entry = self.entries[index]
            audio, _ = read_audio(entry.audio_filepath, self.sample_rate, offset_s=entry.offset, duration_s=entry.duration)
            if self._cache is not None:
                self._cache[index] = audio
        if self.augment is not None:
            audio = augment_clip(audio, self.augment, self.sample_rate, self._rng)
        return audio, self.targets[index]


def collate_audio_labels(batch: Sequence[tuple[Tensor, int]]) -> tuple[Tensor, Tensor, Tensor]:
    """Zero-pad a list of `(audio, label_id)` into `(audio, audio_lengths, label_ids)`."""
    lengths = torch.tensor([audio.shape[0] for audio, _ in batch], dtype=torch.long)
    audio = torch.zeros(len(batch), int(lengths.max()))
    for row, (clip, _) in enumerate(batch):
        audio[row, : clip.shape[0]] = clip
    return audio, lengths, torch.tensor([label for _, label in batch], dtype=torch.long)
