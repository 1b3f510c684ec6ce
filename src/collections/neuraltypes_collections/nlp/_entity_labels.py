"""Words with character offsets, BIO entity labels on them, and entity-level scores.

**Words.** `split_words` cuts a text at whitespace; from each whitespace token the leading and trailing characters
that are neither letters nor digits are split off as one punctuation word each side (`"(London),"` -> `(`,
`London`, `),`). Inner punctuation stays (`U.S`, `don't`, `e-mail`). A token without a letter or digit is one
punctuation word. Offsets are into the original text, so an entity found on words maps back to characters.

**Labels.** One label per word: `O`, `B-TYPE` on an entity's first word, `I-TYPE` on the others (TYPE as in
OntoNotes: PERSON, ORG, GPE, DATE, ...). `spans_from_bio` reads entities back; an `I-` that does not continue an
entity of its type starts one (the usual lenient reading).

**ASR form.** Speech recognisers write neither case nor punctuation: `asr_words` keeps only the content words of a
text, lowercased, which is how the model is trained to read transcripts and how it is scored on them.
"""

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ONTONOTES_TYPES",
    "EntityScore",
    "Word",
    "asr_words",
    "bio_from_spans",
    "bio_labels",
    "score_entities",
    "spans_from_bio",
    "split_words",
]

ONTONOTES_TYPES: tuple[str, ...] = (
    "CARDINAL", "DATE", "EVENT", "FAC", "GPE", "LANGUAGE", "LAW", "LOC", "MONEY", "NORP", "ORDINAL", "ORG",
    "PERCENT", "PERSON", "PRODUCT", "QUANTITY", "TIME", "WORK_OF_ART",
)
"""The 18 OntoNotes 5 entity types (those of spaCy's English pipelines)."""


def bio_labels(types: Sequence[str]) -> tuple[str, ...]:
    """`O`, then `B-T` and `I-T` for each entity type `T`, in that order (the model's output classes)."""
    return ("O", *(f"{prefix}-{name}" for name in types for prefix in ("B", "I")))


@dataclass(frozen=True)
class Word:
    """A word of a text: characters `[start, end)`, and whether it is punctuation only."""

    start: int
    end: int
    punctuation: bool


def split_words(text: str) -> list[Word]:
    """The words of `text` with their character offsets (see the module docstring for the rules)."""
    words: list[Word] = []
    position = 0
    for token in text.split():
        start = text.index(token, position)
        end = start + len(token)
        position = end
        first = start
        while first < end and not text[first].isalnum():
            first += 1
        if first == end:
            words.append(Word(start, end, True))
            continue
        last = end
        while not text[last - 1].isalnum():
            last -= 1
        if first > start:
            words.append(Word(start, first, True))
        words.append(Word(first, last, False))
        if last < end:
            words.append(Word(last, end, True))
    return words


def asr_words(text: str) -> list[str]:
    """The content words of `text`, lowercased: the text as a speech recogniser would write it."""
    return [text[w.start : w.end].lower() for w in split_words(text) if not w.punctuation]


def bio_from_spans(words: Sequence[Word], spans: Sequence[tuple[int, int, str]]) -> list[str]:
    """Word labels from character spans `(start, end, type)`: a word inside a span gets its type, `B-` on the
    span's first such word. Words outside every span get `O`; a word touching two spans takes the first."""
    labels = ["O"] * len(words)
    for start, end, name in spans:
        inside = [i for i, w in enumerate(words) if w.start < end and w.end > start and labels[i] == "O"]
        for rank, index in enumerate(inside):
            labels[index] = ("B-" if rank == 0 else "I-") + name
    return labels


def spans_from_bio(labels: Sequence[str]) -> list[tuple[str, int, int]]:
    """Entities `(type, first_word, last_word)` (inclusive) read from BIO labels."""
    spans: list[tuple[str, int, int]] = []
    current: list[int | str] | None = None  # [type, first, last]
    for index, label in enumerate(labels):
        if label == "O" or len(label) < 3 or label[1] != "-":
            current = None
            continue
        prefix, name = label[0], label[2:]
        if prefix == "I" and current is not None and current[0] == name and current[2] == index - 1:
            current[2] = index
            spans[-1] = (name, int(current[1]), index)
            continue
        current = [name, index, index]
        spans.append((name, index, index))
    return spans


@dataclass(frozen=True)
class EntityScore:
    """Entity-level micro scores: an entity counts when its type and its first and last word match exactly."""

    precision: float
    recall: float
    f1: float
    predicted: int
    gold: int
    correct: int


def score_entities(predicted: Sequence[Sequence[tuple[str, int, int]]],
                   gold: Sequence[Sequence[tuple[str, int, int]]]) -> EntityScore:
    """Micro precision, recall and F1 of predicted entities against gold ones, text by text.

    **Arguments:**

    - `predicted`: for each text, its entities `(type, first_word, last_word)`.
    - `gold`: the same for the reference labels, over the same words.

    **Returns:**

    The scores and counts (an empty side scores 0).
    """
    correct = sum(len(set(p) & set(g)) for p, g in zip(predicted, gold, strict=True))
    n_predicted = sum(len(set(p)) for p in predicted)
    n_gold = sum(len(set(g)) for g in gold)
    precision = correct / n_predicted if n_predicted else 0.0
    recall = correct / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return EntityScore(precision, recall, f1, n_predicted, n_gold, correct)
