"""Decoding of one 30 s window with Whisper's token rules: greedy, beam search, sampling, temperature fallback.

The rules are OpenAI's logit filters (`whisper/decoding.py`), which CTranslate2 applies too:

- *suppress blank*: at the first step, the space token and end-of-text (`suppress_ids_begin`) are forbidden;
- *suppress tokens*: the non-speech symbols of `config.json`'s `suppress_ids`, plus the task and start tokens;
- *timestamp rules*: ``<|notimestamps|>`` is forbidden; timestamps come in pairs (after a lone timestamp, only
  another timestamp or end-of-text; after a pair, text); they never go back; the first token is a timestamp no
  later than `max_initial_timestamp_s`; when the timestamps together are more probable than the best text token,
  a timestamp is taken.

The average log-probability is faster-whisper's: the sum over the generated tokens and end-of-text, divided by the
number of generated tokens plus one. The no-speech probability is that of ``<|nospeech|>`` (``<|nocaptions|>``)
after ``<|startoftranscript|>``, from the unfiltered logits; a window whose no-speech probability is above
`no_speech_threshold` and whose average log-probability is below `log_prob_threshold` holds no speech (empty text).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import torch
from torch import Tensor

from ...common._errors import InputError
from ._modules import DecoderCache, WhisperDecoder
from ._tokenizer import WhisperTokenizer

if TYPE_CHECKING:
    from ._model import WhisperModel

__all__ = [
    "DecodedWindow",
    "DecodingOptions",
    "DecodingTask",
    "compression_ratio",
    "decode_windows",
    "decode_with_fallback",
]

#: Seconds per timestamp token.
TIME_PRECISION_S = 0.02


@dataclass(frozen=True)
class DecodingOptions:
    """Options of decoding, validated here (faster-whisper's names and, except `temperatures`, its defaults).

    **Arguments:**

    - `max_initial_timestamp_s`: the latest first timestamp, in seconds (faster-whisper's default 1.0).
    - `suppress_blank`: forbid a space or end-of-text as the first token.
    - `max_length`: the decoder's positions (448); at most half of them are generated.
    - `beam_size`: 1 for greedy decoding, else the beams of a beam search (faster-whisper's default is 5).
    - `patience`: a beam search stops when `beam_size * patience` hypotheses have finished.
    - `no_speech_threshold`, `log_prob_threshold`: a window is silent when its no-speech probability is above the
      first and its average log-probability below the second (faster-whisper's 0.6 and -1.0); `None` never.
    - `temperatures`: decoded at the first; when the text is too repetitive (its zlib compression ratio above
      `compression_ratio_threshold`) or too improbable (average log-probability below `log_prob_threshold`) and
      the window is not silent, decoded again at the next (sampling `best_of` candidates, best by log-probability
      per token). The default `(0.0,)` never falls back; faster-whisper's is `(0.0, 0.2, 0.4, 0.6, 0.8, 1.0)`.
    - `seed`: seeds the sampling, so that a fallback gives the same text every time.
    """

    max_initial_timestamp_s: float = 1.0
    suppress_blank: bool = True
    max_length: int = 448
    beam_size: int = 1
    patience: float = 1.0
    no_speech_threshold: float | None = 0.6
    log_prob_threshold: float | None = -1.0
    temperatures: tuple[float, ...] = (0.0,)
    compression_ratio_threshold: float | None = 2.4
    best_of: int = 5
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.temperatures or not all(t >= 0 for t in self.temperatures):
            raise InputError(
                f"temperatures must be a non-empty tuple of values >= 0, got {self.temperatures!r}",
                source="temperatures",
            )
        if isinstance(self.best_of, bool) or not isinstance(self.best_of, int) or self.best_of < 1:
            raise InputError(f"best_of must be an integer >= 1, got {self.best_of!r}", source="best_of")
        if not self.max_initial_timestamp_s >= 0:
            raise InputError(
                f"max_initial_timestamp_s must be >= 0, got {self.max_initial_timestamp_s!r}",
                source="max_initial_timestamp_s",
            )
        if self.max_length < 2:
            raise InputError(f"max_length must be >= 2, got {self.max_length!r}", source="max_length")
        if isinstance(self.beam_size, bool) or not isinstance(self.beam_size, int) or self.beam_size < 1:
            raise InputError(f"beam_size must be an integer >= 1, got {self.beam_size!r}", source="beam_size")
        if not self.patience > 0:
            raise InputError(f"patience must be > 0, got {self.patience!r}", source="patience")


@dataclass(frozen=True)
class DecodedWindow:
    """The tokens generated for one window (timestamps included, end-of-text excluded), their log-probability,
    and the probability that the window holds no speech."""

    tokens: tuple[int, ...]
    sum_logprob: float
    no_speech_prob: float

    @property
    def avg_logprob(self) -> float:
        return self.sum_logprob / (len(self.tokens) + 1)

    def is_silent(self, options: DecodingOptions) -> bool:
        """Whether `options`' thresholds call this window silent (faster-whisper's rule)."""
        if options.no_speech_threshold is None or self.no_speech_prob <= options.no_speech_threshold:
            return False
        return options.log_prob_threshold is None or self.avg_logprob <= options.log_prob_threshold


def _apply_rules(
    logits: Tensor,
    generated: list[list[int]],
    tokenizer: WhisperTokenizer,
    suppressed: Tensor,
    suppressed_first: Tensor,
    last_initial: int,
) -> None:
    """Forbid (set to -inf) what Whisper's rules forbid at this step, in place on `logits` `(batch, vocab)`."""
    first = not generated[0]
    begin, eot = tokenizer.timestamp_begin, tokenizer.eot
    if first:
        logits[:, suppressed_first] = -torch.inf
    logits[:, suppressed] = -torch.inf
    logits[:, tokenizer.no_timestamps] = -torch.inf
    for row, seq in enumerate(generated):
        last_was_timestamp = len(seq) >= 1 and seq[-1] >= begin
        penultimate_was_timestamp = len(seq) < 2 or seq[-2] >= begin
        if last_was_timestamp:
            if penultimate_was_timestamp:
                logits[row, begin:] = -torch.inf
            else:
                logits[row, :eot] = -torch.inf
        timestamps = [token for token in seq if token >= begin]
        if timestamps:
            # never back in time; a segment has a nonzero length
            last = (
                timestamps[-1] if last_was_timestamp and not penultimate_was_timestamp else timestamps[-1] + 1
            )
            logits[row, begin:last] = -torch.inf
    if first:
        logits[:, :begin] = -torch.inf
        logits[:, last_initial + 1 :] = -torch.inf
    logprobs = torch.log_softmax(logits, dim=-1)
    timestamp_logprob = logprobs[:, begin:].logsumexp(dim=-1)
    text_logprob = logprobs[:, :begin].max(dim=-1).values
    logits[timestamp_logprob > text_logprob, :begin] = -torch.inf


@dataclass(frozen=True)
class _Rules:
    """Whisper's token rules for one decoding run (see the module docstring)."""

    tokenizer: WhisperTokenizer
    suppressed: Tensor
    suppressed_first: Tensor
    last_initial: int

    @classmethod
    def of(
        cls, tokenizer: WhisperTokenizer, suppress_ids: list[int], suppress_ids_begin: list[int],
        options: DecodingOptions, device: torch.device,
    ) -> _Rules:  # fmt: skip
        suppressed = torch.tensor(tokenizer.suppressed(suppress_ids), dtype=torch.long, device=device)
        first = torch.tensor(
            suppress_ids_begin if options.suppress_blank else [], dtype=torch.long, device=device
        )
        last_initial = tokenizer.timestamp_begin + round(options.max_initial_timestamp_s / TIME_PRECISION_S)
        return cls(tokenizer, suppressed, first, last_initial)

    def apply(self, logits: Tensor, generated: list[list[int]]) -> None:
        _apply_rules(
            logits, generated, self.tokenizer, self.suppressed, self.suppressed_first, self.last_initial
        )


def _max_new_tokens(options: DecodingOptions, prompt: list[int]) -> int:
    """At most half the decoder's positions are generated, and no more than fit after the prompt (CTranslate2's
    `max_length`: the last generated token is never fed back)."""
    return min(options.max_length // 2, options.max_length - len(prompt) + 1)


def _no_speech_probs(at_sot: Tensor, tokenizer: WhisperTokenizer) -> list[float]:
    return [float(p) for p in at_sot.softmax(dim=-1)[:, tokenizer.no_speech].tolist()]


def _next_logits(
    decoder: WhisperDecoder, tokens: Tensor, cache: DecoderCache, sot: int | None
) -> tuple[Tensor, Tensor | None]:
    """The float32 logits `(batch, vocab)` after the last of `tokens` (which extend `cache`) and, when `sot` is
    given, those at that position of `tokens` (the start-of-transcript): the only positions decoding reads."""
    states = decoder.advance(tokens, cache)
    if sot is None:
        return decoder.logits(states[:, -1]).float(), None
    both = decoder.logits(states[:, [-1, sot]]).float()
    return both[:, 0], both[:, 1]


@dataclass(frozen=True)
class DecodingTask:
    """What every decoding of one window shares: the decoder, the tokenizer, the prompt, the ids the token rules
    suppress (`suppress_ids` always, `suppress_ids_begin` at the first step: a model config's lists) and the
    options. `of` builds it from a `WhisperModel`."""

    decoder: WhisperDecoder
    tokenizer: WhisperTokenizer
    prompt: list[int]
    suppress_ids: list[int]
    suppress_ids_begin: list[int]
    options: DecodingOptions

    @classmethod
    def of(cls, model: WhisperModel, prompt: list[int], options: DecodingOptions) -> DecodingTask:
        """Decoding with `model`'s decoder, tokenizer and suppression lists after `prompt`."""
        if model.tokenizer is None:
            raise InputError("WhisperModel: no tokenizer.json artifact; decoding needs one", source="model")
        config = model.config
        return cls(model.decoder, model.tokenizer, prompt, list(config.suppress_ids), list(config.suppress_ids_begin),
                   options)  # fmt: skip

    def after(self, prompt: list[int]) -> DecodingTask:
        """The same task after another prompt."""
        return replace(self, prompt=prompt)

    def rules(self, device: torch.device) -> _Rules:
        return _Rules.of(self.tokenizer, self.suppress_ids, self.suppress_ids_begin, self.options, device)


def decode_windows(task: DecodingTask, encoded: Tensor, *, temperature: float = 0.0) -> list[DecodedWindow]:
    """Decoding of a batch of encoded windows `(batch, step, channel)`, all after `task.prompt`: greedy, a beam
    search of `options.beam_size` for each window in turn, or at a `temperature` above 0, `options.best_of`
    samples of each window in turn (the best by log-probability per token)."""
    rows = [encoded[row : row + 1] for row in range(encoded.shape[0])]
    if temperature > 0:
        return [_sample_decode(task, window, temperature) for window in rows]
    if task.options.beam_size > 1:
        return [_beam_decode(task, window) for window in rows]
    return _sequential_decode(task, encoded)


def _sequential_decode(
    task: DecodingTask, encoded: Tensor, temperature: float = 0.0, generator: torch.Generator | None = None
) -> list[DecodedWindow]:
    """One token per row and step: the most probable, or one sampled at `temperature` with `generator`."""
    decoder, tokenizer, prompt = task.decoder, task.tokenizer, task.prompt
    batch = encoded.shape[0]
    cache: DecoderCache = decoder.start(encoded)
    rules = task.rules(encoded.device)
    generated: list[list[int]] = [[] for _ in range(batch)]
    sums = [0.0] * batch
    done = [False] * batch
    tokens = torch.tensor([prompt] * batch, dtype=torch.long, device=encoded.device)
    no_speech = [0.0] * batch
    for step in range(_max_new_tokens(task.options, prompt)):
        logits, at_sot = _next_logits(
            decoder, tokens, cache, prompt.index(tokenizer.sot) if step == 0 else None
        )
        if at_sot is not None:
            no_speech = _no_speech_probs(at_sot, tokenizer)
        rules.apply(logits, generated)
        if generator is None:
            best = logits.argmax(dim=-1)
        else:
            best = torch.multinomial((logits / temperature).softmax(dim=-1), 1, generator=generator)[:, 0]
        logprobs = torch.log_softmax(logits, dim=-1).gather(1, best[:, None])[:, 0]
        for row, (token, logprob) in enumerate(zip(best.tolist(), logprobs.tolist(), strict=True)):
            if done[row]:
                continue
            sums[row] += logprob
            if token == tokenizer.eot:
                done[row] = True
            else:
                generated[row].append(token)
        if all(done):
            break
        tokens = best[:, None]
    return [
        DecodedWindow(tuple(seq), total, probability)
        for seq, total, probability in zip(generated, sums, no_speech, strict=True)
    ]


def _sample_decode(task: DecodingTask, encoded: Tensor, temperature: float) -> DecodedWindow:
    """`options.best_of` samples of one window at `temperature`; the best by log-probability per token."""
    options = task.options
    generator = torch.Generator(device=encoded.device).manual_seed(options.seed)
    samples = _sequential_decode(task, encoded.expand(options.best_of, -1, -1), temperature, generator)
    return max(samples, key=lambda window: window.sum_logprob / max(len(window.tokens), 1))


def compression_ratio(text: str) -> float:
    """How well `text` compresses with zlib (faster-whisper's measure of repetition; 2.4 and above: a loop)."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data))


def decode_with_fallback(task: DecodingTask, encoded: Tensor) -> list[DecodedWindow]:
    """`decode_windows` at `options.temperatures[0]`, and each window whose text fails the thresholds again at the
    next temperatures (faster-whisper's `generate_with_fallback`): the first that passes is kept, else the most
    probable of those not too repetitive (else of all)."""
    tokenizer, options = task.tokenizer, task.options
    first, *others = options.temperatures
    windows = decode_windows(task, encoded, temperature=first)
    kept: list[DecodedWindow] = []
    for row, window in enumerate(windows):
        tried = [window]
        for temperature in others:
            if not _needs_fallback(tried[-1], tokenizer, options):
                break
            tried += decode_windows(task, encoded[row : row + 1], temperature=temperature)
        if not _needs_fallback(tried[-1], tokenizer, options):
            kept.append(tried[-1])
            continue
        threshold = options.compression_ratio_threshold
        plausible = [
            w
            for w in tried
            if threshold is None or compression_ratio(tokenizer.decode(w.tokens).strip()) <= threshold
        ]
        kept.append(max(plausible or tried, key=lambda w: w.avg_logprob))
    return kept


def _needs_fallback(window: DecodedWindow, tokenizer: WhisperTokenizer, options: DecodingOptions) -> bool:
    threshold = options.compression_ratio_threshold
    if threshold is not None and compression_ratio(tokenizer.decode(window.tokens).strip()) > threshold:
        return True
    low = options.log_prob_threshold is not None and window.avg_logprob < options.log_prob_threshold
    return low and not window.is_silent(options)


def _beam_decode(task: DecodingTask, encoded: Tensor) -> DecodedWindow:
    """CTranslate2's beam search over one encoded window `(1, step, channel)`.

    Each step takes the best `2 * beam_size` continuations of all beams (cumulative log-probabilities of the
    rule-filtered distributions); a continuation by end-of-text finishes a hypothesis and its beam is refilled with
    the next candidate that does not end; the search stops when `beam_size * patience` hypotheses have finished
    (or at the length limit, where every beam finishes). The best hypothesis by log-probability divided by its
    length (end-of-text excluded) wins.
    """
    decoder, tokenizer, prompt, options = task.decoder, task.tokenizer, task.prompt, task.options
    width = options.beam_size
    vocab = decoder.token_embedding.num_embeddings
    cache: DecoderCache = decoder.start(encoded)
    rules = task.rules(encoded.device)
    wanted = round(width * options.patience)
    steps = _max_new_tokens(options, prompt)
    beams: list[list[int]] = [[]]
    scores = torch.zeros(1, device=encoded.device)
    finished: list[
        tuple[float, tuple[int, ...], float]
    ] = []  # normalised score, tokens, sum of log-probabilities
    tokens = torch.tensor([prompt], dtype=torch.long, device=encoded.device)
    no_speech = 0.0
    for step in range(steps):
        logits, at_sot = _next_logits(
            decoder, tokens, cache, prompt.index(tokenizer.sot) if step == 0 else None
        )
        if at_sot is not None:
            [no_speech] = _no_speech_probs(at_sot, tokenizer)
        rules.apply(logits, beams)
        total = (torch.log_softmax(logits, dim=-1) + scores[:, None]).flatten()
        top_scores, top_ids = total.topk(2 * width)
        origins, words = (top_ids // vocab).tolist(), (top_ids % vocab).tolist()
        last = step == steps - 1
        keep: list[int] = []
        spare = width
        for k in range(width):
            chosen = k
            if words[k] == tokenizer.eot or last:
                ended = words[k] == tokenizer.eot
                sequence = tuple(beams[origins[k]] + ([] if ended else [words[k]]))
                summed = float(top_scores[k])
                finished.append((summed / max(len(sequence), 1), sequence, summed))
                while spare < 2 * width and words[spare] == tokenizer.eot:
                    spare += 1
                chosen, spare = (spare, spare + 1) if spare < 2 * width else (k, spare)
            keep.append(chosen)
        if last or len(finished) >= wanted:
            break
        origin = torch.tensor([origins[j] for j in keep], device=encoded.device)
        cache.reorder(origin)  # the beams share the window's cross-attention keys and values
        beams = [beams[origins[j]] + [words[j]] for j in keep]
        scores = top_scores[keep]
        tokens = torch.tensor([[words[j]] for j in keep], dtype=torch.long, device=encoded.device)
    _, sequence, summed = max(finished, key=lambda item: item[0])
    return DecodedWindow(sequence, summed, no_speech)
