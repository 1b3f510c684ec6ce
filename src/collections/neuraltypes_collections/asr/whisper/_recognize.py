"""`transcribe` for Whisper: loaded 16 kHz clips in, one `Transcription` each (text, segments, log-probability).

A recording of any length is read in 30 s windows, as faster-whisper reads it (`generate_segments` without VAD):
the log-mel features are computed a window at a time (`WindowedFeatures`: equal to those of the whole recording,
in memory that does not grow with its length); a window starts at the seek position, is decoded
with the text so far as its prompt (``<|startofprev|>`` and the last 223 tokens), and the seek moves to the last
complete segment's end (or by the whole window when the window ends on a single timestamp, holds no timestamp
pair, or is silent). The first window of every clip is decoded in batches (sorted by length, so the results do not
depend on the batch size); the windows after it, one clip at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import Tensor

from ...common._errors import InputError
from ...common._model import eval_mode
from ...common._verbs import batches
from .._transcribe import Fallback, Recognition, Transcription, TranscriptSegment, WordTimestamp
from ._decoding import TIME_PRECISION_S, DecodedWindow, DecodingOptions, DecodingTask, decode_with_fallback
from ._features import WindowedFeatures
from ._language import check_language, choose_starts, decode_by_prompt
from ._timestamps import WindowPiece, window_words
from ._tokenizer import WhisperTokenizer

if TYPE_CHECKING:
    from ._model import WhisperModel

__all__ = ["recognize"]


@dataclass
class _Clip:
    """One recording being transcribed: its features, where the next window starts, what was found so far."""

    features: WindowedFeatures
    content_frames: int
    seek: int = 0
    tokens: list[int] = field(default_factory=list)  # the kept segments' tokens: the next window's prompt
    segments: list[TranscriptSegment] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    words: list[WordTimestamp] | None = None  # a list when word timestamps were asked for
    last_speech_s: float = 0.0  # where the last word ended (word timestamps)
    sum_logprob: float = 0.0
    token_count: int = 0
    start: tuple[int, ...] = ()  # how every window's prompt ends: the start sequence (language, task)
    language: str | None = None
    language_probability: float | None = None

    def window(self, n_frames: int) -> Tensor:
        part = self.features.frames(self.seek, self.seek + n_frames)
        return F.pad(part, (0, n_frames - part.shape[-1]))


def _prompt(
    tokenizer: WhisperTokenizer, previous: list[int], n_text_ctx: int, start: Sequence[int] = ()
) -> list[int]:
    """faster-whisper's prompt: the previous text's last tokens after ``<|startofprev|>``, then the start sequence
    (`start`, else English transcription's)."""
    history = [tokenizer.sot_prev, *previous[-(n_text_ctx // 2 - 1) :]] if previous else []
    return [*history, *(start or tokenizer.sot_sequence())]


#: Word times of a window's pieces: `(pieces, offset_s, frames, last_speech_s)` -> `window_words`' result.
_Aligner = Callable[
    [list[WindowPiece], float, int, float],
    tuple[list[TranscriptSegment], list[tuple[WordTimestamp, ...]], float],
]


def _advance(clip: _Clip, decoded: DecodedWindow, tokenizer: WhisperTokenizer, options: DecodingOptions,
             n_frames: int, aligner: _Aligner | None = None) -> None:  # fmt: skip
    """Keep the window's complete segments and move the seek (faster-whisper's `_split_segments_by_timestamps`);
    with an `aligner`, add their words, and move the seek to the last word's end unless the window ended on a
    single timestamp (faster-whisper with `word_timestamps=True`)."""
    size = min(n_frames, clip.content_frames - clip.seek)
    offset_s = clip.seek * HOP_S
    clip.sum_logprob += decoded.sum_logprob
    clip.token_count += len(decoded.tokens) + 1
    if decoded.is_silent(options):
        clip.seek += size
        return
    tokens, begin = list(decoded.tokens), tokenizer.timestamp_begin
    single_ending = len(tokens) >= 2 and tokens[-2] < begin <= tokens[-1]
    pairs = [i for i in range(1, len(tokens)) if tokens[i] >= begin and tokens[i - 1] >= begin]
    pieces: list[WindowPiece] = []
    if pairs:
        cuts = pairs + [len(tokens)] if single_ending else pairs
        start = 0
        for cut in cuts:
            part = tokens[start:cut]
            pieces.append(WindowPiece(tuple(part), offset_s + (part[0] - begin) * TIME_PRECISION_S,
                                      offset_s + (part[-1] - begin) * TIME_PRECISION_S))  # fmt: skip
            start = cut
        clip.seek += size if single_ending else (tokens[start - 1] - begin) * 2
    else:
        times = [token for token in tokens if token >= begin]
        duration_s = (times[-1] - begin) * TIME_PRECISION_S if times and times[-1] != begin else size * HOP_S
        pieces.append(WindowPiece(tuple(tokens), offset_s, offset_s + duration_s))
        clip.seek += size
    segments = [TranscriptSegment("", piece.start_s, piece.end_s) for piece in pieces]
    words: list[tuple[WordTimestamp, ...]] = [() for _ in pieces]
    if aligner is not None and pieces:
        segments, words, _ = aligner(pieces, offset_s, size, clip.last_speech_s)
        ends = [word.end_s for placed in words for word in placed]
        last_end = ends[-1] if ends else segments[-1].end_s
        if not single_ending and last_end > offset_s:
            clip.seek = round(last_end * FRAMES_PER_S)
        clip.last_speech_s = last_end
    for piece, segment, placed in zip(pieces, segments, words, strict=True):
        text = tokenizer.decode(piece.tokens)
        if segment.start_s == segment.end_s or not text.strip():
            continue
        clip.tokens += piece.tokens
        clip.texts.append(text)
        clip.segments.append(TranscriptSegment(text.strip(), segment.start_s, segment.end_s))
        if clip.words is not None:
            clip.words += placed


def _result(clip: _Clip) -> Transcription:
    return Transcription(
        "".join(clip.texts).strip(), clip.sum_logprob, segments=tuple(clip.segments),
        avg_logprob=clip.sum_logprob / max(clip.token_count, 1),
        language=clip.language, language_probability=clip.language_probability,
        words=None if clip.words is None else tuple(clip.words),
    )  # fmt: skip


HOP_S = 0.01  # seconds per mel frame
FRAMES_PER_S = 100


def _aligner(model: WhisperModel, encoded: Tensor, prompt: list[int], wanted: bool) -> _Aligner | None:
    """Word times for the window encoded as `encoded` `(1, step, channel)` and decoded after `prompt`."""
    tokenizer = model.tokenizer
    if not wanted or tokenizer is None:
        return None
    start = prompt[prompt.index(tokenizer.sot) :]

    def align(pieces: list[WindowPiece], offset_s: float, frames: int, last_speech_s: float) -> Any:
        return window_words(
            model.decoder, encoded, tokenizer, pieces, start_sequence=start, frames=frames, offset_s=offset_s,
            alignment_heads=model.config.alignment_heads, last_speech_s=last_speech_s,
        )  # fmt: skip

    return align


def _decoding_options(fallback: Fallback, *, max_length: int, beam_size: int) -> DecodingOptions:
    """`transcribe`'s temperature and thresholds as `DecodingOptions`, the temperature checked here (by its name)."""
    value = fallback.temperature
    temperatures = (value,) if isinstance(value, (int, float)) else tuple(value)
    if (not temperatures or any(isinstance(t, bool) or not isinstance(t, (int, float)) or not t >= 0
                                for t in temperatures)):  # fmt: skip
        raise InputError(
            f"transcribe: temperature must be a number >= 0 or a non-empty sequence of them, got {value!r}; "
            "hint: faster-whisper's fallback is temperature=(0.0, 0.2, 0.4, 0.6, 0.8, 1.0)",
            source="temperature",
        )
    return DecodingOptions(
        max_length=max_length, beam_size=beam_size, temperatures=tuple(float(t) for t in temperatures),
        compression_ratio_threshold=fallback.compression_ratio_threshold,
        log_prob_threshold=fallback.log_prob_threshold, no_speech_threshold=fallback.no_speech_threshold,
    )  # fmt: skip


def recognize(
    model: WhisperModel, clips: Sequence[Tensor], settings: Recognition, options: DecodingOptions | None = None
) -> list[Transcription]:
    """Whisper transcriptions of mono `clips` at 16 kHz, in their order (greedy, or a beam search of `beam`)."""
    beam, device = settings.beam, settings.device
    if beam is not None and (isinstance(beam, bool) or not isinstance(beam, int) or beam < 1):
        raise InputError(
            f"transcribe: a Whisper model takes beam=<beam size>, an integer >= 1 (None: greedy), got {beam!r}",
            source="beam",
        )
    tokenizer = model.tokenizer
    if tokenizer is None:
        raise InputError("transcribe: the Whisper model has no tokenizer.json artifact", source="model")
    config, dims = model.config, model.config.dimensions
    if settings.timestamps and not config.alignment_heads:
        raise InputError(
            "transcribe: word timestamps need the model's alignment_heads (config.json of its CTranslate2 "
            "directory), and this model has none; hint: reconvert it with a current ctranslate2, or leave "
            "timestamps=False (segment times are in result.segments)",
            source="timestamps",
        )
    check_language(model, settings.language, settings.task, function="transcribe")
    beam_size = beam if isinstance(beam, int) else 1
    options = options or _decoding_options(settings.fallback, max_length=dims.n_text_ctx, beam_size=beam_size)
    task = DecodingTask.of(model, [], options)  # after each window's own prompt
    order = sorted(range(len(clips)), key=lambda i: -clips[i].shape[0])
    state: dict[int, _Clip] = {}
    with eval_mode(model), torch.inference_mode():
        for batch in batches(order, settings.batch_size, progress=settings.progress, description="transcribe"):
            for index in batch:
                features = WindowedFeatures(model.front_end, clips[index].to(device))
                state[index] = _Clip(features, features.content_frames)
                state[index].words = [] if settings.timestamps else None
            first = [state[i].window(dims.n_frames) for i in batch if state[i].content_frames > 0]
            if first:
                encoded = model.encoder(torch.stack(first))
                active = [state[i] for i in batch if state[i].content_frames > 0]
                starts = choose_starts(model, [clips[i].to(device) for i in batch if state[i].content_frames > 0],
                                       encoded, [c.content_frames for c in active], settings.language,
                                       settings.task)  # fmt: skip
                for clip, choice in zip(active, starts, strict=True):
                    clip.start, clip.language = choice.start, choice.language
                    clip.language_probability = choice.probability
                prompts = [_prompt(tokenizer, [], dims.n_text_ctx, clip.start) for clip in active]
                windows = iter(decode_by_prompt(task, encoded, prompts))
                rows = iter(range(encoded.shape[0]))
                for index in batch:
                    if state[index].content_frames > 0:
                        row = next(rows)
                        aligner = _aligner(model, encoded[row][None], prompts[row], settings.timestamps)
                        _advance(state[index], next(windows), tokenizer, options, dims.n_frames, aligner)
            for index in batch:
                clip = state[index]
                while clip.seek < clip.content_frames:
                    encoded = model.encoder(clip.window(dims.n_frames)[None])
                    prompt = _prompt(tokenizer, clip.tokens, dims.n_text_ctx, clip.start)
                    [decoded] = decode_with_fallback(task.after(prompt), encoded)
                    aligner = _aligner(model, encoded, prompt, settings.timestamps)
                    _advance(clip, decoded, tokenizer, options, dims.n_frames, aligner)
    return [_result(state[index]) for index in range(len(clips))]
