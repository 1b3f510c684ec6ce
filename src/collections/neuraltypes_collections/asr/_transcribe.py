"""`transcribe`: files or tensors in, text (with scores and word timestamps on request) out."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

from ..common import eval_mode
from ._audio import check_audio, read_audio, resample
from ._decoding import CTCBeamDecoder, collapse_ctc

if TYPE_CHECKING:
    from .models._ctc import CTCModel

__all__ = ["Transcription", "WordTimestamp", "transcribe", "word_timestamps"]

AudioInput = str | os.PathLike[str] | Tensor


@dataclass(frozen=True)
class WordTimestamp:
    """A word and where it is spoken, in seconds from the start of the clip."""

    word: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Transcription:
    """One clip's result: `text`, its `score` (log-probability of the decoded path, or the beam score) and,
    when timestamps were asked for, its `words`."""

    text: str
    score: float
    words: tuple[WordTimestamp, ...] | None = None


def _load(item: AudioInput, index: int, sample_rate: int, input_rate: int | None) -> Tensor:
    if isinstance(item, Tensor):
        source = f"inputs[{index}] (tensor)"
        if item.dim() == 2 and item.shape[0] <= 8:  # (channel, time): mix down
            item = item.float().mean(dim=0)
        if item.dim() != 1:
            raise ValueError(f"{source}: expected mono audio of shape (time,) or (channel, time), got {tuple(item.shape)}")
        audio = check_audio(item.detach().float().cpu(), source)
        if input_rate is None:
            return audio
        return resample(audio, input_rate, sample_rate)
    return read_audio(item, sample_rate)[0]


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


def transcribe(
    model: CTCModel,
    inputs: Sequence[AudioInput] | AudioInput,
    batch_size: int = 8,
    *,
    timestamps: bool = False,
    return_hypotheses: bool = False,
    sample_rate: int | None = None,
    beam: CTCBeamDecoder | None = None,
    progress: bool | None = None,
) -> list[str] | list[Transcription]:
    """Transcribe audio files or tensors with a CTC model.

    **Arguments:**

    - `model`: a `CTCModel`.
    - `inputs`: paths (wav/flac/ogg, any rate, resampled) and/or tensors (`(time,)`, or `(channel, time)` with at
      most 8 channels, averaged to mono); one item or a sequence.
    - `batch_size`: clips per forward pass. Clips are sorted by length so each batch carries little padding;
      results come back in input order and do not depend on the batch size (see the batch-consistency test).
    - `timestamps`: add word timestamps (from CTC forced alignment); implies `return_hypotheses`.
    - `return_hypotheses`: return `Transcription` objects (text and score) instead of strings.
    - `sample_rate`: the rate of tensor inputs, if it differs from the model's (they are resampled).
    - `beam`: a `CTCBeamDecoder` for beam search (optionally with an n-gram LM) instead of greedy decoding.
    - `progress`: show a progress bar; `None` shows one when there are more than four batches.

    **Returns:** one string (or `Transcription`) per input, in input order. The model is left in the train/eval
    mode it had.
    """
    if batch_size < 1:
        raise ValueError(f"transcribe: batch_size must be >= 1, got {batch_size}")
    if isinstance(inputs, (str, os.PathLike, Tensor)):
        inputs = [inputs]
    items = list(inputs)
    if model.tokenizer is None:
        raise ValueError("transcribe: the model has no tokenizer")
    rate = model.sample_rate
    clips = [_load(item, index, rate, sample_rate) for index, item in enumerate(items)]
    order = sorted(range(len(clips)), key=lambda i: -clips[i].shape[0])
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    show = progress if progress is not None else len(batches) > 4
    if show:
        from tqdm.auto import tqdm  # type: ignore[import-untyped]

        batches = tqdm(batches, desc="transcribe", unit="batch")
    seconds_per_step = model.config.preprocessor.hop_length * model.config.encoder.total_stride / rate
    results: list[Transcription | None] = [None] * len(clips)
    device = next(model.parameters()).device
    with eval_mode(model), torch.inference_mode():
        for batch in batches:
            lengths = torch.tensor([clips[i].shape[0] for i in batch])
            audio = torch.zeros(len(batch), int(lengths.max()))
            for row, i in enumerate(batch):
                audio[row, : clips[i].shape[0]] = clips[i]
            out = model(audio.to(device), lengths.to(device))
            log_probs, steps = out.log_probs.float().cpu(), out.encoded_lengths.cpu()
            beams = beam(log_probs, steps) if beam is not None else None
            for row, i in enumerate(batch):
                n = int(steps[row])
                clip = log_probs[row, :n]
                if beams is not None:
                    text, score = beams[row][0] if beams[row] else ("", float("-inf"))
                    tokens = model.tokenizer.encode(text) if timestamps else []
                else:
                    best, best_ids = clip.max(dim=-1) if n else (torch.zeros(0), torch.zeros(0, dtype=torch.long))
                    tokens, _ = collapse_ctc(best_ids.tolist(), model.blank_id)
                    text, score = model.tokenizer.decode(tokens), float(best.sum())
                words = word_timestamps(clip, tokens, model.tokenizer, seconds_per_step) if timestamps else None
                results[i] = Transcription(text, score, words)
    final = [r for r in results if r is not None]
    if timestamps or return_hypotheses:
        return final
    return [r.text for r in final]
