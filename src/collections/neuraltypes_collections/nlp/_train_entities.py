"""Fine-tuning recipe for named entities on silver labels, on CPU within a wall-clock budget.

Each training line is used twice: as written (cased, punctuated) and in its ASR form (lowercased, punctuation
words removed), both labelled from the teacher's spans on the written line, so the model learns to find
entities in a speech recogniser's output. The learning rate warms up then decays linearly over the run's
*progress*, the larger of `step / max_steps` and `elapsed / max_minutes`, so the run ends on time. A checkpoint
archive is written atomically every `checkpoint_minutes` (a crash loses at most that much).
"""

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..common._errors import InputError
from ._data import IGNORE_INDEX, Batch, TokenizedCorpus, pack_words
from ._entity_labels import bio_from_spans, split_words
from ._token_classification import TokenClassificationModel
from ._train import FineTuningConfig, TrainingResult, TrainingStep, autocast, fine_tune

__all__ = ["EntityExample", "EntityTrainingConfig", "EntityTrainingResult", "entity_examples", "train_entities"]


@dataclass(frozen=True)
class EntityExample:
    """Words and one label per word."""

    words: tuple[str, ...]
    labels: tuple[str, ...]


def entity_examples(texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int, str]]], *,
                    cased: bool = True, asr: bool = True) -> list[EntityExample]:
    """Word-labelled examples from texts and the character spans `(start, end, type)` of their entities.

    **Arguments:**

    - `texts`: the written lines.
    - `spans`: for each line, its entities (e.g. the teacher's).
    - `cased`: include each line as written (punctuation marks are words).
    - `asr`: include each line's ASR form (content words only, lowercased), labelled from the same spans.

    **Returns:**

    The examples, line by line (the written form first); lines without words are skipped.
    """
    if len(texts) != len(spans):
        raise InputError(f"entity_examples: {len(texts)} texts but {len(spans)} span lists", source="spans")
    out: list[EntityExample] = []
    for text, entities in zip(texts, spans, strict=True):
        words = split_words(text)
        if not words:
            continue
        if cased:
            out.append(EntityExample(tuple(text[w.start : w.end] for w in words),
                                     tuple(bio_from_spans(words, entities))))
        content = [w for w in words if not w.punctuation]
        if asr and content:
            out.append(EntityExample(tuple(text[w.start : w.end].lower() for w in content),
                                     tuple(bio_from_spans(content, entities))))
    return out


@dataclass(frozen=True)
class EntityTrainingConfig(FineTuningConfig):
    """Options of `train_entities`: those of `FineTuningConfig` (here by default all six MiniLM layers trained, 40
    minutes, bfloat16), and:

    **Arguments:**

    - `checkpoint_minutes`: minutes between checkpoint archives (with a `checkpoint` path).
    """

    trainable_layers: int = 6
    max_minutes: float = 40.0
    precision: str = "bf16"
    checkpoint_minutes: float = 5.0


EntityTrainingResult = TrainingResult
"""What a `train_entities` run did: a `TrainingResult` (steps, examples and subword tokens seen, wall-clock
seconds, the loss curve), as every recipe of this collection gives."""


def _corpus(model: TokenClassificationModel, examples: Sequence[EntityExample]
            ) -> tuple[TokenizedCorpus, np.ndarray, np.ndarray]:
    """Examples as flat arrays, cut at word boundaries to fit a window; labels on first subwords. The labels fill
    both label arrays of `TokenizedCorpus` (made for punctuation's two heads): only the first is read. Beside it,
    each subword's case class (empty without `config.case_feature`) and its word's features (`[subwords,
    features]`, no rows without `config.word_feature_rows`), indexed like the ids."""
    index = {label: i for i, label in enumerate(model.config.labels)}
    labels = ([(index[label],) for label in example.labels] for example in examples)
    packed = pack_words(model.tokenizer, [e.words for e in examples], labels, model.config.max_length - 2,
                        cases=model.config.case_feature, feature_rows=model.config.word_feature_rows)
    label_array = np.asarray(packed.columns[0] if packed.columns else [], dtype=np.int16)
    corpus = TokenizedCorpus(np.asarray(packed.ids, dtype=np.int32), label_array, label_array,
                             np.asarray(packed.offsets, dtype=np.int64))
    rows = model.config.word_feature_rows
    features = np.asarray(packed.features, dtype=np.int32).reshape(-1, len(rows)) if rows else np.zeros((0, 0))
    return corpus, np.asarray(packed.cases, dtype=np.int64), features


def _batch_rows(corpus: TokenizedCorpus, values: np.ndarray, indices: Sequence[int], width: int) -> torch.Tensor:
    """Per-subword values (case classes, or rows of word features) of a batch laid out as `collate` lays out its
    ids (`0` on `[CLS]`, `[SEP]` and padding)."""
    out = torch.zeros((len(indices), width, *values.shape[1:]), dtype=torch.long)
    for row, i in enumerate(indices):
        a, b = int(corpus.offsets[i]), int(corpus.offsets[i + 1])
        out[row, 1 : b - a + 1] = torch.from_numpy(values[a:b].astype(np.int64))
    return out


def train_entities(model: TokenClassificationModel, examples: Sequence[EntityExample], config: EntityTrainingConfig,
                   *, checkpoint: str | os.PathLike[str] | None = None, progress: bool = True,
                   log: Callable[[str], None] = print) -> EntityTrainingResult:
    """Fine-tune `model` on word-labelled examples within `config.max_minutes`, `max_steps` and `max_epochs`.

    **Arguments:**

    - `model`: the model; its encoder's lower layers are frozen here (`config.trainable_layers`).
    - `examples`: training examples (see `entity_examples`).
    - `config`: the recipe's options.
    - `checkpoint`: an archive path rewritten atomically every `config.checkpoint_minutes`.
    - `progress`: show a progress bar over the time budget.
    - `log`: receives progress lines.

    **Returns:**

    An `EntityTrainingResult`; the model is left in eval mode.
    """
    corpus, cases, features = _corpus(model, examples)
    log(f"corpus: {len(corpus)} examples, {len(corpus.ids)} subwords")
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=IGNORE_INDEX)
    case_embedding = model.case_embedding
    word_features = model.word_features

    def loss(indices: Sequence[int], batch: Batch) -> torch.Tensor:
        width = batch.input_ids.shape[1]
        case_ids = _batch_rows(corpus, cases, indices, width) if case_embedding is not None else None
        feature_ids = _batch_rows(corpus, features, indices, width) if word_features is not None else None
        with autocast(config):
            logits = model(batch.input_ids, batch.attention_mask, None, case_ids, feature_ids)
        value: torch.Tensor = loss_fn(logits.float().flatten(0, 1), batch.punct_labels.flatten())
        return value

    bar = None
    if progress:
        from tqdm.auto import tqdm  # type: ignore[import-untyped]

        bar = tqdm(total=1000, desc="train_entities", unit="‰", bar_format="{l_bar}{bar}| {elapsed}<{remaining} {postfix}")
    last_checkpoint = time.monotonic()

    def after_step(step: TrainingStep) -> None:
        nonlocal last_checkpoint
        if bar is not None:
            bar.n = int(1000 * step.progress)
            recent = step.losses[-50:]
            bar.set_postfix_str(f"step {step.steps} loss {sum(recent) / len(recent):.4f} "
                                f"{step.tokens / max(step.elapsed, 1e-9):.0f} tok/s", refresh=True)
        if checkpoint is not None and time.monotonic() - last_checkpoint > 60.0 * config.checkpoint_minutes:
            model.eval()
            model.save_to(Path(checkpoint))
            model.train()
            last_checkpoint = time.monotonic()
            log(f"checkpoint at step {step.steps}: {checkpoint}")

    # the case embedding sits beside the word embeddings, so it learns at the encoder's rate; the word features
    # start from nothing, so they learn at the head's
    heads = [model.head] if word_features is None else [model.head, word_features]
    result = fine_tune(model, corpus, config, heads=heads, loss=loss, after_step=after_step,
                       extra_encoder_parameters=[] if case_embedding is None else list(case_embedding.parameters()))
    if bar is not None:
        bar.n = 1000
        bar.close()
    log(f"trained {result.steps} steps, {result.tokens} tokens in {result.seconds / 60:.1f} min")
    return result
