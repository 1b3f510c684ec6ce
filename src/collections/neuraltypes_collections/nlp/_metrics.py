"""Word-level evaluation of punctuation and capitalization: per-label precision, recall, F1 and a report."""

from collections.abc import Sequence
from dataclasses import dataclass

from ..common._errors import InputError
from ._labels import LabelledText

__all__ = ["LabelScore", "PunctuationReport", "evaluate_labels"]

MACRO_LABELS: tuple[str, ...] = (",", ".", "?")
"""Punctuation marks averaged in the macro F1 (as in NeMo's reports)."""


@dataclass(frozen=True)
class LabelScore:
    """Precision, recall and F1 of one label, with its support (number of reference words carrying it)."""

    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class PunctuationReport:
    """Scores over a test set.

    **Arguments:**

    - `punct`: per punctuation label (`O` included).
    - `capit`: per capitalization label.
    - `punct_macro_f1`: mean F1 over `,`, `.` and `?`.
    - `capit_f1`: F1 of the `U` (upper-case first letter) label.
    - `words`: number of words scored.
    """

    punct: tuple[LabelScore, ...]
    capit: tuple[LabelScore, ...]
    punct_macro_f1: float
    capit_f1: float
    words: int

    def table(self) -> str:
        """The report as a fixed-width text table."""
        lines = [f"{'label':<14}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}"]
        for title, scores in (("punctuation", self.punct), ("capitalization", self.capit)):
            lines.append(title)
            for s in scores:
                name = {"O": "O (none)" if title == "punctuation" else "O (keep)", "U": "U (upper)"}.get(
                    s.label, s.label)
                lines.append(f"  {name:<12}{s.precision:>10.4f}{s.recall:>10.4f}{s.f1:>10.4f}{s.support:>10d}")
        lines.append(f"punctuation macro F1 over , . ?   {self.punct_macro_f1:.4f}")
        lines.append(f"capitalization F1 (U)            {self.capit_f1:.4f}")
        lines.append(f"words                            {self.words}")
        return "\n".join(lines)


def _scores(reference: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> tuple[LabelScore, ...]:
    out = []
    for label in labels:
        tp = sum(1 for r, p in zip(reference, predicted, strict=True) if r == label and p == label)
        n_pred = sum(1 for p in predicted if p == label)
        n_ref = sum(1 for r in reference if r == label)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_ref if n_ref else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out.append(LabelScore(label, precision, recall, f1, n_ref))
    return tuple(out)


def evaluate_labels(reference: Sequence[LabelledText], predicted: Sequence[LabelledText],
                    punct_labels: Sequence[str] = ("O", ",", ".", "?"),
                    capit_labels: Sequence[str] = ("O", "U")) -> PunctuationReport:
    """Score predicted word labels against reference ones.

    **Arguments:**

    - `reference`: the gold labels (e.g. from `labelled_words_from_text` on the test split).
    - `predicted`: predictions for the same words, item by item.
    - `punct_labels`: punctuation labels to report.
    - `capit_labels`: capitalization labels to report.

    **Returns:**

    A `PunctuationReport`; `report.table()` prints it.
    """
    if len(reference) != len(predicted):
        raise InputError(f"evaluate_labels: {len(reference)} reference items but {len(predicted)} predicted")
    ref_p: list[str] = []
    pred_p: list[str] = []
    ref_c: list[str] = []
    pred_c: list[str] = []
    for number, (ref, pred) in enumerate(zip(reference, predicted, strict=True)):
        if ref.words != pred.words:
            raise InputError(f"evaluate_labels: item {number} has different words in reference and prediction")
        ref_p += ref.punct
        pred_p += pred.punct
        ref_c += ref.capit
        pred_c += pred.capit
    punct = _scores(ref_p, pred_p, punct_labels)
    capit = _scores(ref_c, pred_c, capit_labels)
    macro = [s.f1 for s in punct if s.label in MACRO_LABELS]
    upper = [s.f1 for s in capit if s.label == "U"]
    return PunctuationReport(punct, capit, sum(macro) / len(macro) if macro else 0.0,
                             upper[0] if upper else 0.0, len(ref_p))
