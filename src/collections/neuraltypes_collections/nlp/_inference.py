"""Inference: words -> windows -> batched encoder passes -> one punctuation and capitalization label per word.

The verb is `punctuate` (one text in, one `PunctuatedText` out; a list in, a list out), also a method of the model;
`add_punctuation_capitalization` is NeMo's name for it, returning plain strings.
"""

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar, Union, overload

import torch

from ..common import NeuralModel, eval_mode
from ..common._errors import InputError
from ..common._verbs import batches, check_batch_size, model_device, resolve_model, text_inputs
from ._data import plan_windows, tokenize_words
from ._labels import LabelledText, words_from_query

if TYPE_CHECKING:
    from ._model import PunctuationCapitalizationModel

__all__ = ["PunctuatedText", "add_punctuation_capitalization", "calibrate_logit_bias", "predict_labels", "punctuate",
           "word_logits"]

M = TypeVar("M", bound=NeuralModel)


def text_call(function: str, model: "M | str | os.PathLike[str]", expected: type[M], texts: str | Sequence[str],
              batch_size: int, device: str | torch.device | None) -> tuple[list[str], M]:
    """A text verb's call (`punctuate`, `recognize_entities`) read in one place: its texts as a list (`text_inputs`),
    `batch_size` checked, and the model resolved (`resolve_model`, refused unless an `expected`) and moved to
    `device`; messages name `function`."""
    items, _ = text_inputs(texts)
    check_batch_size(batch_size, function=function)
    resolved = resolve_model(model, expected, function=function)
    model_device(resolved, device)
    return items, resolved


@torch.no_grad()
def word_logits(model: "PunctuationCapitalizationModel", sentences: Sequence[Sequence[str]],
                batch_size: int = 32, *, progress: bool | None = False) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Per-word logits (read on each word's first subword, in its most central window).

    Inputs longer than `model.config.max_length` are cut into overlapping windows (see `plan_windows`), and all
    windows of all sentences are run in batches of `batch_size` windows sorted by length.

    **Arguments:**

    - `model`: the punctuation model (put in eval mode for the call).
    - `sentences`: lists of words without punctuation.
    - `batch_size`: windows per encoder pass.
    - `progress`: show a progress bar over the batches (`None`: when there are more than four).

    **Returns:**

    For each sentence, punctuation logits `[words, len(punct_labels)]` and capitalization logits
    `[words, len(capit_labels)]`, float32 on CPU, without the config's logit biases.
    """
    check_batch_size(batch_size, function="word_logits")
    tokenizer = model.tokenizer
    config = model.config
    window = config.max_length - 2
    jobs: list[tuple[int, list[int], list[tuple[int, int]]]] = []  # sentence, token ids, (word, position)
    for index, per_word in enumerate(tokenize_words(tokenizer, sentences)):
        flat: list[int] = []
        starts: list[int] = []
        for ids in per_word:
            starts.append(len(flat))
            flat.extend(ids)
        for w in plan_windows(starts, len(flat), window, config.window_step):
            jobs.append((index, flat[w.start : w.stop], [(i, starts[i] - w.start) for i in w.word_indices]))
    results = [(torch.zeros(len(s), len(config.punct_labels)), torch.zeros(len(s), len(config.capit_labels)))
               for s in sentences]
    order = sorted(range(len(jobs)), key=lambda j: len(jobs[j][1]))
    device = next(model.parameters()).device
    with eval_mode(model):
        for run in batches(order, batch_size, progress=progress, description="punctuate"):
            chunk = [jobs[j] for j in run]
            width = max(len(ids) for _, ids, _ in chunk) + 2
            input_ids = torch.full((len(chunk), width), int(tokenizer.pad_token_id), dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.bool)
            for row, (_, ids, _) in enumerate(chunk):
                input_ids[row, : len(ids) + 2] = torch.tensor(
                    [tokenizer.cls_token_id, *ids, tokenizer.sep_token_id], dtype=torch.long)
                mask[row, : len(ids) + 2] = True
            out = model(input_ids.to(device), mask.to(device))
            punct = out.punct_logits.float().cpu()
            capit = out.capit_logits.float().cpu()
            for row, (sentence, _, words) in enumerate(chunk):
                for word, position in words:
                    results[sentence][0][word] = punct[row, position + 1]
                    results[sentence][1][word] = capit[row, position + 1]
    return results


def _bias(values: Sequence[float], size: int) -> torch.Tensor:
    return torch.tensor(list(values), dtype=torch.float32) if values else torch.zeros(size)


def predict_labels(model: "PunctuationCapitalizationModel", sentences: Sequence[Sequence[str]],
                   batch_size: int = 32, *, progress: bool | None = False) -> list[LabelledText]:
    """Predict labels for pre-split, lowercased words: the argmax of `word_logits` plus the config's logit biases.

    **Arguments:**

    - `model`: the punctuation model.
    - `sentences`: lists of words without punctuation.
    - `batch_size`: windows per encoder pass.
    - `progress`: show a progress bar over the batches (`None`: when there are more than four).

    **Returns:**

    One `LabelledText` per sentence.
    """
    config = model.config
    punct_bias = _bias(config.punct_logit_bias, len(config.punct_labels))
    capit_bias = _bias(config.capit_logit_bias, len(config.capit_labels))
    out = []
    logits = word_logits(model, sentences, batch_size, progress=progress)
    for words, (punct, capit) in zip(sentences, logits, strict=True):
        p = (punct + punct_bias).argmax(-1).tolist()
        c = (capit + capit_bias).argmax(-1).tolist()
        out.append(LabelledText(tuple(words), tuple(config.punct_labels[i] for i in p),
                                tuple(config.capit_labels[i] for i in c)))
    return out


_DEFAULT_GRID: tuple[float, ...] = tuple(step / 4 for step in range(-8, 17))  # -2.0 ... +4.0


def calibrate_logit_bias(model: "PunctuationCapitalizationModel", items: Sequence[LabelledText],
                         batch_size: int = 32, grid: Sequence[float] = _DEFAULT_GRID,
                         rounds: int = 2) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Choose per-label logit offsets on held-out data (a dev split, never test) that maximise the F1 scores.

    Rare labels (commas, question marks, capitals) are under-predicted by a model trained with plain cross
    entropy; adding an offset to their logits moves the decision threshold. Offsets are searched one label at
    a time over `grid` (the first label, `O`, stays 0), `rounds` times: punctuation offsets maximise the macro
    F1 over the non-`O` labels, capitalization offsets the F1 of the non-`O` labels.

    **Arguments:**

    - `model`: the trained model.
    - `items`: labelled held-out lines.
    - `batch_size`: windows per encoder pass.
    - `grid`: candidate offsets.
    - `rounds`: passes of the coordinate search.

    **Returns:**

    `(punct_logit_bias, capit_logit_bias)`, for `dataclasses.replace(model.config, ...)`.
    """
    config = model.config
    logits = word_logits(model, [item.words for item in items], batch_size)
    punct = torch.cat([p for p, _ in logits])
    capit = torch.cat([c for _, c in logits])
    punct_gold = torch.tensor([config.punct_labels.index(x) for item in items for x in item.punct])
    capit_gold = torch.tensor([config.capit_labels.index(x) for item in items for x in item.capit])

    def macro_f1(scores: torch.Tensor, gold: torch.Tensor, bias: torch.Tensor) -> float:
        predicted = (scores + bias).argmax(-1)
        f1s = []
        for label in range(1, scores.shape[1]):
            tp = int(((predicted == label) & (gold == label)).sum())
            denominator = int((predicted == label).sum()) + int((gold == label).sum())
            f1s.append(2 * tp / denominator if denominator else 0.0)
        return sum(f1s) / len(f1s)

    result = []
    for scores, gold in ((punct, punct_gold), (capit, capit_gold)):
        bias = torch.zeros(scores.shape[1])
        for _ in range(rounds):
            for label in range(1, scores.shape[1]):
                best_value, best_score = float(bias[label]), -1.0
                for value in grid:
                    bias[label] = value
                    score = macro_f1(scores, gold, bias)
                    if score > best_score:
                        best_value, best_score = value, score
                bias[label] = best_value
        result.append(tuple(float(x) for x in bias))
    return result[0], result[1]


@dataclass(frozen=True)
class PunctuatedText:
    """One text's result of `punctuate`.

    **Attributes:**

    - `text`: the punctuated, capitalized text, words joined by single spaces (`""` for a text without words).
    - `words`: the model's words (the input split on whitespace, punctuation stripped, lowercased).
    - `punct`: one of the model's punctuation labels per word (`"O"`, `","`, `"."`, `"?"`).
    - `capit`: one capitalization label per word (`"U"`: upper-case first letter, `"O"`: keep).
    """

    text: str
    words: tuple[str, ...]
    punct: tuple[str, ...]
    capit: tuple[str, ...]


ModelReference = Union["PunctuationCapitalizationModel", str, "os.PathLike[str]"]


@overload
def punctuate(model: ModelReference, texts: str, *, batch_size: int = 32,  # type: ignore[overload-overlap]
              progress: bool | None = None, device: str | torch.device | None = None) -> PunctuatedText: ...


@overload
def punctuate(model: ModelReference, texts: Sequence[str], *, batch_size: int = 32,
              progress: bool | None = None, device: str | torch.device | None = None) -> list[PunctuatedText]: ...


def punctuate(model: ModelReference, texts: str | Sequence[str], *, batch_size: int = 32,
              progress: bool | None = None,
              device: str | torch.device | None = None) -> PunctuatedText | list[PunctuatedText]:
    """Restore punctuation and capitalization of one text or of a list of texts.

    Each text is normalised first (split on whitespace, punctuation stripped, lowercased), so existing marks and
    casing are replaced by the model's. Texts of any length are handled in overlapping windows. A text without
    words (empty, whitespace or punctuation only) gives an empty result, `PunctuatedText("", (), (), ())`, as
    NeMo gives `""`: punctuating nothing is not an error.

    **Arguments:**

    - `model`: a `PunctuationCapitalizationModel`, or its registry name or archive path (`.nta`, `.nemo`).
    - `texts`: one text, or a list of texts.
    - `batch_size`: encoder windows per forward pass (windows of all texts are batched together).
    - `progress`: show a progress bar over the batches (`None`: when there are more than four).
    - `device`: run there (the model is moved and stays); `None`: where the model is.

    **Returns:**

    One `PunctuatedText` for one text, a list of them (in order) for a list.

    **Raises:**

    - `InputError`: (`NT309`) for an item that is not a str (naming `texts[i]`), a `batch_size` < 1, or a model
      of another kind.
    """
    from ._model import PunctuationCapitalizationModel

    items, resolved = text_call("punctuate", model, PunctuationCapitalizationModel, texts, batch_size, device)
    sentences = [words_from_query(text) for text in items]
    results = [
        PunctuatedText(item.text(), item.words, item.punct, item.capit)
        for item in predict_labels(resolved, sentences, batch_size=batch_size, progress=progress)
    ]
    return results[0] if isinstance(texts, str) else results


def add_punctuation_capitalization(model: "PunctuationCapitalizationModel", queries: Sequence[str],
                                   batch_size: int = 32) -> list[str]:
    """NeMo's name for `punctuate`: the punctuated texts of a list of queries, as plain strings.

    **Arguments:**

    - `model`: the punctuation model.
    - `queries`: a list of texts of any length (a single str is refused, as NeMo expects a list).
    - `batch_size`: encoder windows per pass.

    **Returns:**

    The punctuated texts, words joined by single spaces; an empty query gives `""`.
    """
    if isinstance(queries, str):
        raise InputError("queries: a list of strings was expected, got a single str; wrap it: [text] "
                         "(or call punctuate(model, text))", source="queries")
    return [result.text for result in punctuate(model, queries, batch_size=batch_size)]
