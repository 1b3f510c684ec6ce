"""CTC decoding: greedy (best path), and beam search with an optional KenLM n-gram through torchaudio."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import torch
from torch import Tensor

from ..common._errors import ConfigError, InputError, ModelNotAvailableError

__all__ = ["BeamSearchOptions", "CTCBeamDecoder", "Tokenizer", "collapse_ctc", "greedy_decode"]


class Tokenizer(Protocol):
    vocabulary: list[str]

    def decode(self, ids: Sequence[int]) -> str: ...

    def token_text(self, index: int) -> str: ...

    def word_boundary(self, index: int) -> bool: ...


def collapse_ctc(path: Sequence[int], blank_id: int) -> tuple[list[int], list[int]]:
    """Best-path collapse: merge repeats, drop blanks.

    **Returns:** `(tokens, first_steps)`: the kept token ids and the step at which each one starts.

    >>> collapse_ctc([3, 3, 28, 3, 1, 1, 28], blank_id=28)
    ([3, 3, 1], [0, 3, 4])
    """
    tokens, steps = [], []
    previous = None
    for step, token in enumerate(path):
        if token != previous and token != blank_id:
            tokens.append(int(token))
            steps.append(step)
        previous = token
    return tokens, steps


def greedy_decode(log_probs: Tensor, lengths: Tensor, tokenizer: Tokenizer) -> list[str]:
    """Greedy CTC transcripts of a batch: argmax per step inside each length, collapsed and detokenized.

    **Arguments:**

    - `log_probs`: `(batch, step, vocab)` with the blank last.
    - `lengths`: `(batch,)` valid steps.
    - `tokenizer`: turns token ids into text.
    """
    blank = log_probs.shape[-1] - 1
    best = log_probs.argmax(dim=-1).cpu()
    texts = []
    for row, length in zip(best, lengths.cpu().tolist(), strict=True):
        tokens, _ = collapse_ctc(row[: int(length)].tolist(), blank)
        texts.append(tokenizer.decode(tokens))
    return texts


@dataclass(frozen=True)
class BeamSearchOptions:
    """Options of the CTC beam search (torchaudio `ctc_decoder`, flashlight-text).

    **Arguments:**

    - `beam_size`: hypotheses kept per step.
    - `lm_path`: a KenLM ARPA or binary n-gram over words, or `None` for no LM.
    - `lexicon_path`: a flashlight lexicon (`word<TAB>t h e |`) restricting the output to its words. `None`:
      lexicon-free decoding without an LM; with an ARPA `lm_path` the lexicon is spelled out from the LM's
      unigrams (a word LM needs one).
    - `lm_weight`, `word_score`: LM weight (alpha) and per-word bonus (beta).
    - `beam_threshold`: prune hypotheses scoring this far below the best.
    - `nbest`: hypotheses returned per utterance.
    """

    beam_size: int = 16
    lm_path: str | None = None
    lexicon_path: str | None = None
    lm_weight: float = 0.5
    word_score: float = 0.0
    beam_threshold: float = 25.0
    nbest: int = 1

    def __post_init__(self) -> None:
        if self.beam_size < 1 or self.nbest < 1 or self.nbest > self.beam_size:
            raise ConfigError(
                f"BeamSearchOptions: need 1 <= nbest <= beam_size, got beam_size={self.beam_size}, nbest={self.nbest}"
            )
        for name in ("lm_path", "lexicon_path"):
            path = getattr(self, name)
            if path is not None and not os.path.isfile(path):
                raise ConfigError(f"BeamSearchOptions: {name} {path!r} does not exist (hint: check the path)")


def _arpa_words(path: str) -> list[str]:
    """The unigram vocabulary of an ARPA file (without `<s>`, `</s>`, `<unk>`)."""
    words: list[str] = []
    in_unigrams = False
    with open(path, encoding="utf-8", errors="replace") as handle:
        first = handle.readline()
        if not first.strip().startswith("\\data\\") and first.strip() != "":
            raise InputError(
                f"{path}: not an ARPA text file (hint: pass lexicon_path for a binary KenLM model)", source=path
            )
        for line in handle:
            stripped = line.strip()
            if stripped.startswith("\\"):
                in_unigrams = stripped == "\\1-grams:"
                continue
            if in_unigrams and stripped:
                parts = stripped.split()
                if len(parts) >= 2 and parts[1] not in ("<s>", "</s>", "<unk>"):
                    words.append(parts[1])
    if not words:
        raise InputError(f"{path}: no unigrams found in the ARPA file", source=path)
    return words


def _write_lexicon(words: Iterable[str], vocabulary: Sequence[str], path: str) -> None:
    known = set(vocabulary)
    with open(path, "w", encoding="utf-8") as handle:
        for word in words:
            if word and all(char in known and char != " " for char in word):
                handle.write(f"{word}\t{' '.join(word)} |\n")


class CTCBeamDecoder:
    """CTC prefix beam search over a char vocabulary, optionally with a KenLM word n-gram.

    Uses torchaudio's `ctc_decoder` (flashlight-text): it installs from wheels here, takes ARPA files directly,
    and needs no separate pyctcdecode/kenlm build. The space character is the word separator.

    **Arguments:**

    - `vocabulary`: the model's labels (blank excluded; it is appended as the last class).
    - `options`: a `BeamSearchOptions`.
    """

    def __init__(self, vocabulary: Sequence[str], options: BeamSearchOptions = BeamSearchOptions()) -> None:
        try:
            from torchaudio.models.decoder import ctc_decoder  # type: ignore[import-untyped]
        except ImportError as error:  # pragma: no cover - depends on the environment
            raise ModelNotAvailableError(
                "beam search needs torchaudio and flashlight-text: pip install 'neuraltypes[lm]'"
            ) from error
        if " " not in vocabulary:
            raise InputError("CTCBeamDecoder: the vocabulary needs a space character as word separator")
        self.vocabulary = list(vocabulary)
        self.options = options
        blank, silence = "<blank>", "|"
        tokens = ["|" if token == " " else token for token in self.vocabulary] + [blank]
        lexicon = options.lexicon_path
        self._lexicon_dir = None
        if options.lm_path is not None and lexicon is None:
            # A word n-gram needs a lexicon (lexicon-free decoding would feed it characters): spell out its words.
            self._lexicon_dir = tempfile.TemporaryDirectory(prefix="neuraltypes-lexicon-")
            lexicon = os.path.join(self._lexicon_dir.name, "lexicon.txt")
            _write_lexicon(_arpa_words(options.lm_path), self.vocabulary, lexicon)
        try:
            self._decoder: Any = self._build(ctc_decoder, lexicon, tokens, blank, silence)
        except RuntimeError as error:
            if options.lm_path is None:
                raise
            raise InputError(
                f"{options.lm_path}: KenLM cannot load this language model ({str(error).splitlines()[0][-160:]}); "
                "hint: it must be an ARPA or KenLM binary file with at least bigrams",
                source=options.lm_path,
            ) from error

    def _build(self, ctc_decoder: Any, lexicon: str | None, tokens: list[str], blank: str, silence: str) -> Any:
        options = self.options
        return ctc_decoder(
            lexicon=lexicon,
            tokens=tokens,
            lm=options.lm_path,
            nbest=options.nbest,
            beam_size=options.beam_size,
            beam_threshold=options.beam_threshold,
            lm_weight=options.lm_weight,
            word_score=options.word_score,
            sil_score=0.0,
            log_add=True,
            blank_token=blank,
            sil_token=silence,
            unk_word="<unk>",
        )

    def __call__(self, log_probs: Tensor, lengths: Tensor) -> list[list[tuple[str, float]]]:
        """Decode a batch. **Returns:**, per utterance, up to `nbest` `(text, score)` pairs, best first."""
        emissions = log_probs.detach().float().cpu().contiguous()
        results = self._decoder(emissions, lengths.detach().cpu().to(torch.int32))
        decoded = []
        for hypotheses in results:
            texts = []
            for hypothesis in hypotheses:
                ids = [int(t) for t in hypothesis.tokens if int(t) < len(self.vocabulary)]
                text = "".join(self.vocabulary[i] for i in ids)
                texts.append((" ".join(text.split()), float(hypothesis.score)))
            decoded.append(texts)
        return decoded
