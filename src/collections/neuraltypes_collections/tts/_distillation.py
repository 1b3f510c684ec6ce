"""Distillation data: a VITS teacher speaks sentences, and each utterance becomes a FastPitch training example
whose durations are given (the teacher's own phoneme durations), not aligned.

Per utterance the teacher's phoneme ids (Piper's framing), its frames per id (``hop_length`` samples each), the
HiFi-GAN-preset log-mel of its audio (`MelConfig.hifigan()`: the frames of the durations and of the mel agree
exactly, since VITS writes ``hop_length`` samples per frame) and the pitch averaged over each id's voiced frames
(torchaudio's `detect_pitch_frequency`, normalised-cross-correlation, with a loudness gate for voicing) are kept.

Reads top to bottom: the utterance, how the teacher makes one, pitch per id, the cache on disk, training examples.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import torch
from torch import Tensor

from ..common._archive import atomic_output
from ..common._errors import InputError
from ..common._mel import MelConfig, MelFrontEnd
from ._data import TTSExample
from .modules._pitch import average_per_token

#: The pitch range searched (Hz): wide enough for adult voices.
PITCH_LOW_HZ, PITCH_HIGH_HZ = 65.0, 400.0
#: A frame quieter than the utterance's loudest by more than this (mean natural-log mel) counts as unvoiced.
VOICING_GATE = 5.0


class DistilledUtterance(NamedTuple):
    """One sentence spoken by the teacher.

    - `text`: what was spoken.
    - `ids`: ``(token,)`` int64, the teacher's phoneme ids (BOS, each phoneme followed by PAD, EOS; per sentence).
    - `durations`: ``(token,)`` int64 frames per id; they sum to the mel's frames.
    - `mel`: ``(mel, frame)`` float16 log-mel (`MelConfig.hifigan()`).
    - `pitch`: ``(token,)`` float32 Hz, the mean over each id's voiced frames; 0 when it has none.
    - `length_scale`: the teacher's pace (> 1 is slower).
    """

    text: str
    ids: Tensor
    durations: Tensor
    mel: Tensor
    pitch: Tensor
    length_scale: float


def load_teacher(reference: str | os.PathLike[str]) -> Any:
    """The VITS teacher a name or path gives: a Piper ``.onnx`` voice (imported), an archive or a registry name.

    **Raises:** `InputError` when it holds another kind of model.
    """
    from ..common._pretrained import model_from_reference
    from .models._vits import VitsModel

    text = os.fspath(reference)
    teacher = VitsModel.from_piper(text) if text.endswith(".onnx") else model_from_reference(text)
    if not isinstance(teacher, VitsModel):
        raise InputError(f"{text}: a teacher must be a VITS voice, this is a {type(teacher).__name__}", source=text)
    return teacher


def distil_utterance(teacher: Any, text: str, length_scale: float, front_end: MelFrontEnd) -> DistilledUtterance:
    """The teacher (a `VitsModel`) speaks `text` at `length_scale`; its audio becomes log-mel and pitch targets.

    **Raises:** `InputError` when the teacher's frames and the mel's disagree (a front end with another hop).
    """
    spoken = teacher.speak(text, length_scale=length_scale)
    audio = spoken.audio.float()
    mel, frames = front_end(audio[None], torch.tensor([audio.shape[-1]]))
    n_frames = int(frames[0])
    durations = spoken.durations.long()
    if int(durations.sum()) != n_frames:
        raise InputError(
            f"distil_utterance: the teacher's durations sum to {int(durations.sum())} frames, its audio has "
            f"{n_frames} frames of the front end (hop {front_end.config.hop_length}); use the teacher's hop",
            source=text,
        )
    mel = mel[0, :, :n_frames]
    pitch = token_pitch_hz(audio, mel, durations, front_end.config)
    return DistilledUtterance(text, spoken.ids.long(), durations, mel.half(), pitch, float(length_scale))


def frame_pitch_hz(audio: Tensor, mel: Tensor, config: MelConfig) -> Tensor:
    """Pitch (Hz) of each mel frame, 0 where the frame is unvoiced: torchaudio's `detect_pitch_frequency` at the
    mel's hop, put on the mel's frames by nearest neighbour, gated by loudness (`VOICING_GATE`)."""
    import torchaudio.functional  # type: ignore[import-untyped]  # ships no type hints

    n_frames = mel.shape[-1]
    tracked: Tensor = torchaudio.functional.detect_pitch_frequency(
        audio[None], config.sample_rate, frame_time=config.hop_length / config.sample_rate,
        freq_low=int(PITCH_LOW_HZ), freq_high=int(PITCH_HIGH_HZ),
    )[0]  # fmt: skip
    index = (torch.arange(n_frames) * tracked.shape[-1] // max(n_frames, 1)).clamp(max=tracked.shape[-1] - 1)
    pitch = tracked[index]
    loudness = mel.float().mean(dim=0)
    voiced = (loudness > loudness.max() - VOICING_GATE) & (pitch >= PITCH_LOW_HZ) & (pitch <= PITCH_HIGH_HZ)
    return torch.where(voiced, pitch, torch.zeros_like(pitch))


def token_pitch_hz(audio: Tensor, mel: Tensor, durations: Tensor, config: MelConfig) -> Tensor:
    """The mean pitch (Hz) of each token's voiced frames (0 for a token without one): `average_per_token`, the
    average FastPitch's training takes."""
    return average_per_token(frame_pitch_hz(audio, mel, config)[None], durations[None])[0]


# the cache: one file per utterance, named by its number ------------------------------------------------------


def utterance_path(directory: str | os.PathLike[str], number: int) -> Path:
    """Where utterance `number` of a distillation run is kept."""
    return Path(directory) / f"{number:06d}.pt"


def save_utterance(path: str | os.PathLike[str], utterance: DistilledUtterance) -> None:
    """Write one utterance atomically (an interrupted run leaves no half file: the run resumes where it stopped)."""
    with atomic_output(path, durable=False) as stream:
        torch.save(utterance._asdict(), stream)


def load_utterance(path: str | os.PathLike[str]) -> DistilledUtterance:
    """Read back what `save_utterance` wrote."""
    fields = torch.load(path, map_location="cpu", weights_only=True)
    return DistilledUtterance(**fields)


def iter_utterances(directory: str | os.PathLike[str]) -> Iterator[DistilledUtterance]:
    """The utterances of a distillation cache, in their order."""
    for path in sorted(Path(directory).glob("[0-9]*.pt")):
        yield load_utterance(path)


def distilled_examples(utterances: Sequence[DistilledUtterance], pad_id: int | None = None) -> list[TTSExample]:
    """Training examples (`TTSExample`) from distilled utterances: the ids, the given durations, the mel in float32,
    and each token's pitch spread over its frames (so that FastPitch's per-token average gives it back).

    `pad_id`: the FastPitch vocabulary's padding id, which must not be one of the teacher's ids.
    """
    examples = []
    for u in utterances:
        if pad_id is not None and bool((u.ids == pad_id).any()):
            raise InputError(f"distilled_examples: {u.text!r} uses the padding id {pad_id}", source=u.text)
        frame_pitch = torch.repeat_interleave(u.pitch.float(), u.durations)
        examples.append(TTSExample(u.ids, u.durations, frame_pitch, u.mel.float()))
    return examples


__all__ = [
    "DistilledUtterance",
    "distil_utterance",
    "distilled_examples",
    "frame_pitch_hz",
    "iter_utterances",
    "load_teacher",
    "load_utterance",
    "save_utterance",
    "token_pitch_hz",
    "utterance_path",
]
