"""Word timestamps for Whisper from the cross-attention of its alignment heads (dynamic time warping).

A window's text is aligned with its audio the way Whisper and CTranslate2 do it (OpenAI's `timing.py`,
CTranslate2's `WhisperReplica::align`, faster-whisper's `add_word_timestamps`):

1. the decoder reads ``<|startoftranscript|>`` (the start sequence), ``<|notimestamps|>``, the window's text tokens
   and end-of-text in one pass; the cross-attention of the heads listed in `config.json`'s `alignment_heads` is
   kept (softmax over the window's encoded steps, 20 ms each, the padding after the audio left out), and each
   token's probability among the text tokens;
2. each head's weights are standardised over the tokens, median-filtered over time (width 7, reflected at the
   edges) and averaged over the heads;
3. dynamic time warping finds the monotonic path of least cost through the negated weights (rows: the
   ``<|notimestamps|>`` position and the text tokens; columns: encoded steps); a token starts where the path
   first reaches its row;
4. the tokens are grouped into words (a piece that starts with a space or is punctuation starts a word; for
   Chinese, Japanese, Thai, Lao, Burmese and Cantonese every complete character is a word), a word's probability
   is the mean of its tokens', and punctuation is merged into its neighbour (opening marks forward, closing marks
   back);
5. faster-whisper's corrections: a word is at most twice the median word length (capped at 0.7 s) next to a
   sentence end and after a pause, and a segment's first and last words and the segment's own times are made to
   agree.

The attention is computed from the decoder's own submodules (the query projection of each aligning block's
cross-attention, read by a forward hook, and its keys), so the decoder needs no second code path.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .._transcribe import TranscriptSegment, WordTimestamp
from ._modules import WhisperDecoder
from ._tokenizer import WhisperTokenizer

__all__ = ["APPEND_PUNCTUATION", "PREPEND_PUNCTUATION", "WindowPiece", "negative_dtw", "window_words"]

#: Marks joined to the word after them (faster-whisper's `prepend_punctuations`).
PREPEND_PUNCTUATION = "\"'“¿([{-"
#: Marks joined to the word before them (faster-whisper's `append_punctuations`).
APPEND_PUNCTUATION = "\"'.。,，!！?？:：”)]}、"
MEDIAN_FILTER_WIDTH = 7
#: Seconds per encoded step (two mel frames of 10 ms).
SECONDS_PER_STEP = 0.02
_SENTENCE_END = ".。!！?？"
_LONGEST_MEDIAN_S = 0.7
_CHARACTER_LANGUAGES = {"zh", "ja", "th", "lo", "my", "yue"}
_ASCII_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


@dataclass(frozen=True)
class WindowPiece:
    """One segment of a decoded window before word times: its tokens (timestamps included) and its times."""

    tokens: tuple[int, ...]
    start_s: float
    end_s: float


@dataclass
class _Timing:
    """A word being placed (mutable while punctuation is merged): text, tokens, times in the window, probability."""

    word: str
    tokens: list[int]
    start_s: float
    end_s: float
    probability: float


def _attention(
    decoder: WhisperDecoder, encoded: Tensor, tokens: list[int], heads: Sequence[tuple[int, int]], steps: int
) -> tuple[Tensor, Tensor]:
    """The decoder's logits `(token, vocab)` for `tokens` after `encoded` `(1, step, channel)`, and the attention
    `(head, token, steps)` of the alignment `heads` over the first `steps` encoded steps (softmax over those).

    A forward hook on each aligning block's `cross_attn_ln` reads the normalised states the cross-attention
    queries are computed from; the queries and keys are then projected by the block's own `cross_attn`."""
    blocks = list(decoder.blocks)
    normed: dict[int, Tensor] = {}
    hooks = [
        blocks[layer].cross_attn_ln.register_forward_hook(  # type: ignore[union-attr]
            lambda _module, _args, output, layer=layer: normed.__setitem__(layer, output)
        )
        for layer in sorted({layer for layer, _ in heads})
    ]
    try:
        ids = torch.tensor([tokens], dtype=torch.long, device=encoded.device)
        logits = decoder.step(ids, decoder.start(encoded))[0].float()
    finally:
        for hook in hooks:
            hook.remove()
    weights = []
    for layer, head in heads:
        attention: Any = blocks[layer].cross_attn
        query = attention.heads(attention.query(normed[layer]))[0, head].float()
        keys = attention.heads(attention.key(encoded[:, :steps]))[0, head].float()
        weights.append((query @ keys.T / math.sqrt(query.shape[-1])).softmax(dim=-1))
    return logits, torch.stack(weights)


def _median_filter(x: Tensor, width: int) -> Tensor:
    """The running median of `width` (odd) values along the last axis, reflected at the edges."""
    rank = width // 2
    if x.shape[-1] <= rank:
        return x
    padded = F.pad(x, (rank, rank), mode="reflect")
    return padded.unfold(-1, width, 1).median(dim=-1).values


def negative_dtw(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The dynamic-time-warping path through `-cost` `(row, column)` from the first cell to the last: the rows and
    columns it visits, in order. Steps are diagonal, down or right; ties go right, then down (CTranslate2's order).

    The cells of one anti-diagonal depend only on the two before it, so each anti-diagonal is one vector step.
    """
    x = -np.asarray(cost, dtype=np.float32)
    n, m = x.shape
    total = np.full((n + 1, m + 1), np.inf, dtype=np.float32)
    trace = np.full((n + 1, m + 1), -1, dtype=np.int8)
    total[0, 0] = 0.0
    for diagonal in range(2, n + m + 1):
        i = np.arange(max(1, diagonal - m), min(n, diagonal - 1) + 1)
        j = diagonal - i
        c0, c1, c2 = total[i - 1, j - 1], total[i - 1, j], total[i, j - 1]
        diagonal_best = (c0 < c1) & (c0 < c2)
        down_best = ~diagonal_best & (c1 < c0) & (c1 < c2)
        best = np.where(diagonal_best, c0, np.where(down_best, c1, c2))
        total[i, j] = x[i - 1, j - 1] + best
        trace[i, j] = np.where(diagonal_best, 0, np.where(down_best, 1, 2))
    trace[0, :], trace[:, 0] = 2, 1
    rows, columns = [], []
    i, j = n, m
    while i > 0 or j > 0:
        rows.append(i - 1)
        columns.append(j - 1)
        step = trace[i, j]
        i, j = (i - 1, j - 1) if step == 0 else (i - 1, j) if step == 1 else (i, j - 1)
    return np.array(rows[::-1]), np.array(columns[::-1])


def _split_words(tokenizer: WhisperTokenizer, tokens: list[int], language: str) -> list[tuple[str, list[int]]]:
    """`tokens` grouped into words: complete characters, then (except for the languages written without spaces)
    runs that start with a space or with punctuation."""
    full = tokenizer.decode(tokens)
    pieces: list[tuple[str, list[int]]] = []
    current: list[int] = []
    offset = 0
    for token in tokens:
        current.append(token)
        decoded = tokenizer.decode(current)
        broken = decoded.find("\ufffd")
        if broken < 0 or (offset + broken < len(full) and full[offset + broken] == "\ufffd"):
            pieces.append((decoded, current))
            current = []
            offset += len(decoded)
    if language in _CHARACTER_LANGUAGES:
        return pieces
    words: list[tuple[str, list[int]]] = []
    for text, part in pieces:
        if text.startswith(" ") or text.strip() in _ASCII_PUNCTUATION or not words:
            words.append((text, list(part)))
        else:
            words[-1] = (words[-1][0] + text, words[-1][1] + part)
    return words


def _merge_punctuation(timings: list[_Timing]) -> None:
    """Opening marks joined to the next word, closing marks to the previous one; the mark's own entry is emptied."""
    following = len(timings) - 1
    for index in range(len(timings) - 2, -1, -1):
        mark, word = timings[index], timings[following]
        if mark.word.startswith(" ") and mark.word.strip() in PREPEND_PUNCTUATION:
            word.word, word.tokens = mark.word + word.word, mark.tokens + word.tokens
            mark.word, mark.tokens = "", []
        else:
            following = index
    previous = 0
    for index in range(1, len(timings)):
        word, mark = timings[previous], timings[index]
        if not word.word.endswith(" ") and mark.word in APPEND_PUNCTUATION:
            word.word, word.tokens = word.word + mark.word, word.tokens + mark.tokens
            mark.word, mark.tokens = "", []
        else:
            previous = index


def _align(
    decoder: WhisperDecoder, encoded: Tensor, tokenizer: WhisperTokenizer, start: list[int], text: list[int],
    heads: Sequence[tuple[int, int]], frames: int, language: str,
) -> list[_Timing]:  # fmt: skip
    """Steps 1-4 of the module docstring for one window: its words with times in seconds from the window start."""
    words = _split_words(tokenizer, text, language)
    if not text or not words:
        return []
    sequence = [*start, tokenizer.no_timestamps, *text, tokenizer.eot]
    logits, weights = _attention(decoder, encoded, sequence, heads, frames // 2)
    text_logits = logits[len(start) : len(start) + len(text), : tokenizer.eot]
    probabilities = text_logits.softmax(dim=-1).gather(1, torch.tensor(text, device=logits.device)[:, None])[:, 0]
    mean = weights.mean(dim=-2, keepdim=True)
    weights = (weights - mean) / (weights - mean).square().mean(dim=-2, keepdim=True).sqrt()
    matrix = _median_filter(weights, MEDIAN_FILTER_WIDTH).mean(dim=0)[len(start) : len(start) + len(text) + 1]
    rows, columns = negative_dtw(matrix.cpu().numpy())
    jumps = np.diff(rows, prepend=-1).astype(bool)
    jump_times = columns[jumps] * SECONDS_PER_STEP
    bounds = np.cumsum([0] + [len(part) for _, part in words])
    token_probs = probabilities.cpu().double().numpy()
    return [
        _Timing(word, list(part), float(jump_times[a]), float(jump_times[b]), float(token_probs[a:b].mean()))
        for (word, part), a, b in zip(words, bounds[:-1], bounds[1:], strict=True)
    ]


def _limit_at_sentence_ends(timings: list[_Timing]) -> tuple[float, float]:
    """Shorten words longer than twice the median next to sentence ends; returns (median, longest) in seconds."""
    durations = np.array([t.end_s - t.start_s for t in timings])
    durations = durations[durations.nonzero()]
    median = min(_LONGEST_MEDIAN_S, float(np.median(durations))) if len(durations) else 0.0
    longest = 2 * median
    if len(durations):
        for previous, timing in zip(timings, timings[1:], strict=False):
            if timing.end_s - timing.start_s > longest:
                if timing.word in _SENTENCE_END:
                    timing.end_s = timing.start_s + longest
                elif previous.word in _SENTENCE_END:
                    timing.start_s = timing.end_s - longest
    return median, longest


def window_words(
    decoder: WhisperDecoder,
    encoded: Tensor,
    tokenizer: WhisperTokenizer,
    pieces: Sequence[WindowPiece],
    *,
    start_sequence: Sequence[int],
    alignment_heads: Sequence[tuple[int, int]],
    frames: int,
    offset_s: float,
    last_speech_s: float,
    language: str = "en",
) -> tuple[list[TranscriptSegment], list[tuple[WordTimestamp, ...]], float]:
    """The words of one decoded window, with times in seconds from the start of the recording.

    **Arguments:**

    - `decoder`, `encoded`: the decoder and the window's encoded steps `(1, step, channel)`.
    - `tokenizer`: the model's tokenizer.
    - `pieces`: the window's segments, in order (`WindowPiece`s, times from the recording's start).
    - `start_sequence`: the start of the window's prompt (``<|startoftranscript|>``, language and task tokens).
    - `alignment_heads`: `(layer, head)` pairs of the model's `config.json`.
    - `frames`: mel frames of audio in the window (the rest is padding).
    - `offset_s`: the window's start in the recording.
    - `last_speech_s`: where the last word before this window ended (0 at the start).
    - `language`: the language code (decides how tokens are grouped into words).

    **Returns:** `(segments, words, last_speech_s)`: per piece, its segment (text stripped, possibly empty) with the
    times its words moved it to, and its words; and where the last word of the window ends.
    """
    start = list(start_sequence)
    texts = [[token for token in piece.tokens if token < tokenizer.eot] for piece in pieces]
    text = [token for part in texts for token in part]
    timings = _align(decoder, encoded, tokenizer, start, text, alignment_heads, frames, language)
    median, longest = _limit_at_sentence_ends(timings)
    _merge_punctuation(timings)
    segments: list[TranscriptSegment] = []
    placed: list[tuple[WordTimestamp, ...]] = []
    index = 0
    for piece, part in zip(pieces, texts, strict=True):
        saved = 0
        words: list[WordTimestamp] = []
        while index < len(timings) and saved < len(part):
            timing = timings[index]
            if timing.word:
                words.append(WordTimestamp(timing.word, round(offset_s + timing.start_s, 2),
                                           round(offset_s + timing.end_s, 2), timing.probability))  # fmt: skip
            saved += len(timing.tokens)
            index += 1
        segment_start, segment_end = piece.start_s, piece.end_s
        if words:
            words, segment_start, segment_end = _agree(words, piece, last_speech_s, median, longest)
            last_speech_s = segment_end
        segments.append(TranscriptSegment(tokenizer.decode(piece.tokens).strip(), segment_start, segment_end))
        placed.append(tuple(words))
    return segments, placed, last_speech_s


def _agree(
    words: list[WordTimestamp], piece: WindowPiece, last_speech_s: float, median: float, longest: float
) -> tuple[list[WordTimestamp], float, float]:
    """faster-whisper's corrections at a segment's edges: the first words after a pause are at most `longest`,
    and the segment's and its first and last words' times are made to agree."""
    first, last = words[0], words[-1]
    pause = first.end_s - last_speech_s > 4 * median
    if pause and (first.end_s - first.start_s > longest
                  or (len(words) > 1 and words[1].end_s - first.start_s > 2 * longest)):  # fmt: skip
        if len(words) > 1 and words[1].end_s - words[1].start_s > longest:
            boundary = max(words[1].end_s / 2, words[1].end_s - longest)
            first = replace(first, end_s=boundary)
            words[1] = replace(words[1], start_s=boundary)
        first = replace(first, start_s=max(0.0, first.end_s - longest))
    words[0] = first
    start_s, end_s = piece.start_s, piece.end_s
    if start_s < first.end_s and start_s - 0.5 > first.start_s:
        words[0] = first = replace(first, start_s=max(0.0, min(first.end_s - median, start_s)))
    else:
        start_s = first.start_s
    last = words[-1]
    if end_s > last.start_s and end_s + 0.5 < last.end_s:
        words[-1] = replace(last, end_s=max(last.start_s + median, end_s))
    else:
        end_s = last.end_s
    return words, start_s, end_s
