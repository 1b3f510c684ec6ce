"""Corpus word and character error rates with substitution, insertion and deletion counts.

Why not ``torchmetrics`` (installed with Lightning): its ``word_error_rate`` / ``char_error_rate`` return only
the rate, as a float32 tensor, while `ErrorRate` reports substitutions, insertions and deletions separately
(the ``transcribe`` CLI and the training example print them); the split cannot be derived from torchmetrics'
edit distance (``S + I + D`` and ``D - I`` leave ``S`` open); and an empty reference gives NaN or infinity
there, 0 here when the hypothesis is empty too. Measured on 500 random sentence pairs of 5-25 words (one
process, 1 thread, best of 3): this module 29 ms for WER and 0.83 s for CER, torchmetrics 30 ms and 0.79 s,
with equal rates up to float32 rounding. The tests use torchmetrics as the oracle for the rates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..common._errors import InputError

__all__ = ["ErrorRate", "cer", "edit_operations", "wer"]


@dataclass(frozen=True)
class ErrorRate:
    """Edit-distance counts summed over a corpus.

    `rate = (substitutions + insertions + deletions) / reference_length`; with an empty reference the rate is 0
    when the hypothesis is empty too, else infinity.
    """

    substitutions: int
    insertions: int
    deletions: int
    reference_length: int

    @property
    def errors(self) -> int:
        return self.substitutions + self.insertions + self.deletions

    @property
    def rate(self) -> float:
        if self.reference_length == 0:
            return 0.0 if self.errors == 0 else float("inf")
        return self.errors / self.reference_length

    def __add__(self, other: ErrorRate) -> ErrorRate:
        return ErrorRate(
            self.substitutions + other.substitutions,
            self.insertions + other.insertions,
            self.deletions + other.deletions,
            self.reference_length + other.reference_length,
        )


def edit_operations(reference: Sequence[object], hypothesis: Sequence[object]) -> ErrorRate:
    """Minimum edit distance between two token sequences, split into S, I and D.

    Among alignments of minimal total cost, prefers the one with the most substitutions (the usual
    convention of sclite/jiwer), then fewest deletions.

    >>> edit_operations("abc".split(), "abd e".split())
    ErrorRate(substitutions=1, insertions=1, deletions=0, reference_length=1)
    """
    # Each cell holds the ranking key (errors, -substitutions, deletions) packed into one integer, so the
    # dynamic programme compares plain ints: key = errors * step + (most - substitutions) * radix + deletions,
    # stored relative to the empty alignment's key (most * radix). Every digit stays within its radix.
    rows, cols = len(reference), len(hypothesis)
    most = min(rows, cols)
    radix = rows + 1
    step = (most + 1) * radix
    substitution, insertion, deletion = step - radix, step, step + 1
    previous = [j * insertion for j in range(cols + 1)]
    for i in range(1, rows + 1):
        token = reference[i - 1]
        left = i * deletion
        current = [left]
        for j in range(1, cols + 1):
            diagonal = previous[j - 1] if token == hypothesis[j - 1] else previous[j - 1] + substitution
            left = min(diagonal, previous[j] + deletion, left + insertion)
            current.append(left)
        previous = current
    errors, rest = divmod(previous[cols] + most * radix, step)
    fewer_substitutions, deletions = divmod(rest, radix)
    substitutions = most - fewer_substitutions
    return ErrorRate(substitutions, errors - substitutions - deletions, deletions, rows)


def _corpus(references: Sequence[str], hypotheses: Sequence[str], split_words: bool) -> ErrorRate:
    if isinstance(references, str) or isinstance(hypotheses, str):
        raise InputError(
            "wer/cer: references and hypotheses are sequences of sentences; wrap a single sentence in a list"
        )
    if len(references) != len(hypotheses):
        raise InputError(
            f"wer/cer: got {len(references)} references but {len(hypotheses)} hypotheses; they must pair up one to one"
        )
    total = ErrorRate(0, 0, 0, 0)
    for reference, hypothesis in zip(references, hypotheses, strict=True):
        if split_words:
            total = total + edit_operations(reference.split(), hypothesis.split())
        else:
            total = total + edit_operations(reference, hypothesis)
    return total


def wer(references: Sequence[str], hypotheses: Sequence[str]) -> ErrorRate:
    """Corpus word error rate: edit counts over whitespace-split words, summed over all sentence pairs.

    >>> wer(["the cat sat"], ["the cat sat down"]).rate
    0.3333333333333333
    """
    return _corpus(references, hypotheses, split_words=True)


def cer(references: Sequence[str], hypotheses: Sequence[str]) -> ErrorRate:
    """Corpus character error rate (spaces count as characters).

    >>> cer(["cat"], ["cut"]).substitutions
    1
    """
    return _corpus(references, hypotheses, split_words=False)
