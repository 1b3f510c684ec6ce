"""Inference: words -> windows -> batched encoder passes -> one punctuation and capitalization label per word."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

from ._data import plan_windows, tokenize_words
from ._labels import LabelledText, words_from_query

if TYPE_CHECKING:
    from ._model import PunctuationCapitalizationModel

__all__ = ["add_punctuation_capitalization", "predict_labels"]


@torch.no_grad()
def predict_labels(model: "PunctuationCapitalizationModel", sentences: Sequence[Sequence[str]],
                   batch_size: int = 32) -> list[LabelledText]:
    """Predict labels for pre-split, lowercased words.

    Inputs longer than `model.config.max_length` are cut into overlapping windows (see `plan_windows`), and all
    windows of all sentences are run in batches of `batch_size` windows sorted by length.

    Arguments:
        model: the punctuation model (put in eval mode for the call).
        sentences: lists of words without punctuation.
        batch_size: windows per encoder pass.

    Returns:
        One `LabelledText` per sentence.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
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
    punct_ids = [[0] * len(s) for s in sentences]
    capit_ids = [[0] * len(s) for s in sentences]
    order = sorted(range(len(jobs)), key=lambda j: len(jobs[j][1]))
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    try:
        for begin in range(0, len(order), batch_size):
            chunk = [jobs[j] for j in order[begin : begin + batch_size]]
            width = max(len(ids) for _, ids, _ in chunk) + 2
            input_ids = torch.full((len(chunk), width), int(tokenizer.pad_token_id), dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.bool)
            for row, (_, ids, _) in enumerate(chunk):
                input_ids[row, : len(ids) + 2] = torch.tensor(
                    [tokenizer.cls_token_id, *ids, tokenizer.sep_token_id], dtype=torch.long)
                mask[row, : len(ids) + 2] = True
            out = model(input_ids.to(device), mask.to(device))
            punct = out.punct_logits.argmax(-1).cpu()
            capit = out.capit_logits.argmax(-1).cpu()
            for row, (sentence, _, words) in enumerate(chunk):
                for word, position in words:
                    punct_ids[sentence][word] = int(punct[row, position + 1])
                    capit_ids[sentence][word] = int(capit[row, position + 1])
    finally:
        model.train(was_training)
    return [
        LabelledText(tuple(words), tuple(config.punct_labels[i] for i in p), tuple(config.capit_labels[i] for i in c))
        for words, p, c in zip(sentences, punct_ids, capit_ids, strict=True)
    ]


def add_punctuation_capitalization(model: "PunctuationCapitalizationModel", queries: Sequence[str],
                                   batch_size: int = 32) -> list[str]:
    """Restore punctuation and capitalization of each query.

    Each query is normalised first (split on whitespace, punctuation stripped, lowercased), so existing marks and
    casing are replaced by the model's.

    Arguments:
        model: the punctuation model.
        queries: texts of any length (long ones are handled in overlapping windows).
        batch_size: encoder windows per pass.

    Returns:
        The punctuated texts, words joined by single spaces; an empty query gives `""`.
    """
    if isinstance(queries, str):
        raise TypeError("queries must be a list of strings, got a single str; wrap it: [text]")
    sentences = [words_from_query(q) for q in queries]
    return [item.text() for item in predict_labels(model, sentences, batch_size=batch_size)]

