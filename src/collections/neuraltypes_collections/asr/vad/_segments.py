"""From per-chunk speech probabilities to speech segments: the rules, the results, the options of `detect_speech`.

The rules are Silero's `get_speech_timestamps` (hysteresis with an onset and an offset threshold, a minimum silence
before a segment closes, a minimum segment length, padding that shares short gaps), rewritten over sample positions
so that `detect_speech` gives the same segments for the same probabilities. Nothing here depends on a model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import torch
from torch import Tensor

from ...common._errors import InputError
from ...common._verbs import AudioVerbOptions

if TYPE_CHECKING:
    from ._silero import SileroVad

_ENCODER_BLOCK_CHUNKS = 2048  # chunks encoded per call in `speech_probs_of` (about 65 s at 16 kHz)


@dataclass(frozen=True)
class TimeSpan:
    """A stretch of a recording, `start_s` to `end_s` in seconds from its start: what a speech segment and a
    speaker's turn are, each with what it adds."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        """Length of the stretch in seconds."""
        return self.end_s - self.start_s


@dataclass(frozen=True)
class SpeechSegment(TimeSpan):
    """A stretch of speech: `start_s` and `end_s` in seconds from the start of the audio (padding included), and
    `score`, the mean speech probability of its chunks (padding excluded)."""

    score: float


@dataclass(frozen=True)
class SpeechDetection:
    """What `detect_speech` finds in one recording.

    **Attributes:**

    - `segments`: the speech segments in time order (empty when there is no speech).
    - `duration_s`: the length of the recording in seconds.
    - `sample_rate`: the rate, in Hz, the model heard the recording at (the model's rate).
    """

    segments: tuple[SpeechSegment, ...]
    duration_s: float
    sample_rate: int

    @property
    def speech_s(self) -> float:
        """Seconds of speech: the segments' durations added up."""
        return sum(segment.duration_s for segment in self.segments)


class DetectSpeechOptions(AudioVerbOptions, total=False):
    """The keywords of `detect_speech`, which the speech detectors' `detect_speech` method takes too."""

    threshold: float
    neg_threshold: float | None
    min_speech_duration_s: float
    min_silence_duration_s: float
    speech_pad_s: float
    window_s: float | None
    shift_s: float | None


def refuse_windows(model: str, window_s: float | None, shift_s: float | None) -> None:
    """Raise `InputError` when `window_s` or `shift_s` is given to a model whose chunks are fixed (Silero, a frame
    classifier): only a segment-level classifier scores windows."""
    if window_s is not None or shift_s is not None:
        raise InputError(
            f"detect_speech: window_s and shift_s apply to a segment-level classifier (ClassificationModel); "
            f"{model} scores fixed chunks; hint: leave them out",
            source="window_s" if window_s is not None else "shift_s",
        )


@dataclass(frozen=True)
class SegmentationOptions:
    """How probabilities become segments; the defaults are Silero's.

    **Arguments:**

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
            raise InputError(
                f"SegmentationOptions: threshold={self.threshold} must be in (0, 1].", source="threshold"
            )
        if self.neg_threshold is not None and not 0.0 <= self.neg_threshold <= self.threshold:
            raise InputError(
                f"SegmentationOptions: neg_threshold={self.neg_threshold} must be in [0, threshold={self.threshold}]; "
                "hint: it is the lower, exit threshold of the hysteresis.",
                source="neg_threshold",
            )
        for name in ("min_speech_duration_s", "min_silence_duration_s", "speech_pad_s"):
            value = getattr(self, name)
            if not (value >= 0.0 and math.isfinite(value)):
                raise InputError(
                    f"SegmentationOptions: {name}={value} must be a finite number of seconds >= 0.",
                    source=name,
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


def _padded_speech_spans(
    probs: Sequence[float], chunk_samples: int, num_samples: int, sample_rate: int, options: SegmentationOptions
) -> list[tuple[_Span, tuple[int, int]]]:
    """Each speech span (`_speech_spans`) with its bounds padded by `options.speech_pad_s` (`pad_spans`)."""
    spans = _speech_spans(probs, chunk_samples, num_samples, sample_rate, options)
    pad = round(options.speech_pad_s * sample_rate)
    return list(zip(spans, pad_spans([(span.start, span.end) for span in spans], pad, num_samples), strict=True))


def pad_spans(spans: Sequence[tuple[int, int]], pad: int, length: int) -> list[tuple[int, int]]:
    """`spans` `(start, end)` widened by `pad` on each side within `[0, length]`, a gap shorter than `2 * pad`
    shared between its neighbours (the rule of `speech_pad_s`; samples here, frames in `asr.speaker`'s diarize)."""
    bounds = [[start, end] for start, end in spans]
    if bounds:
        bounds[0][0] = max(0, bounds[0][0] - pad)
        bounds[-1][1] = max(bounds[-1][1], min(length, bounds[-1][1] + pad))
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

    **Arguments:**

    - `probs`: a 1-D tensor or sequence of speech probabilities, chunk by chunk.
    - `chunk_samples`, `sample_rate`: the chunk length in samples and the audio rate in Hz.
    - `num_samples`: length of the audio (default: `len(probs) * chunk_samples`).
    - `options`: the segmentation rules.

    **Returns:** the segments in time order.

    Example: 32 ms chunks at 16 kHz, speech in chunks 10 to 29 (padded by 30 ms on each side):

        >>> from neuraltypes_collections.asr.vad import segments_from_probs
        >>> segments_from_probs([0.0] * 10 + [0.9] * 20 + [0.0] * 10, chunk_samples=512, sample_rate=16000)
        [SpeechSegment(start_s=0.29, end_s=0.99, score=0.9...)]
    """
    values = probs.tolist() if isinstance(probs, Tensor) else list(probs)
    total = len(values) * chunk_samples if num_samples is None else num_samples
    return [
        SpeechSegment(
            start / sample_rate,
            end / sample_rate,
            sum(values[span.first_chunk : span.end_chunk]) / max(1, span.end_chunk - span.first_chunk),
        )
        for span, (start, end) in _padded_speech_spans(values, chunk_samples, total, sample_rate, options)
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


def speech_groups(
    probs: Sequence[float],
    *,
    chunk_samples: int,
    sample_rate: int,
    num_samples: int,
    max_samples: int,
    options: SegmentationOptions,
) -> list[tuple[int, int]]:
    """`(start, end)` sample bounds of the pieces `split_at_silences` cuts: padded speech segments grouped greedily
    while a group spans at most `max_samples`; a segment longer than that is cut at its least speech-like chunk."""
    pad = round(options.speech_pad_s * sample_rate)
    bounded: list[tuple[int, int]] = []
    for span, (start, end) in _padded_speech_spans(probs, chunk_samples, num_samples, sample_rate, options):
        if end - start <= max_samples:
            bounded.append((start, end))
            continue
        parts = _split_long(span, probs, chunk_samples, max_samples - 2 * pad)
        bounded += [
            (start if i == 0 else p.start, end if i == len(parts) - 1 else p.end) for i, p in enumerate(parts)
        ]
    groups: list[list[int]] = []
    for start, end in bounded:
        if groups and end - groups[-1][0] <= max_samples:
            groups[-1][1] = end
        else:
            groups.append([start, end])
    return [(start, end) for start, end in groups]


__all__ = [
    "AudioChunk",
    "DetectSpeechOptions",
    "SegmentationOptions",
    "SpeechDetection",
    "SpeechSegment",
    "TimeSpan",
    "refuse_windows",
    "segments_from_probs",
    "speech_groups",
    "speech_probs_of",
]
