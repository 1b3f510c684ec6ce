"""Fine-tuning recipe for named entities on silver labels, on CPU within a wall-clock budget.

Each training line is used twice: as written (cased, punctuated) and in its ASR form (lowercased, punctuation
words removed), both labelled from the teacher's spans on the written line, so the model learns to find
entities in a speech recogniser's output. The learning rate warms up then decays linearly over the run's
*progress*, the larger of `step / max_steps` and `elapsed / max_minutes`, so the run ends on time. A checkpoint
archive is written atomically every `checkpoint_minutes` (a crash loses at most that much).
"""

import itertools
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..common._errors import ConfigError, InputError
from ._data import IGNORE_INDEX, TokenizedCorpus, bucketed_batches, collate, pack_words
from ._entity_labels import bio_from_spans, split_words
from ._token_classification import TokenClassificationModel

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
class EntityTrainingConfig:
    """Options of `train_entities`.

    **Arguments:**

    - `trainable_layers`: top encoder layers fine-tuned; the embeddings and lower layers stay frozen.
    - `max_tokens`: padded tokens per batch.
    - `max_steps`: optimiser steps at most.
    - `max_epochs`: passes over the data at most.
    - `max_minutes`: wall-clock budget of the training loop, in minutes.
    - `encoder_lr`: peak learning rate of the encoder layers.
    - `head_lr`: peak learning rate of the head.
    - `warmup_fraction`: fraction of the progress spent warming up.
    - `weight_decay`: AdamW weight decay.
    - `seed`: shuffling and dropout seed.
    - `checkpoint_minutes`: minutes between checkpoint archives (with a `checkpoint` path).
    - `precision`: `"32"` or `"bf16"` (bfloat16 autocast of the forward pass).
    """

    trainable_layers: int = 6
    max_tokens: int = 2048
    max_steps: int = 100_000
    max_epochs: int = 10
    max_minutes: float = 40.0
    encoder_lr: float = 1e-4
    head_lr: float = 1e-3
    warmup_fraction: float = 0.05
    weight_decay: float = 0.01
    seed: int = 0
    checkpoint_minutes: float = 5.0
    precision: str = "bf16"

    def __post_init__(self) -> None:
        if self.max_tokens < 16 or self.max_minutes <= 0 or self.max_steps < 1 or self.max_epochs < 1:
            raise ConfigError("EntityTrainingConfig: need max_tokens >= 16, max_minutes > 0, max_steps >= 1 and "
                              f"max_epochs >= 1, got {self}")
        if self.precision not in ("32", "bf16"):
            raise ConfigError(f"EntityTrainingConfig.precision must be '32' or 'bf16', got {self.precision!r}")


@dataclass(frozen=True)
class EntityTrainingResult:
    """What a run did: steps, examples and subword tokens seen, wall-clock seconds, and the loss curve."""

    steps: int
    examples: int
    tokens: int
    seconds: float
    losses: tuple[float, ...] = field(default_factory=tuple)


def _corpus(model: TokenClassificationModel, examples: Sequence[EntityExample]) -> tuple[TokenizedCorpus, np.ndarray]:
    """Examples as flat arrays, cut at word boundaries to fit a window; labels on first subwords. The labels fill
    both label arrays of `TokenizedCorpus` (made for punctuation's two heads): only the first is read. Beside it,
    each subword's case class (empty without `config.case_feature`), indexed like the ids."""
    index = {label: i for i, label in enumerate(model.config.labels)}
    labels = ([(index[label],) for label in example.labels] for example in examples)
    packed = pack_words(model.tokenizer, [e.words for e in examples], labels, model.config.max_length - 2,
                        cases=model.config.case_feature)
    label_array = np.asarray(packed.columns[0] if packed.columns else [], dtype=np.int16)
    corpus = TokenizedCorpus(np.asarray(packed.ids, dtype=np.int32), label_array, label_array,
                             np.asarray(packed.offsets, dtype=np.int64))
    return corpus, np.asarray(packed.cases, dtype=np.int64)


def _case_ids(corpus: TokenizedCorpus, cases: np.ndarray, indices: Sequence[int], width: int) -> torch.Tensor:
    """The case classes of a batch laid out as `collate` lays out its ids (`0` on `[CLS]`, `[SEP]` and padding)."""
    case_ids = torch.zeros((len(indices), width), dtype=torch.long)
    for row, i in enumerate(indices):
        a, b = int(corpus.offsets[i]), int(corpus.offsets[i + 1])
        case_ids[row, 1 : b - a + 1] = torch.from_numpy(cases[a:b])
    return case_ids


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
    torch.manual_seed(config.seed)
    model.encoder.freeze_lower_layers(config.trainable_layers)
    tokenizer = model.tokenizer
    corpus, cases = _corpus(model, examples)
    log(f"corpus: {len(corpus)} examples, {len(corpus.ids)} subwords")
    encoder_params = [p for p in model.encoder.parameters() if p.requires_grad]
    if model.case_embedding is not None:  # next to the word embeddings, so at the encoder's learning rate
        encoder_params += list(model.case_embedding.parameters())
    head_params = list(model.head.parameters())
    optimizer = torch.optim.AdamW(
        [{"params": encoder_params, "lr": config.encoder_lr}, {"params": head_params, "lr": config.head_lr}],
        weight_decay=config.weight_decay,
    )
    peaks = [config.encoder_lr, config.head_lr]
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=IGNORE_INDEX)
    bar = None
    if progress:
        from tqdm.auto import tqdm  # type: ignore[import-untyped]

        bar = tqdm(total=1000, desc="train_entities", unit="‰", bar_format="{l_bar}{bar}| {elapsed}<{remaining} {postfix}")
    model.train()
    start = last_checkpoint = time.monotonic()
    steps = examples_seen = tokens = 0
    losses: list[float] = []
    epochs = (bucketed_batches(corpus, config.max_tokens, shuffle=True, seed=config.seed + epoch)
              for epoch in range(config.max_epochs))
    for indices in itertools.chain.from_iterable(epochs):
        elapsed = time.monotonic() - start
        fraction = max(steps / config.max_steps, elapsed / (60.0 * config.max_minutes))
        if fraction >= 1.0:
            break
        factor = (fraction / config.warmup_fraction if fraction < config.warmup_fraction
                  else max(0.0, (1.0 - fraction) / (1.0 - config.warmup_fraction)))
        for group, peak in zip(optimizer.param_groups, peaks, strict=True):
            group["lr"] = peak * factor
        batch = collate([corpus.example(i) for i in indices], tokenizer.cls_token_id, tokenizer.sep_token_id,
                        tokenizer.pad_token_id)
        case_ids = (_case_ids(corpus, cases, indices, batch.input_ids.shape[1]) if model.case_embedding is not None
                    else None)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=config.precision == "bf16"):
            logits = model(batch.input_ids, batch.attention_mask, None, case_ids)
        loss = loss_fn(logits.float().flatten(0, 1), batch.punct_labels.flatten())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(encoder_params + head_params, 1.0)
        optimizer.step()
        value = float(loss.detach())
        if not math.isfinite(value):
            raise FloatingPointError(f"training loss became {value} at step {steps}; lower the learning rates")
        steps += 1
        examples_seen += len(indices)
        tokens += int(batch.attention_mask.sum())
        losses.append(value)
        if bar is not None:
            bar.n = int(1000 * fraction)
            bar.set_postfix_str(f"step {steps} loss {sum(losses[-50:]) / len(losses[-50:]):.4f} "
                                f"{tokens / max(elapsed, 1e-9):.0f} tok/s", refresh=True)
        if checkpoint is not None and time.monotonic() - last_checkpoint > 60.0 * config.checkpoint_minutes:
            model.eval()
            model.save_to(Path(checkpoint))
            model.train()
            last_checkpoint = time.monotonic()
            log(f"checkpoint at step {steps}: {checkpoint}")
    if bar is not None:
        bar.n = 1000
        bar.close()
    model.eval()
    log(f"trained {steps} steps, {tokens} tokens in {(time.monotonic() - start) / 60:.1f} min")
    return EntityTrainingResult(steps, examples_seen, tokens, time.monotonic() - start, tuple(losses))
