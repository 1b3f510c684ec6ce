"""`transcribe`: recordings in, `Transcription`s (text, score, word timestamps on request, segments) out.

The verb of the grid (``docs/collections.md``): ``transcribe(model, audio, ...)`` and
``CTCModel.transcribe(audio, ...)`` / ``WhisperModel.transcribe(audio, ...)`` take the same keywords; one recording gives one `Transcription`, a list
gives a list in input order. Audio goes through the collections' one input layer
(`neuraltypes_collections.common.load_audio`, through `common._verbs.audio_call`): a clip tagged ``AudioSignal(8000)`` is resampled to the
model's rate (or refused with ``NT208`` when ``resample=False``), never decoded as if it were at the model's
rate, and the padded batch reaches the model's typed ``forward`` tagged.

The verb loads the audio and picks the device; the decoding is the model's: CTC models are decoded here, and a
model that decodes on its own (Whisper) implements `SpeechRecognizer`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, Unpack, overload, runtime_checkable

import torch
from torch import Tensor

import neuraltypes as nt

from ..common._audio import AudioInput, batch_audio
from ..common._errors import InputError
from ..common._model import eval_mode
from ..common._verbs import AudioVerbOptions, audio_call, batches, resolve_model
from ._decoding import CTCBeamDecoder, collapse_ctc

if TYPE_CHECKING:
    from .models._ctc import CTCModel
    from .whisper import WhisperModel

__all__ = [
    "Fallback",
    "Recognition",
    "SpeechRecognizer",
    "TranscriptSegment",
    "TranscribeOptions",
    "Transcription",
    "WordTimestamp",
    "transcribe",
    "word_timestamps",
]


@dataclass(frozen=True)
class WordTimestamp:
    """A word and where it is spoken, in seconds from the start of the clip.

    **Attributes:**

    - `word`: the word as the model wrote it (Whisper: with its leading space and joined punctuation).
    - `start_s`, `end_s`: where it starts and ends.
    - `probability`: the mean probability of its tokens (Whisper), else `None` (CTC alignment).
    """

    word: str
    start_s: float
    end_s: float
    probability: float | None = None


@dataclass(frozen=True)
class TranscriptSegment:
    """A stretch of the transcript and when it is spoken, in seconds from the start of the clip."""

    text: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Transcription:
    """One recording's result.

    **Attributes:**

    - `text`: the transcript.
    - `score`: the log-probability of the decoded CTC path (greedy), or the beam's score; for Whisper the
      log-probability of the generated tokens.
    - `words`: the words with their times when `timestamps=True` was asked for, else `None`.
    - `segments`: the segments with their times (Whisper's timestamp tokens), else `None` (CTC models).
    - `avg_logprob`: the average log-probability per token (Whisper), else `None`.
    - `language`: the language the speech was decoded as (Whisper: the one asked for, else the detected one;
      ``"en"`` for English-only models), else `None`.
    - `language_probability`: the detected language's probability (1.0 when it was given), else `None`.
    """

    text: str
    score: float
    words: tuple[WordTimestamp, ...] | None = None
    segments: tuple[TranscriptSegment, ...] | None = None
    avg_logprob: float | None = None
    language: str | None = None
    language_probability: float | None = None


@dataclass(frozen=True)
class Fallback:
    """Whisper's temperature fallback as `transcribe` takes it (checked by the Whisper model): the temperature or
    temperatures, and the compression-ratio, log-probability and no-speech thresholds (`None`: not checked)."""

    temperature: float | Sequence[float] = 0.0
    compression_ratio_threshold: float | None = 2.4
    log_prob_threshold: float | None = -1.0
    no_speech_threshold: float | None = 0.6


@dataclass(frozen=True)
class Recognition:
    """What `transcribe` asks of a recognizer besides the clips: the checked keywords of the call.

    **Attributes:**

    - `device`: where the model runs; the clips are moved there.
    - `batch_size`: clips per forward pass.
    - `progress`: a progress bar (`None`: when there are more than four batches).
    - `timestamps`: add word timestamps.
    - `beam`: the model's own beam argument (a `CTCBeamDecoder` for CTC, a beam size for Whisper), or `None`.
    - `fallback`: Whisper's temperature fallback: `temperature` and the three thresholds (see `transcribe`).
    - `language`: the spoken language's code, `None` to detect it (Whisper).
    - `task`: ``"transcribe"``, or ``"translate"`` for English text (multilingual Whisper).
    """

    device: torch.device
    batch_size: int
    progress: bool | None
    timestamps: bool
    beam: Any | None
    fallback: Fallback = Fallback()
    language: str | None = None
    task: str = "transcribe"


@runtime_checkable
class SpeechRecognizer(Protocol):
    """A model that decodes speech on its own (Whisper): what `transcribe` needs from it.

    `transcribe` resolves the model, checks the arguments and loads the audio at `sample_rate`; `recognize`
    turns the mono clips into one `Transcription` each, in the order given.
    """

    sample_rate: int

    def recognize(self, clips: Sequence[Tensor], settings: Recognition) -> list[Transcription]: ...


def word_timestamps(
    log_probs: Tensor, tokens: list[int], tokenizer: Any, seconds_per_step: float
) -> tuple[WordTimestamp, ...]:
    """Word times from CTC forced alignment of `tokens` against one clip's `log_probs` `(step, vocab)`.

    Uses `torchaudio.functional.forced_align` (the Viterbi path constrained to the token sequence) and groups the
    token spans into words at word boundaries (the space character, or a BPE piece starting with `▁`).
    """
    import torchaudio.functional as AF  # type: ignore[import-untyped]

    if not tokens:
        return ()
    blank = log_probs.shape[-1] - 1
    targets = torch.tensor([tokens], dtype=torch.int32)
    alignment, scores = AF.forced_align(log_probs[None].float().cpu(), targets, blank=blank)
    spans = AF.merge_tokens(alignment[0], scores[0].exp(), blank=blank)
    words: list[WordTimestamp] = []
    current, start, end = "", 0, 0
    for span in spans:
        piece = tokenizer.token_text(span.token)
        if tokenizer.word_boundary(span.token) and current.strip():
            words.append(WordTimestamp(current.strip(), start * seconds_per_step, end * seconds_per_step))
            current = ""
        if not current.strip():
            start = span.start
        current += piece
        end = span.end
    if current.strip():
        words.append(WordTimestamp(current.strip(), start * seconds_per_step, end * seconds_per_step))
    return tuple(words)


def _on(device: torch.device, tensor: Tensor) -> Tensor:
    """`tensor` on `device`, keeping its tag (a copy to another device is a new, untagged tensor)."""
    moved = tensor.to(device)
    meaning = nt.tag_of(tensor)
    return nt.tag(moved, meaning) if meaning is not None and moved is not tensor else moved


class TranscribeOptions(AudioVerbOptions, total=False):
    """The keywords of `transcribe`, which the models' `transcribe` methods take too."""

    timestamps: bool
    beam: CTCBeamDecoder | int | None
    temperature: float | Sequence[float]
    compression_ratio_threshold: float | None
    log_prob_threshold: float | None
    no_speech_threshold: float | None
    language: str | None
    task: str


@overload
def transcribe(  # type: ignore[overload-overlap]  # a str is one path, not a Sequence of them
    model: CTCModel | WhisperModel | str | os.PathLike[str],
    audio: AudioInput,
    **options: Unpack[TranscribeOptions],
) -> Transcription: ...
@overload
def transcribe(
    model: CTCModel | WhisperModel | str | os.PathLike[str],
    audio: Sequence[AudioInput],
    **options: Unpack[TranscribeOptions],
) -> list[Transcription]: ...
def transcribe(
    model: CTCModel | WhisperModel | str | os.PathLike[str],
    audio: AudioInput | Sequence[AudioInput],
    *,
    timestamps: bool = False,
    beam: CTCBeamDecoder | int | None = None,
    temperature: float | Sequence[float] = 0.0,
    compression_ratio_threshold: float | None = 2.4,
    log_prob_threshold: float | None = -1.0,
    no_speech_threshold: float | None = 0.6,
    language: str | None = None,
    task: str = "transcribe",
    **options: Unpack[AudioVerbOptions],
) -> Transcription | list[Transcription]:
    """Transcribe recordings with a CTC or Whisper model.

    **Arguments:**

    - `model`: a `CTCModel` or `WhisperModel`, or a registry name (``"whisper_tiny_en"``), neuraltypes archive
      or NeMo ``.nemo`` file holding one.
    - `audio`: one recording or a list of them: paths (wav/flac/ogg) and/or ``(time,)`` or
      ``(channel, time)`` tensors or numpy arrays (channels averaged); the audio-input rules are
      `neuraltypes_collections.common`'s.
    - `batch_size`: recordings per forward pass (default 8). They are sorted by length so each batch carries little
      padding; results come back in input order and do not depend on the batch size (see the
      batch-consistency test).
    - `progress`: show a progress bar; `None` shows one when there are more than four batches.
    - `device`: run on this device (the model is moved there and stays); `None`: the model's own.
    - `sample_rate`: the rate of tensor or array inputs in Hz (it overrides an ``AudioSignal`` tag); an
      untagged tensor without it is taken to be at the model's rate.
    - `resample`: resample audio at another rate to the model's (default); `False` refuses it with ``NT208``.
    - `timestamps`: add word timestamps (from CTC forced alignment) to each result (CTC models).
    - `beam`: a `CTCBeamDecoder` for beam search (optionally with an n-gram LM) instead of greedy decoding
      (CTC models); for Whisper models a beam size (`None`: greedy). Whisper reads long recordings in 30 s
      windows, with segment times in every result.
    - `temperature`: Whisper's decoding temperature, or temperatures to fall back to in turn (faster-whisper's
      default is ``(0.0, 0.2, 0.4, 0.6, 0.8, 1.0)``; ours, ``0.0``, never falls back): a window whose text is too
      repetitive (zlib compression ratio above `compression_ratio_threshold`) or too improbable (average
      log-probability below `log_prob_threshold`) is decoded again at the next temperature (5 seeded samples, the
      most probable kept).
    - `compression_ratio_threshold`, `log_prob_threshold`, `no_speech_threshold`: faster-whisper's thresholds and
      defaults (2.4, -1.0, 0.6; `None`: not checked); a window whose no-speech probability is above
      `no_speech_threshold` and whose average log-probability is below `log_prob_threshold` is silent (no text).
    - `language`: the spoken language's code (``"fr"``) for a multilingual Whisper model; `None` detects it from
      each recording's first 30 s (the result's `language` and `language_probability` say what was found).
      English-only and CTC models take `None` (or ``"en"`` for English-only Whisper).
    - `task`: ``"transcribe"`` (default), or ``"translate"`` to write speech in another language as English text
      (multilingual Whisper models).

    **Returns:** one `Transcription` for one recording, a list of them (input order) for a list. The model is
    left in the train/eval mode it had. Raises `AudioError` (``NT306``) naming the input for unusable
    audio, `InputError` (``NT309``) for a bad argument, ``ContractViolation`` (``NT208``) naming both rates
    for audio at another rate with `resample=False`.
    """
    from ..common._model import NeuralModel
    from .models._ctc import CTCModel

    named = isinstance(model, (str, os.PathLike))
    recognizer = resolve_model(model, NeuralModel, function="transcribe") if named else model
    if not isinstance(recognizer, (CTCModel, SpeechRecognizer)):
        where = f"{os.fspath(model)} holds" if named else "parameter 'model' is"  # type: ignore[arg-type]
        raise InputError(
            f"transcribe: {where} a {type(recognizer).__name__}, expected a CTCModel or a WhisperModel "
            "(or its registry name or archive path)",
            source=os.fspath(model) if named else "model",  # type: ignore[arg-type]
        )
    call = audio_call("transcribe", recognizer, recognizer.sample_rate, audio, options,
                      batch_size=options.get("batch_size", 8))  # fmt: skip
    if isinstance(recognizer, CTCModel) and (language is not None or task != "transcribe"):
        raise InputError(
            "transcribe: a CTC model transcribes the language it was trained on; language= and task= are for "
            "Whisper models", source="language" if language is not None else "task",
        )  # fmt: skip
    clips = call.load_all()
    fallback = Fallback(temperature, compression_ratio_threshold, log_prob_threshold, no_speech_threshold)
    settings = Recognition(call.device, call.batch_size, call.progress, timestamps, beam, fallback=fallback,
                           language=language, task=task)  # fmt: skip
    if isinstance(recognizer, CTCModel):
        if isinstance(beam, int):
            raise InputError("transcribe: a CTC model takes beam=CTCBeamDecoder(...), not a beam size", source="beam")
        transcriptions = _recognize_ctc(recognizer, clips, settings)
    else:
        transcriptions = recognizer.recognize(clips, settings)
    return call.answer(transcriptions)


def _recognize_ctc(recognizer: CTCModel, clips: Sequence[Tensor], settings: Recognition) -> list[Transcription]:
    """Greedy or beam CTC decoding of loaded clips, in batches sorted by length; results in input order."""
    target, beam, timestamps = settings.device, settings.beam, settings.timestamps
    if settings.fallback != Fallback():
        raise InputError(
            "transcribe: temperature= and the fallback thresholds are for Whisper models; a CTC model decodes "
            "without them", source="temperature",
        )  # fmt: skip
    tokenizer = recognizer.tokenizer
    if tokenizer is None:
        raise InputError(
            "transcribe: the model has no tokenizer (a BPE model restored without its artifact?)"
        )
    rate = recognizer.sample_rate
    order = sorted(range(len(clips)), key=lambda i: -clips[i].shape[0])
    seconds_per_step = (
        recognizer.config.preprocessor.hop_length * recognizer.config.encoder.total_stride / rate
    )
    results: dict[int, Transcription] = {}
    with eval_mode(recognizer), torch.inference_mode():
        for batch in batches(order, settings.batch_size, progress=settings.progress, description="transcribe"):
            signal, lengths = batch_audio([clips[i] for i in batch], rate)
            out = recognizer(_on(target, signal), _on(target, lengths))
            log_probs, steps = out.log_probs.float().cpu(), out.encoded_lengths.cpu()
            beams = beam(log_probs, steps) if beam is not None else None
            for row, index in enumerate(batch):
                n = int(steps[row])
                clip = log_probs[row, :n]
                if beams is not None:
                    text, score = beams[row][0] if beams[row] else ("", float("-inf"))
                    tokens = tokenizer.encode(text) if timestamps else []
                else:
                    best, best_ids = (
                        clip.max(dim=-1) if n else (torch.zeros(0), torch.zeros(0, dtype=torch.long))
                    )
                    tokens, _ = collapse_ctc(best_ids.tolist(), recognizer.blank_id)
                    text, score = tokenizer.decode(tokens), float(best.sum())
                words = word_timestamps(clip, tokens, tokenizer, seconds_per_step) if timestamps else None
                results[index] = Transcription(text, score, words)
    return [results[index] for index in range(len(clips))]
