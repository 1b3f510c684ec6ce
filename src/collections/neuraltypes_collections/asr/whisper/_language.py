"""Languages of multilingual Whisper: the language tokens, language detection, and the start of a transcription.

A multilingual Whisper starts every window with ``<|startoftranscript|>``, a language token (``<|fr|>``) and a task
token (``<|transcribe|>``, or ``<|translate|>`` for English text from speech in another language); an English-only
model starts with ``<|startoftranscript|>`` alone.

Detection is faster-whisper's (`WhisperModel.detect_language` with its defaults, which CTranslate2 computes): the
first 30 s of a recording are encoded (the features of the whole recording cut to one window, padded with zeros,
so that a short clip keeps its last frame), the decoder scores the token after ``<|startoftranscript|>``, and the
softmax over the language tokens alone (`config.json`'s `lang_ids`) gives each language's probability; the most
probable language is taken. An English-only model reports ``"en"`` with probability 1, as does a language given by
the caller.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Unpack, overload

import torch
import torch.nn.functional as F
from torch import Tensor

from ...common._audio import AudioInput
from ...common._errors import InputError
from ...common._model import eval_mode
from ...common._verbs import AudioVerbOptions, audio_call, resolve_model
from ._decoding import DecodedWindow, DecodingTask, decode_with_fallback
from ._modules import WhisperDecoder
from ._tokenizer import WhisperTokenizer

if TYPE_CHECKING:
    from ._model import WhisperModel

__all__ = [
    "TASKS",
    "DetectedLanguage",
    "StartChoice",
    "check_language",
    "choose_starts",
    "decode_by_prompt",
    "detect_language",
    "language_codes",
    "language_probabilities",
]

#: What a multilingual Whisper can be asked to do: write the speech down, or write it in English.
TASKS = ("transcribe", "translate")


@dataclass(frozen=True)
class DetectedLanguage:
    """The language a Whisper model hears in a recording.

    **Attributes:**

    - `language`: the most probable language's code (``"fr"``).
    - `probability`: its probability, between 0 and 1.
    - `probabilities`: every language the model knows with its probability, the most probable first.
    """

    language: str
    probability: float
    probabilities: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class StartChoice:
    """How one recording's windows start: the start sequence, its language and the language's probability."""

    start: tuple[int, ...]
    language: str
    probability: float


def language_codes(model: WhisperModel) -> tuple[str, ...]:
    """The language codes of `model`, in the order of its language tokens (``()`` for an English-only model).

    The tokens are `config.json`'s `lang_ids`; a directory whose config lacks them gets the ``<|xx|>`` tokens
    between ``<|startoftranscript|>`` and ``<|translate|>`` of its vocabulary.
    """
    tokenizer = _tokenizer(model)
    return tuple(code for code, _ in _language_tokens(model, tokenizer))


def _tokenizer(model: WhisperModel) -> WhisperTokenizer:
    tokenizer = model.tokenizer
    if tokenizer is None:
        raise InputError("the Whisper model has no tokenizer.json artifact", source="model")
    return tokenizer


def _language_tokens(model: WhisperModel, tokenizer: WhisperTokenizer) -> list[tuple[str, int]]:
    if not tokenizer.multilingual:
        return []
    ids = list(model.config.lang_ids) or list(range(tokenizer.sot + 1, tokenizer.translate))
    pairs = [(tokenizer.token_text(token), token) for token in ids]
    return [(text[2:-2], token) for text, token in pairs if text.startswith("<|") and text.endswith("|>")]


def check_language(model: WhisperModel, language: str | None, task: str, *, function: str) -> None:
    """Refuse, with `InputError` (``NT309``), a language the model does not know or a task it cannot do."""
    if task not in TASKS:
        raise InputError(f"{function}: task must be 'transcribe' or 'translate', got {task!r}", source="task")
    tokenizer = _tokenizer(model)
    if not tokenizer.multilingual:
        if language not in (None, "en"):
            raise InputError(
                f"{function}: this Whisper model is English-only, got language={language!r}; hint: leave "
                "language=None or use a multilingual model (whisper_base)", source="language",
            )  # fmt: skip
        if task != "transcribe":
            raise InputError(
                f"{function}: this Whisper model is English-only and cannot translate; hint: use a multilingual "
                "model (whisper_base)", source="task",
            )  # fmt: skip
        return
    codes = [code for code, _ in _language_tokens(model, tokenizer)]
    if language is not None and language not in codes:
        shown = ", ".join(codes[:12])
        raise InputError(
            f"{function}: the model has no language {language!r}; it knows {len(codes)} language codes "
            f"({shown}, ...); hint: a code such as 'fr', or None to detect it", source="language",
        )  # fmt: skip


def language_probabilities(
    decoder: WhisperDecoder, encoded: Tensor, tokenizer: WhisperTokenizer, lang_ids: Sequence[int]
) -> Tensor:
    """The probability of each of `lang_ids` `(batch, language)` after ``<|startoftranscript|>``, for encoded
    windows `(batch, step, channel)`: the softmax of their logits alone."""
    cache = decoder.start(encoded)
    start = torch.full((encoded.shape[0], 1), tokenizer.sot, dtype=torch.long, device=encoded.device)
    logits = decoder.step(start, cache)[:, 0].float()
    ids = torch.tensor(list(lang_ids), dtype=torch.long, device=encoded.device)
    return logits[:, ids].softmax(dim=-1)


def _detection_window(model: WhisperModel, audio: Tensor) -> Tensor:
    """faster-whisper's detection input `(mel, frame)`: the features of the first 30 s, the frame after the
    content included (the one transcription leaves out), padded with zeros to a window."""
    front_end, n_frames = model.front_end, model.config.dimensions.n_frames
    audio = audio[: model.config.dimensions.window_samples]
    lengths = torch.tensor([audio.shape[0] + front_end.hop_length], device=audio.device)
    features, frames = front_end.mel_frames(audio[None], lengths)
    part = features[0, :, : min(n_frames, int(frames[0]))]
    return F.pad(part, (0, n_frames - part.shape[-1]))


def detect(
    model: WhisperModel, clips: Sequence[Tensor], encoded: Tensor | None = None, content_frames: Sequence[int] = ()
) -> list[DetectedLanguage]:
    """The languages of mono 16 kHz `clips`; `encoded`: their first windows already encoded, with their
    `content_frames` (reused for the clips at least a window long, whose first window is the detection window)."""
    tokenizer = _tokenizer(model)
    pairs = _language_tokens(model, tokenizer)
    if not pairs:
        return [DetectedLanguage("en", 1.0, (("en", 1.0),)) for _ in clips]
    n_frames = model.config.dimensions.n_frames
    reused = [encoded is not None and row < len(content_frames) and content_frames[row] >= n_frames
              for row in range(len(clips))]  # fmt: skip
    fresh = [_detection_window(model, clip) for clip, reuse in zip(clips, reused, strict=True) if not reuse]
    encoded_fresh: Iterator[Tensor] = iter(model.encoder(torch.stack(fresh)) if fresh else [])
    windows = [encoded[row] if reuse and encoded is not None else next(encoded_fresh)
               for row, reuse in enumerate(reused)]  # fmt: skip
    probs = language_probabilities(model.decoder, torch.stack(windows), tokenizer, [t for _, t in pairs]).cpu()
    found = []
    for row in probs.tolist():
        ranked = sorted(zip((code for code, _ in pairs), row, strict=True), key=lambda item: -item[1])
        found.append(DetectedLanguage(ranked[0][0], ranked[0][1], tuple(ranked)))
    return found


def choose_starts(
    model: WhisperModel,
    clips: Sequence[Tensor],
    encoded: Tensor | None,
    content_frames: Sequence[int],
    language: str | None,
    task: str,
) -> list[StartChoice]:
    """Each clip's start sequence, language and probability: `language` when given (probability 1), else the
    detected one (multilingual models; `encoded`, `content_frames` as for `detect`)."""
    tokenizer = _tokenizer(model)
    if language is not None or not tokenizer.multilingual:
        code = language or "en"
        start = tuple(tokenizer.sot_sequence(code, task))
        return [StartChoice(start, code, 1.0) for _ in clips]
    return [
        StartChoice(tuple(tokenizer.sot_sequence(found.language, task)), found.language, found.probability)
        for found in detect(model, clips, encoded, content_frames)
    ]


def decode_by_prompt(task: DecodingTask, encoded: Tensor, prompts: Sequence[list[int]]) -> list[DecodedWindow]:
    """`decode_with_fallback` of each row of `encoded` after its own prompt (`task` after each of `prompts`): the
    rows that share a prompt (a language) are decoded together, and the results come back in row order."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for row, prompt in enumerate(prompts):
        groups.setdefault(tuple(prompt), []).append(row)
    results: dict[int, DecodedWindow] = {}
    for shared, rows in groups.items():
        index = torch.tensor(rows, device=encoded.device)
        part = encoded if len(rows) == encoded.shape[0] else encoded.index_select(0, index)
        decoded = decode_with_fallback(task.after(list(shared)), part)
        results |= dict(zip(rows, decoded, strict=True))
    return [results[row] for row in range(len(prompts))]


@overload
def detect_language(  # type: ignore[overload-overlap]  # a str is one path, not a Sequence of them
    model: WhisperModel | str | os.PathLike[str], audio: AudioInput, **options: Unpack[AudioVerbOptions]
) -> DetectedLanguage: ...
@overload
def detect_language(
    model: WhisperModel | str | os.PathLike[str], audio: Sequence[AudioInput], **options: Unpack[AudioVerbOptions]
) -> list[DetectedLanguage]: ...
def detect_language(
    model: WhisperModel | str | os.PathLike[str],
    audio: AudioInput | Sequence[AudioInput],
    **options: Unpack[AudioVerbOptions],
) -> DetectedLanguage | list[DetectedLanguage]:
    """The language spoken in recordings, from their first 30 s (faster-whisper's `detect_language`).

    **Arguments:**

    - `model`: a `WhisperModel` or its registry name (``"whisper_base"``) or archive path.
    - `audio`: one recording or a list of them (the audio-input rules of `transcribe`).
    - `batch_size` (default 8), `progress`, `device`, `sample_rate`, `resample`: as for `transcribe`.

    **Returns:** one `DetectedLanguage` per recording (a list for a list, in input order). An English-only model
    answers ``"en"`` with probability 1.

    **Example:**

    ```python
    found = WhisperModel.from_pretrained("whisper_base").detect_language("clip.wav")
    print(found.language, round(found.probability, 2))  # fr 0.97
    ```
    """
    from ._model import WhisperModel

    whisper = resolve_model(model, WhisperModel, function="detect_language")
    call = audio_call("detect_language", whisper, whisper.sample_rate, audio, options,
                      batch_size=options.get("batch_size", 8))  # fmt: skip
    clips = call.load_all()
    results: list[DetectedLanguage] = []
    with eval_mode(whisper), torch.inference_mode():
        for batch in call.batches(range(len(clips))):
            results += detect(whisper, [clips[index].to(call.device) for index in batch])
    return call.answer(results)
