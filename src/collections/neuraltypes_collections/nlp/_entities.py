"""Named-entity recognition: words -> windows -> batched encoder passes -> BIO labels -> character spans.

The verb is `recognize_entities` (one text in, one `RecognizedEntities` out; a list in, a list out), also a method
of `TokenClassificationModel`. Texts of any length are read in overlapping windows (see `plan_windows`). The
labels of a text are its most likely *valid* BIO sequence (`decode_bio`: an `I-X` only after `B-X` or `I-X`),
not each word's argmax.
"""

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple, Union, overload

import torch

from ..common import eval_mode
from ..common._verbs import batches, check_batch_size
from ._data import plan_windows, subword_cases, tokenize_words, word_feature_ids
from ._entity_labels import spans_from_bio, split_words
from ._inference import text_call

if TYPE_CHECKING:
    from ._token_classification import TokenClassificationModel

__all__ = ["Entity", "RecognizedEntities", "decode_bio", "entity_word_labels", "recognize_entities",
           "word_class_logits"]


class _Job(NamedTuple):
    """One window of one sentence: its token ids, their case classes and word features (empty without them), and
    the words it predicts with their first token's position."""

    sentence: int
    ids: list[int]
    cases: list[int]
    features: list[tuple[int, ...]]
    words: list[tuple[int, int]]


@torch.no_grad()
def word_class_logits(model: "TokenClassificationModel", sentences: Sequence[Sequence[str]], batch_size: int = 32,
                      *, progress: bool | None = False) -> list[torch.Tensor]:
    """Per-word logits `[words, len(model.config.labels)]` (read on each word's first subword, in its most central
    window), float32 on CPU; all windows of all sentences run in batches of `batch_size` sorted by length. A model
    with `config.case_feature` reads each subword's case from the words as given, one with
    `config.word_feature_rows` each word's surface features (`word_feature_ids`)."""
    check_batch_size(batch_size, function="word_class_logits")
    tokenizer = model.tokenizer
    config = model.config
    rows = config.word_feature_rows
    cases = (subword_cases(tokenizer, sentences) if config.case_feature
             else [[[] for _ in words] for words in sentences])
    jobs: list[_Job] = []
    for index, (per_word, per_word_cases) in enumerate(zip(tokenize_words(tokenizer, sentences), cases,
                                                           strict=True)):
        flat: list[int] = []
        flat_cases: list[int] = []
        flat_features: list[tuple[int, ...]] = []
        starts: list[int] = []
        for written, ids, word_cases in zip(sentences[index], per_word, per_word_cases, strict=True):
            starts.append(len(flat))
            flat.extend(ids)
            flat_cases.extend(word_cases)
            if rows:
                flat_features.extend([word_feature_ids(written, rows)] * len(ids))
        for w in plan_windows(starts, len(flat), config.max_length - 2, config.window_step):
            jobs.append(_Job(index, flat[w.start : w.stop], flat_cases[w.start : w.stop],
                             flat_features[w.start : w.stop], [(i, starts[i] - w.start) for i in w.word_indices]))
    results = [torch.zeros(len(s), len(config.labels)) for s in sentences]
    order = sorted(range(len(jobs)), key=lambda j: len(jobs[j].ids))
    device = next(model.parameters()).device
    with eval_mode(model):
        for run in batches(order, batch_size, progress=progress, description="recognize_entities"):
            chunk = [jobs[j] for j in run]
            width = max(len(job.ids) for job in chunk) + 2
            input_ids = torch.full((len(chunk), width), int(tokenizer.pad_token_id), dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.bool)
            case_ids = torch.zeros((len(chunk), width), dtype=torch.long)
            feature_ids = torch.zeros((len(chunk), width, len(rows)), dtype=torch.long)
            for row, job in enumerate(chunk):
                input_ids[row, : len(job.ids) + 2] = torch.tensor(
                    [tokenizer.cls_token_id, *job.ids, tokenizer.sep_token_id], dtype=torch.long)
                mask[row, : len(job.ids) + 2] = True
                case_ids[row, 1 : len(job.cases) + 1] = torch.tensor(job.cases, dtype=torch.long)
                if rows:
                    feature_ids[row, 1 : len(job.features) + 1] = torch.tensor(
                        job.features, dtype=torch.long).reshape(-1, len(rows))  # (0, 4) for an empty text
            logits = model(input_ids.to(device), mask.to(device), None,
                           case_ids.to(device) if config.case_feature else None,
                           feature_ids.to(device) if rows else None).float().cpu()
            for row, job in enumerate(chunk):
                for word, position in job.words:
                    results[job.sentence][word] = logits[row, position + 1]
    return results


@functools.cache
def _bio_constraints(labels: tuple[str, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """Additive scores `0` / `-inf`: which labels may open a text, and which may follow which (`[from, to]`)."""
    inside = [label[2:] if label.startswith("I-") else None for label in labels]
    start = torch.tensor([float("-inf") if name is not None else 0.0 for name in inside])
    follows = torch.zeros(len(labels), len(labels))
    for to, name in enumerate(inside):
        if name is not None:
            for before, label in enumerate(labels):
                if label[2:] != name or label[:2] not in ("B-", "I-"):
                    follows[before, to] = float("-inf")
    return start, follows


def decode_bio(logits: torch.Tensor, labels: Sequence[str]) -> list[int]:
    """The most likely label sequence of one text in which every `I-X` continues an entity of type X.

    Viterbi decoding over the words' log-probabilities: an `I-X` may follow only `B-X` or `I-X` and may not open
    the text. Labels not written `I-...` are unconstrained, so a label set without BIO prefixes decodes to the
    argmax of each word.

    **Arguments:**

    - `logits`: one row of class scores per word, `[words, len(labels)]`.
    - `labels`: the class names, in the order of the columns.

    **Returns:**

    One label index per word.

    ```python
    import torch
    from neuraltypes_collections.nlp import decode_bio

    labels = ("O", "B-PERSON", "I-PERSON")
    logits = torch.tensor([[0.0, 1.0, 0.0], [0.5, 0.0, 2.0], [2.0, 0.0, 0.0]])
    assert decode_bio(logits, labels) == [1, 2, 0]    # the argmax, a valid sequence
    assert decode_bio(logits[1:], labels) == [0, 0]   # the argmax [2, 0] would open the text with I-PERSON
    ```
    """
    if len(logits) == 0:
        return []
    start, follows = _bio_constraints(tuple(labels))
    scores = logits.float().log_softmax(-1)
    best = scores[0] + start
    back = []
    for row in scores[1:]:
        best, previous = (best[:, None] + follows).max(0)
        best = best + row
        back.append(previous)
    path = [int(best.argmax())]
    for previous in reversed(back):
        path.append(int(previous[path[-1]]))
    return path[::-1]


def entity_word_labels(model: "TokenClassificationModel", sentences: Sequence[Sequence[str]], batch_size: int = 32,
                       *, progress: bool | None = False) -> list[list[str]]:
    """The labels of each word of pre-split sentences: the valid BIO sequence that `decode_bio` reads from
    `word_class_logits`."""
    labels = model.config.labels
    return [[labels[i] for i in decode_bio(logits, labels)]
            for logits in word_class_logits(model, sentences, batch_size, progress=progress)]


@dataclass(frozen=True)
class Entity:
    """One named entity of a text.

    **Attributes:**

    - `text`: the entity as written, `text[start:end]` of the input.
    - `label`: its type (`PERSON`, `ORG`, `GPE`, `DATE`, ...).
    - `start`: offset of its first character in the input text.
    - `end`: offset just past its last character.
    - `score`: the mean probability of its words' labels, in (0, 1].
    """

    text: str
    label: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class RecognizedEntities:
    """One text's result of `recognize_entities`: the `text` as given and its `entities` in text order."""

    text: str
    entities: tuple[Entity, ...]


ModelReference = Union["TokenClassificationModel", str, "os.PathLike[str]"]


@overload
def recognize_entities(model: ModelReference, texts: str, *, batch_size: int = 32,  # type: ignore[overload-overlap]
                       progress: bool | None = None,
                       device: str | torch.device | None = None) -> RecognizedEntities: ...


@overload
def recognize_entities(model: ModelReference, texts: Sequence[str], *, batch_size: int = 32,
                       progress: bool | None = None,
                       device: str | torch.device | None = None) -> list[RecognizedEntities]: ...


def recognize_entities(model: ModelReference, texts: str | Sequence[str], *, batch_size: int = 32,
                       progress: bool | None = None,
                       device: str | torch.device | None = None) -> RecognizedEntities | list[RecognizedEntities]:
    """Find the named entities of one text or of a list of texts.

    The text is split into words (punctuation marks are words of their own, see `split_words`), each word is
    labelled, and the BIO labels are read back as entities with character offsets into the text as given. Cased,
    punctuated text and a speech recogniser's lowercased, unpunctuated output are both fine for the shipped
    `ner_en_minilm`. A text without words gives no entities.

    **Arguments:**

    - `model`: a `TokenClassificationModel`, or its registry name or archive path (`.nta`, `.nemo`).
    - `texts`: one text, or a list of texts.
    - `batch_size`: encoder windows per forward pass (windows of all texts are batched together).
    - `progress`: show a progress bar over the batches (`None`: when there are more than four).
    - `device`: run there (the model is moved and stays); `None`: where the model is.

    **Returns:**

    One `RecognizedEntities` for one text, a list of them (in order) for a list.

    **Raises:**

    - `InputError`: (`NT309`) for an item that is not a str (naming `texts[i]`), a `batch_size` < 1, or a model
      of another kind.
    """
    from ._token_classification import TokenClassificationModel

    items, resolved = text_call("recognize_entities", model, TokenClassificationModel, texts, batch_size, device)
    words = [split_words(text) for text in items]
    sentences = [[text[w.start : w.end] for w in ws] for text, ws in zip(items, words, strict=True)]
    logits = word_class_logits(resolved, sentences, batch_size, progress=progress)
    labels = resolved.config.labels
    results = []
    for text, ws, scores in zip(items, words, logits, strict=True):
        best = decode_bio(scores, labels)
        probabilities = scores.softmax(-1).gather(-1, torch.tensor(best, dtype=torch.long)[:, None])[:, 0]
        spans = spans_from_bio([labels[i] for i in best])
        entities = tuple(
            Entity(text[ws[first].start : ws[last].end], name, ws[first].start, ws[last].end,
                   float(probabilities[first : last + 1].mean()))
            for name, first, last in spans
        )
        results.append(RecognizedEntities(text, entities))
    return results[0] if isinstance(texts, str) else results
