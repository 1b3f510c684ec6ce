"""Corpus word and character error rates with substitution, insertion and deletion counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
    rows, cols = len(reference), len(hypothesis)
    # cell = (cost, substitutions, insertions, deletions)
    previous = [(j, 0, j, 0) for j in range(cols + 1)]
    for i in range(1, rows + 1):
        current = [(i, 0, 0, i)]
        for j in range(1, cols + 1):
            if reference[i - 1] == hypothesis[j - 1]:
                candidates = [previous[j - 1]]
            else:
                c, s, n, d = previous[j - 1]
                candidates = [(c + 1, s + 1, n, d)]
            c, s, n, d = current[j - 1]
            candidates.append((c + 1, s, n + 1, d))
            c, s, n, d = previous[j]
            candidates.append((c + 1, s, n, d + 1))
            current.append(min(candidates, key=lambda cell: (cell[0], -cell[1], cell[3])))
        previous = current
    _, s, n, d = previous[cols]
    return ErrorRate(s, n, d, rows)


def _corpus(references: Sequence[str], hypotheses: Sequence[str], split_words: bool) -> ErrorRate:
    if isinstance(references, str) or isinstance(hypotheses, str):
        raise TypeError("wer/cer take sequences of sentences; wrap a single sentence in a list")
    if len(references) != len(hypotheses):
        raise ValueError(
            f"got {len(references)} references but {len(hypotheses)} hypotheses; they must pair up one to one"
        )
    total = ErrorRate(0, 0, 0, 0)
    for reference, hypothesis in zip(references, hypotheses, strict=True):
        if split_words:
            total = total + edit_operations(reference.split(), hypothesis.split())
        else:
            total = total + edit_operations(list(reference), list(hypothesis))
    return total


def wer(references: Sequence[str], hypotheses: Sequence[str]) -> ErrorRate:
    """Corpus word error rate: edit counts over whitespace-split words, summed over all sentence pairs.

    >>> wer(["the cat sat"], ["the cat sat down"]).rate
    0.3333333333333333
    """
    return _corpus(references, hypotheses, split_words=True)


def cer(references: Sequence[str], hypotheses: Sequence[str]) -> ErrorRate:
    """Corpus character error rate (spaces count as characters)."""
    return _corpus(references, hypotheses, split_words=False)
