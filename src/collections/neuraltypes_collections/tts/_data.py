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
from typing import Any, NamedTuple

import torch
from torch import Tensor

from ..common._audio import read_audio, resample
from ..common._errors import InputError, ManifestError
from ..common._mel import MelConfig, MelFrontEnd
from .modules._pitch import yin_pitch


class TTSExample(NamedTuple):
    """One utterance: token ids, per-token durations (frames), per-frame pitch (Hz or normalised, 0 where
    unvoiced) and its log-mel target."""

    tokens: Tensor
    durations: Tensor
    pitch: Tensor
    mel: Tensor


def uniform_durations(num_tokens: int, num_frames: int) -> Tensor:
    """Split `num_frames` over `num_tokens` as evenly as possible (the first tokens get the remainder).

    **Returns:** an int64 tensor of `num_tokens` durations summing to `num_frames`.
    """
    if num_tokens <= 0:
        raise InputError(f"uniform_durations: need at least one token, got {num_tokens}")
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
            raise ManifestError(f"{path}:{number}: not JSON ({error.msg})", source=f"{path}:{number}") from None
        if "audio_filepath" not in entry or "text" not in entry:
            raise ManifestError(
                f"{path}:{number}: an entry needs 'audio_filepath' and 'text', got {sorted(entry)}",
                source=f"{path}:{number}",
            )
        entry["audio_filepath"] = str(base / entry["audio_filepath"])
        entries.append(entry)
    return entries


def make_examples(
    entries: Sequence[dict[str, object]],
    encode: Callable[[str], list[int]],
    front_end: MelFrontEnd,
    durations: Callable[[list[int], int, Tensor], Tensor] | None = None,
    pitch: bool = False,
) -> list[TTSExample]:
    """Turn manifest entries into training examples.

    **Arguments:**

    - `entries`: from `read_manifest` (audio is resampled to the front end's rate).
    - `encode`: text -> token ids (a tokenizer's `encode`, after normalisation if wanted).
    - `front_end`: the mel features the model learns to predict.
    - `durations`: (token ids, number of frames, waveform at the front end's rate) -> per-token frames; default
      `uniform_durations`; `CTCDurations` aligns with a CTC speech recognizer.

    - `pitch`: track the pitch of every frame with YIN (Hz, 0 where unvoiced); otherwise it is zero (flat).

    **Returns:** one `TTSExample` per entry; normalise pitch with `normalize_pitch` before training.
    """
    examples = []
    for entry in entries:
        waveform, _ = read_audio(str(entry["audio_filepath"]), front_end.config.sample_rate)
        audio = waveform[None]
        mel, frames = front_end(audio, torch.tensor([audio.shape[-1]]))
        n_frames = int(frames[0])
        tokens = encode(str(entry["text"]))
        token_durations = (
            durations(tokens, n_frames, audio[0]) if durations is not None else uniform_durations(len(tokens), n_frames)
        )
        if int(token_durations.sum()) != n_frames:
            raise InputError(
                f"{entry['audio_filepath']}: durations sum to {int(token_durations.sum())} frames, the audio has {n_frames}",
                source=str(entry["audio_filepath"]),
            )
        frame_pitch = torch.zeros(n_frames)
        if pitch:
            tracked = yin_pitch(audio[0], front_end.config.sample_rate, front_end.config.hop_length, front_end.config.n_fft)
            frame_pitch[: min(n_frames, tracked.shape[0])] = tracked[:n_frames]
        examples.append(TTSExample(torch.tensor(tokens), token_durations, frame_pitch, mel[0, :, :n_frames]))
    return examples


def pitch_statistics(examples: Sequence[TTSExample]) -> tuple[float, float]:
    """Mean and standard deviation (Hz) of the voiced frames of `examples` (FastPitch's `pitch_mean`/`pitch_std`)."""
    voiced = torch.cat([e.pitch[e.pitch > 0] for e in examples])
    if voiced.numel() < 2:
        raise InputError(
            "pitch_statistics: fewer than two voiced frames; was the pitch tracked (pitch=True)?"
        )
    return float(voiced.mean()), float(voiced.std())


def normalize_pitch(examples: Sequence[TTSExample], mean: float, std: float) -> list[TTSExample]:
    """Examples with voiced pitch as `(hz - mean) / std` and unvoiced frames left at 0 (as NeMo's data sets do)."""
    return [e._replace(pitch=torch.where(e.pitch > 0, (e.pitch - mean) / std, torch.zeros_like(e.pitch))) for e in examples]


def ctc_token_starts(log_probs: Tensor, targets: Sequence[int], blank: int) -> list[int]:
    """First step of each target label in the best CTC alignment (Viterbi forced alignment).

    **Arguments:**

    - `log_probs`: (step, vocab) log-probabilities of one utterance.
    - `targets`: label ids of the transcript (no blanks).
    - `blank`: the blank id.

    **Returns:** one start step per target, non-decreasing.
    """
    import torchaudio.functional  # type: ignore[import-untyped]  # ships no type hints

    if not targets:
        return []
    target = torch.tensor([list(targets)], dtype=torch.int32)
    path, _ = torchaudio.functional.forced_align(log_probs[None].float(), target, blank=blank)
    labels = path[0].tolist()
    starts: list[int] = []
    previous = blank
    for step, label in enumerate(labels):
        if label != blank and label != previous:  # a repeated label continues its token; a blank separates
            starts.append(step)
        previous = label
    return starts[: len(targets)]


class CTCDurations:
    """Token durations from CTC forced alignment with a character speech recognizer.

    Each character token starts at the step where the recognizer's best alignment first emits it; tokens outside
    the recognizer's vocabulary (punctuation, padding spaces) get no frames of their own. Steps are converted to
    spectrogram frames by time.

    **Arguments:**

    - `ctc_model`: a character CTC model of the ASR collection (`CTCModel`).
    - `tokenizer`: the TTS `EnglishCharsTokenizer` (phoneme tokens cannot be aligned with a character recognizer).
    - `features`: the TTS mel features (sample rate and hop).
    """

    def __init__(self, ctc_model: Any, tokenizer: Any, features: MelConfig) -> None:
        from .text._tokenizers import EnglishCharsTokenizer

        if not isinstance(tokenizer, EnglishCharsTokenizer):
            raise InputError("CTCDurations aligns characters: use TextConfig(tokenizer='chars')")
        self.model = ctc_model.eval()
        self.tokens = tokenizer.tokens
        self.features = features
        vocabulary = list(ctc_model.vocabulary)
        self.label_of = {symbol: i for i, symbol in enumerate(vocabulary)}
        self.blank = int(ctc_model.blank_id)

    def __call__(self, tokens: list[int], n_frames: int, audio: Tensor) -> Tensor:
        rate = int(self.model.sample_rate)
        audio = resample(audio, self.features.sample_rate, rate)[None]
        with torch.no_grad():
            out = self.model(audio, torch.tensor([audio.shape[-1]]))
        steps = int(out.encoded_lengths[0])
        log_probs = out.log_probs[0, :steps]
        aligned = [(i, self.label_of[self.tokens[t]]) for i, t in enumerate(tokens) if self.tokens[t] in self.label_of]
        starts = ctc_token_starts(log_probs, [label for _, label in aligned], self.blank)
        seconds_per_step = audio.shape[-1] / rate / steps
        frames_per_second = self.features.sample_rate / self.features.hop_length
        boundaries = [0] * (len(tokens) + 1)
        boundaries[-1] = n_frames
        next_start = n_frames
        start_of = {i: round(s * seconds_per_step * frames_per_second) for (i, _), s in zip(aligned, starts, strict=True)}
        for i in range(len(tokens) - 1, 0, -1):  # a token without a start of its own begins where the next does
            next_start = min(start_of.get(i, next_start), next_start)
            boundaries[i] = next_start
        return torch.tensor([max(0, boundaries[i + 1] - boundaries[i]) for i in range(len(tokens))], dtype=torch.long)


def collate(examples: Sequence[TTSExample], pad_id: int, mel_pad: float = 0.0) -> tuple[Tensor, ...]:
    """Pad a list of examples into `(tokens, durations, pitch, mel, mel_frames)` batch tensors (pitch per frame)."""
    batch = len(examples)
    max_tokens = max(e.tokens.shape[0] for e in examples)
    max_frames = max(e.mel.shape[-1] for e in examples)
    n_mels = examples[0].mel.shape[0]
    tokens = torch.full((batch, max_tokens), pad_id, dtype=torch.long)
    durations = torch.zeros(batch, max_tokens, dtype=torch.long)
    pitch = torch.zeros(batch, max_frames)
    mel = torch.full((batch, n_mels, max_frames), mel_pad)
    frames = torch.zeros(batch, dtype=torch.long)
    for i, e in enumerate(examples):
        n, f = e.tokens.shape[0], e.mel.shape[-1]
        tokens[i, :n], durations[i, :n], pitch[i, :f] = e.tokens, e.durations, e.pitch
        mel[i, :, :f], frames[i] = e.mel, f
    return tokens, durations, pitch, mel, frames


__all__ = [
    "CTCDurations",
    "TTSExample",
    "collate",
    "ctc_token_starts",
    "normalize_pitch",
    "pitch_statistics", "make_examples", "read_manifest", "uniform_durations"]
