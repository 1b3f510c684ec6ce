"""Training data for spectrogram generators: manifest reading, targets, durations and batching.

Durations come from an aligner. Two are built in: `uniform_durations` (every token gets an equal share of the
frames: crude, but enough to overfit or to warm-start) and externally supplied per-token frame counts (e.g. from
CTC forced alignment with an ASR model).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import torch
from torch import Tensor

from ._audio import read_wav, resample
from .modules._features import MelFrontEnd


class TTSExample(NamedTuple):
    """One utterance: token ids, per-token durations (frames) and normalised pitch, and its log-mel target."""

    tokens: Tensor
    durations: Tensor
    pitch: Tensor
    mel: Tensor


def uniform_durations(num_tokens: int, num_frames: int) -> Tensor:
    """Split `num_frames` over `num_tokens` as evenly as possible (the first tokens get the remainder).

    **Returns:** an int64 tensor of `num_tokens` durations summing to `num_frames`.
    """
    if num_tokens <= 0:
        raise ValueError(f"uniform_durations: need at least one token, got {num_tokens}")
    base, extra = divmod(num_frames, num_tokens)
    durations = torch.full((num_tokens,), base, dtype=torch.long)
    durations[:extra] += 1
    return durations


def read_manifest(path: str | os.PathLike[str]) -> list[dict[str, object]]:
    """Entries of a NeMo-style JSON-lines manifest (`audio_filepath` relative to the manifest, `text`)."""
    entries = []
    base = Path(path).parent
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{number}: not JSON ({error.msg})") from None
        if "audio_filepath" not in entry or "text" not in entry:
            raise ValueError(f"{path}:{number}: an entry needs 'audio_filepath' and 'text', got {sorted(entry)}")
        entry["audio_filepath"] = str(base / entry["audio_filepath"])
        entries.append(entry)
    return entries


def make_examples(
    entries: Sequence[dict[str, object]],
    encode: Callable[[str], list[int]],
    front_end: MelFrontEnd,
    durations: Callable[[list[int], int], Tensor] | None = None,
) -> list[TTSExample]:
    """Turn manifest entries into training examples.

    **Arguments:**

    - `entries`: from `read_manifest` (audio is resampled to the front end's rate).
    - `encode`: text -> token ids (a tokenizer's `encode`, after normalisation if wanted).
    - `front_end`: the mel features the model learns to predict.
    - `durations`: (token ids, number of frames) -> per-token frames; default `uniform_durations`.

    **Returns:** one `TTSExample` per entry (pitch is zero: the flat, normalised mean).
    """
    examples = []
    for entry in entries:
        audio, rate = read_wav(str(entry["audio_filepath"]))
        audio = resample(audio, rate, front_end.config.sample_rate)[None]
        mel, frames = front_end(audio, torch.tensor([audio.shape[-1]]))
        n_frames = int(frames[0])
        tokens = encode(str(entry["text"]))
        token_durations = (
            durations(tokens, n_frames) if durations is not None else uniform_durations(len(tokens), n_frames)
        )
        if int(token_durations.sum()) != n_frames:
            raise ValueError(
                f"{entry['audio_filepath']}: durations sum to {int(token_durations.sum())} frames, the audio has {n_frames}"
            )
        examples.append(TTSExample(torch.tensor(tokens), token_durations, torch.zeros(len(tokens)), mel[0, :, :n_frames]))
    return examples


def collate(examples: Sequence[TTSExample], pad_id: int, mel_pad: float = 0.0) -> tuple[Tensor, ...]:
    """Pad a list of examples into `(tokens, durations, pitch, mel, mel_frames)` batch tensors."""
    batch = len(examples)
    max_tokens = max(e.tokens.shape[0] for e in examples)
    max_frames = max(e.mel.shape[-1] for e in examples)
    n_mels = examples[0].mel.shape[0]
    tokens = torch.full((batch, max_tokens), pad_id, dtype=torch.long)
    durations = torch.zeros(batch, max_tokens, dtype=torch.long)
    pitch = torch.zeros(batch, max_tokens)
    mel = torch.full((batch, n_mels, max_frames), mel_pad)
    frames = torch.zeros(batch, dtype=torch.long)
    for i, e in enumerate(examples):
        n, f = e.tokens.shape[0], e.mel.shape[-1]
        tokens[i, :n], durations[i, :n], pitch[i, :n] = e.tokens, e.durations, e.pitch
        mel[i, :, :f], frames[i] = e.mel, f
    return tokens, durations, pitch, mel, frames


__all__ = ["TTSExample", "collate", "make_examples", "read_manifest", "uniform_durations"]
