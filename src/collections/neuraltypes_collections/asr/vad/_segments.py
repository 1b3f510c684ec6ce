"""From per-chunk speech probabilities to speech segments, and splitting long audio at silences.

The rules are Silero's `get_speech_timestamps` (hysteresis with an onset and an offset threshold, a minimum silence
before a segment closes, a minimum segment length, padding that shares short gaps), rewritten over sample positions
so that `detect_speech` gives the same segments for the same probabilities.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import Tensor

from ._audio import AudioInput, as_waveform
from ._silero import SileroVad
from ._weights import default_silero_vad

_ENCODER_BLOCK_CHUNKS = 2048  # chunks encoded per call in `speech_probs_of` (about 65 s at 16 kHz)


@dataclass(frozen=True)
class SpeechSegment:
    """A stretch of speech: `start_s` and `end_s` in seconds from the start of the audio (padding included), and
    `score`, the mean speech probability of its chunks (padding excluded)."""

    start_s: float
    end_s: float
    score: float

    @property
    def duration_s(self) -> float:
        """Length of the segment in seconds."""
        return self.end_s - self.start_s


@dataclass(frozen=True)
class SegmentationOptions:
    """How probabilities become segments; the defaults are Silero's.

    **Arguments**

    - `threshold`: a chunk with probability >= `threshold` starts (or continues) speech.
    - `neg_threshold`: inside speech, only chunks below it count as silence (default `max(threshold - 0.15, 0.01)`).
    - `min_speech_duration_s`: shorter segments are dropped.
    - `min_silence_duration_s`: silence must last this long to end a segment.
    - `speech_pad_s`: padding added on each side of a segment; a gap shorter than twice the padding is shared.
    """

    threshold: float = 0.5
    neg_threshold: float | None = None
    min_speech_duration_s: float = 0.25
    min_silence_duration_s: float = 0.1
    speech_pad_s: float = 0.03

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"SegmentationOptions: threshold={self.threshold} must be in (0, 1].")
        if self.neg_threshold is not None and not 0.0 <= self.neg_threshold <= self.threshold:
            raise ValueError(
                f"SegmentationOptions: neg_threshold={self.neg_threshold} must be in [0, threshold={self.threshold}]; "
                "hint: it is the lower, exit threshold of the hysteresis."
            )
        for name in ("min_speech_duration_s", "min_silence_duration_s", "speech_pad_s"):
            value = getattr(self, name)
            if not (value >= 0.0 and math.isfinite(value)):
                raise ValueError(
                    f"SegmentationOptions: {name}={value} must be a finite number of seconds >= 0."
                )

    @property
    def exit_threshold(self) -> float:
        """The threshold below which a chunk counts as silence inside speech."""
        return self.neg_threshold if self.neg_threshold is not None else max(self.threshold - 0.15, 0.01)


class _Span(NamedTuple):
    start: int  # samples
    end: int  # samples, exclusive
    first_chunk: int
    end_chunk: int  # exclusive


def _speech_spans(
    probs: Sequence[float],
    chunk_samples: int,
    num_samples: int,
    sample_rate: int,
    options: SegmentationOptions,
) -> list[_Span]:
    """Unpadded speech spans, in samples, by hysteresis over the chunk probabilities."""
    min_silence = sample_rate * options.min_silence_duration_s
    min_speech = sample_rate * options.min_speech_duration_s
    spans: list[_Span] = []
    start: int | None = None  # chunk index where the current segment began
    silence_from: int | None = None  # chunk index where the current run of silence began
    for index, prob in enumerate(probs):
        if start is None:
            if prob >= options.threshold:
                start, silence_from = index, None
            continue
        if prob >= options.threshold:
            silence_from = None
        elif prob < options.exit_threshold:
            silence_from = index if silence_from is None else silence_from
            if (index - silence_from) * chunk_samples >= min_silence:
                spans.append(_Span(start * chunk_samples, silence_from * chunk_samples, start, silence_from))
                start = silence_from = None
    if start is not None:
        spans.append(_Span(start * chunk_samples, num_samples, start, len(probs)))
    return [span for span in spans if span.end - span.start > min_speech]


def _pad(spans: list[_Span], pad: int, num_samples: int) -> list[tuple[int, int]]:
    """Pad each span by `pad` samples, sharing gaps shorter than `2 * pad`, within `[0, num_samples]`."""
    bounds = [[span.start, span.end] for span in spans]
    if bounds:
        bounds[0][0] -= min(pad, bounds[0][0])
        bounds[-1][1] += max(0, min(pad, num_samples - bounds[-1][1]))
    for left, right in zip(bounds[:-1], bounds[1:], strict=True):
        share = min(pad, (right[0] - left[1]) // 2)
        left[1] += share
        right[0] -= share
    return [(start, end) for start, end in bounds]


def segments_from_probs(
    probs: Tensor | Sequence[float],
    *,
    chunk_samples: int,
    sample_rate: int,
    num_samples: int | None = None,
    options: SegmentationOptions = SegmentationOptions(),
) -> list[SpeechSegment]:
    """Speech segments from one probability per chunk of `chunk_samples` samples.

    **Arguments**

    - `probs`: a 1-D tensor or sequence of speech probabilities, chunk by chunk.
    - `chunk_samples`, `sample_rate`: the chunk length in samples and the audio rate in Hz.
    - `num_samples`: length of the audio (default: `len(probs) * chunk_samples`).
    - `options`: the segmentation rules.

    **Returns** the segments in time order.
    """
    values = probs.tolist() if isinstance(probs, Tensor) else list(probs)
    total = len(values) * chunk_samples if num_samples is None else num_samples
    spans = _speech_spans(values, chunk_samples, total, sample_rate, options)
    padded = _pad(spans, round(options.speech_pad_s * sample_rate), total)
    return [
        SpeechSegment(
            start / sample_rate,
            end / sample_rate,
            sum(values[span.first_chunk : span.end_chunk]) / max(1, span.end_chunk - span.first_chunk),
        )
        for span, (start, end) in zip(spans, padded, strict=True)
    ]


def speech_probs_of(model: SileroVad, waveform: Tensor) -> Tensor:
    """Per-chunk speech probabilities of one waveform of any length, encoded in blocks to bound memory."""
    chunk = model.dims.chunk_samples
    block = _ENCODER_BLOCK_CHUNKS * chunk
    with torch.inference_mode():
        if waveform.numel() <= block:
            return model.speech_probs(waveform[None])[0][0]
        # Long audio: the LSTM state must flow across blocks, so run the streaming decoder over encoded blocks.
        context, hidden, cell = model.initial_state(1)
        pieces = []
        for first in range(0, waveform.numel(), block):
            piece = waveform[first : first + block]
            windows = torch.cat(
                [context, torch.nn.functional.pad(piece, (0, (-piece.numel()) % chunk))[None]], -1
            )
            frames = windows.unfold(1, model.dims.window_samples, chunk)[0]
            encoded = model.encoder(model.front_end(frames))[None]
            probs, hidden, cell = model.decoder(encoded, hidden, cell)
            context = windows[:, -model.dims.context_samples :]
            pieces.append(probs[0])
        return torch.cat(pieces)


def _prepare(
    audio: AudioInput, sample_rate: int | None, model: SileroVad | None, function: str
) -> tuple[Tensor, SileroVad]:
    waveform, rate = as_waveform(audio, sample_rate, function=function)
    model = default_silero_vad(rate) if model is None else model
    if model.sample_rate != rate:
        raise ValueError(
            f"{function}: the audio is {rate} Hz but the model takes {model.sample_rate} Hz; "
            f"hint: resample, e.g. torchaudio.functional.resample(audio, {rate}, {model.sample_rate})."
        )
    return waveform, model


def detect_speech(
    audio: AudioInput,
    *,
    sample_rate: int | None = None,
    model: SileroVad | None = None,
    threshold: float = 0.5,
    neg_threshold: float | None = None,
    min_speech_duration_s: float = 0.25,
    min_silence_duration_s: float = 0.1,
    speech_pad_s: float = 0.03,
) -> list[SpeechSegment]:
    """Find the speech in a recording.

    **Arguments**

    - `audio`: a path (read with soundfile, channels averaged) or a mono waveform tensor/array in [-1, 1].
    - `sample_rate`: the waveform's rate in Hz (for tensors that carry no `AudioSignal` tag); 16000 or 8000.
    - `model`: a `SileroVad`; default: the pretrained Silero VAD from the `silero-vad` wheel.
    - `threshold`, `neg_threshold`, `min_speech_duration_s`, `min_silence_duration_s`, `speech_pad_s`: see
      `SegmentationOptions`.

    **Returns** a list of `SpeechSegment(start_s, end_s, score)`, empty when there is no speech.

    Example:

        >>> import torch
        >>> from neuraltypes_collections.asr.vad import detect_speech
        >>> detect_speech(torch.zeros(16000), sample_rate=16000)
        []
    """
    options = SegmentationOptions(
        threshold, neg_threshold, min_speech_duration_s, min_silence_duration_s, speech_pad_s
    )
    waveform, model = _prepare(audio, sample_rate, model, "detect_speech")
    probs = speech_probs_of(model, waveform)
    return segments_from_probs(
        probs,
        chunk_samples=model.dims.chunk_samples,
        sample_rate=model.sample_rate,
        num_samples=waveform.numel(),
        options=options,
    )


@dataclass(frozen=True)
class AudioChunk:
    """A piece of a longer recording: `audio` (1-D) starts `offset_s` seconds into the original."""

    audio: Tensor
    offset_s: float
    sample_rate: int

    @property
    def duration_s(self) -> float:
        """Length of the chunk in seconds."""
        return self.audio.numel() / self.sample_rate


def _split_long(span: _Span, probs: Sequence[float], chunk_samples: int, max_samples: int) -> list[_Span]:
    """Cut a span longer than `max_samples` at its least speech-like chunk in the second half of each window."""
    pieces = []
    while span.end - span.start > max_samples:
        low = span.first_chunk + max(1, (max_samples // 2) // chunk_samples)
        high = span.first_chunk + max(1, max_samples // chunk_samples)
        cut = min(range(low, high), key=lambda index: probs[index]) if high > low else low
        pieces.append(_Span(span.start, cut * chunk_samples, span.first_chunk, cut))
        span = _Span(cut * chunk_samples, span.end, cut, span.end_chunk)
    return [*pieces, span]


def split_at_silences(
    audio: AudioInput,
    *,
    sample_rate: int | None = None,
    max_chunk_s: float = 30.0,
    model: SileroVad | None = None,
    options: SegmentationOptions = SegmentationOptions(),
) -> list[AudioChunk]:
    """Split a long recording into speech chunks of at most `max_chunk_s` seconds, cut in silences, for ASR.

    Speech segments (padded as in `detect_speech`) are grouped greedily while a group fits in `max_chunk_s`;
    silence between groups is dropped. A single segment longer than `max_chunk_s` is cut at its least
    speech-like chunk. Add each chunk's `offset_s` to times measured inside it.

    **Returns** the chunks in time order; empty when there is no speech.
    """
    waveform, model = _prepare(audio, sample_rate, model, "split_at_silences")
    rate, chunk = model.sample_rate, model.dims.chunk_samples
    max_samples = int(max_chunk_s * rate)
    if max_samples < 2 * chunk:
        raise ValueError(
            f"split_at_silences: max_chunk_s={max_chunk_s} must be at least {2 * chunk / rate} s."
        )
    values = speech_probs_of(model, waveform).tolist()
    spans = _speech_spans(values, chunk, waveform.numel(), rate, options)
    pad = round(options.speech_pad_s * rate)
    pieces = [(start, end) for start, end in _pad(spans, pad, waveform.numel())]
    bounded: list[tuple[int, int]] = []
    for (start, end), span in zip(pieces, spans, strict=True):
        if end - start <= max_samples:
            bounded.append((start, end))
            continue
        parts = _split_long(span, values, chunk, max_samples - 2 * pad)
        bounded += [
            (start if i == 0 else p.start, end if i == len(parts) - 1 else p.end) for i, p in enumerate(parts)
        ]
    groups: list[list[int]] = []
    for start, end in bounded:
        if groups and end - groups[-1][0] <= max_samples:
            groups[-1][1] = end
        else:
            groups.append([start, end])
    return [AudioChunk(waveform[start:end], start / rate, rate) for start, end in groups]


__all__ = [
    "AudioChunk",
    "SegmentationOptions",
    "SpeechSegment",
    "detect_speech",
    "segments_from_probs",
    "speech_probs_of",
    "split_at_silences",
]
