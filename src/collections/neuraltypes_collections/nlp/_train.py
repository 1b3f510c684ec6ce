"""Fine-tuning recipe for punctuation and capitalization on CPU within a wall-clock budget.

The learning rate follows linear warm-up then linear decay over the run's *progress*, the larger of
`step / max_steps` and `elapsed / max_minutes`: on a shared machine the run ends on time with a fully decayed
learning rate whatever the throughput turned out to be.
"""

import itertools
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..common._errors import ConfigError, ManifestError
from ._data import IGNORE_INDEX, Batch, TokenizedCorpus, bucketed_batches, collate, tokenize_corpus
from ._labels import LabelledText, labelled_words_from_text
from ._model import PunctuationCapitalizationModel, TextEncoderModel

__all__ = ["FineTuningConfig", "PunctuationTrainingConfig", "TrainingResult", "TrainingStep", "autocast",
           "fine_tune", "load_text_punct_split", "train_punctuation"]


@dataclass(frozen=True)
class FineTuningConfig:
    """The options every fine-tuning recipe of this collection shares; `PunctuationTrainingConfig` and
    `EntityTrainingConfig` extend it (each with its own defaults), and `fine_tune` reads it.

    **Arguments:**

    - `trainable_layers`: top encoder layers fine-tuned; the embeddings and lower layers stay frozen.
    - `max_tokens`: padded tokens per batch (`[CLS]`/`[SEP]` included).
    - `max_steps`: optimiser steps at most.
    - `max_epochs`: passes over the data at most.
    - `max_minutes`: wall-clock budget of the training loop, in minutes.
    - `encoder_lr`: peak learning rate of the encoder layers.
    - `head_lr`: peak learning rate of the heads.
    - `warmup_fraction`: fraction of the progress spent warming up.
    - `weight_decay`: AdamW weight decay.
    - `seed`: shuffling and dropout seed.
    - `precision`: `"32"` (float32) or `"bf16"` (bfloat16 autocast for the forward pass, float32 weights and
      optimiser state; about 1.5x faster on CPUs with AVX512-BF16 or AMX).
    """

    trainable_layers: int = 3
    max_tokens: int = 2048
    max_steps: int = 100_000
    max_epochs: int = 10
    max_minutes: float = 60.0
    encoder_lr: float = 1e-4
    head_lr: float = 1e-3
    warmup_fraction: float = 0.05
    weight_decay: float = 0.01
    seed: int = 0
    precision: str = "32"

    def __post_init__(self) -> None:
        name = type(self).__name__
        if self.max_tokens < 16:
            raise ConfigError(f"{name}.max_tokens must be >= 16, got {self.max_tokens}")
        if self.max_minutes <= 0 or self.max_steps < 1 or self.max_epochs < 1:
            raise ConfigError(f"{name}: max_minutes must be > 0, max_steps >= 1 and max_epochs >= 1, got "
                              f"{self.max_minutes}, {self.max_steps} and {self.max_epochs}")
        if not 0 <= self.warmup_fraction < 1:
            raise ConfigError(f"{name}.warmup_fraction must be in [0, 1), got {self.warmup_fraction}")
        if self.precision not in ("32", "bf16"):
            raise ConfigError(f"{name}.precision must be '32' or 'bf16', got {self.precision!r}")


@dataclass(frozen=True)
class PunctuationTrainingConfig(FineTuningConfig):
    """Options of `train_punctuation` (doubles as the Hydra structured config of the example recipe): those of
    `FineTuningConfig`, and:

    **Arguments:**

    - `capit_loss_weight`: weight of the capitalization loss next to the punctuation loss.
    - `log_every`: steps between log lines.
    """

    capit_loss_weight: float = 1.0
    log_every: int = 50


@dataclass(frozen=True)
class TrainingResult:
    """What a run did: steps, examples and subword tokens seen, wall-clock seconds, and the loss curve."""

    steps: int
    examples: int
    tokens: int
    seconds: float
    losses: tuple[float, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class TrainingStep:
    """Where a `fine_tune` run stands after a step: `steps` done, `progress` in [0, 1) and `elapsed` seconds when
    the step began, its learning-rate `factor`, subword `tokens` seen, and every loss so far."""

    steps: int
    progress: float
    elapsed: float
    factor: float
    tokens: int
    losses: list[float]


def load_text_punct_split(directory: str | Path, split: str, sources: Sequence[str] | None = None,
                          extra_sources: Sequence[str] = (), extra_only_questions: bool = True,
                          extra_max_lines: int = 0, seed: int = 0) -> list[LabelledText]:
    """Read a split of the text-punct corpus (`{split}.txt` with `{split}.src`) as labelled lines.

    **Arguments:**

    - `directory`: the corpus folder.
    - `split`: `train`, `dev` or `test`.
    - `sources`: keep lines whose source (the part of `.src` before `/`) is listed; `None` keeps all.
    - `extra_sources`: sources from which up to `extra_max_lines` more lines are sampled.
    - `extra_only_questions`: sample only extra lines that contain a question mark.
    - `extra_max_lines`: how many extra lines at most.
    - `seed`: sampling seed.
    """
    folder = Path(directory)
    texts = (folder / f"{split}.txt").read_text(encoding="utf-8").splitlines()
    srcs = (folder / f"{split}.src").read_text(encoding="utf-8").splitlines()
    if len(texts) != len(srcs):
        raise ManifestError(
            f"{folder}/{split}.txt has {len(texts)} lines but {split}.src has {len(srcs)}; "
            "the files must be aligned line by line",
            source=f"{folder}/{split}.txt",
        )
    keep, extra = [], []
    for text, src in zip(texts, srcs, strict=True):
        source = src.split("/", 1)[0]
        if sources is None or source in sources:
            keep.append(text)
        elif source in extra_sources and (not extra_only_questions or "?" in text):
            extra.append(text)
    random.Random(seed).shuffle(extra)
    lines = keep + extra[:extra_max_lines]
    return [item for item in (labelled_words_from_text(line) for line in lines) if item.words]


def _lr_factor(progress: float, warmup: float) -> float:
    if warmup > 0 and progress < warmup:
        return progress / warmup
    return max(0.0, (1.0 - progress) / (1.0 - warmup))


def autocast(config: FineTuningConfig) -> torch.autocast:
    """The forward pass's precision: bfloat16 autocast on the CPU when `config.precision` is `"bf16"`."""
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=config.precision == "bf16")


def fine_tune(model: TextEncoderModel, corpus: TokenizedCorpus, config: FineTuningConfig, *,
              heads: Sequence[torch.nn.Module], loss: Callable[[Sequence[int], Batch], torch.Tensor],
              extra_encoder_parameters: Sequence[torch.nn.Parameter] = (),
              after_step: Callable[[TrainingStep], None] = lambda step: None) -> TrainingResult:
    """The training loop of every recipe: AdamW over the top `config.trainable_layers` encoder layers (the rest
    frozen here) and the `heads`, length-bucketed batches of `corpus`, the learning rate warmed up then decayed
    over the run's progress (the larger of `step / max_steps` and `elapsed / max_minutes`), gradients clipped to
    norm 1, until the progress reaches 1 or `config.max_epochs` run out.

    **Arguments:**

    - `model`: the model; left in eval mode.
    - `corpus`: the training examples.
    - `config`: the loop's options.
    - `heads`: the modules trained at `config.head_lr`.
    - `loss`: the loss of one batch (its example indices and its collated `Batch`); it runs the forward pass
      (under `autocast(config)`).
    - `extra_encoder_parameters`: more parameters trained at `config.encoder_lr` (a model's input features).
    - `after_step`: called after each step (logging, progress bars, checkpoints).
    """
    torch.manual_seed(config.seed)
    model.encoder.freeze_lower_layers(config.trainable_layers)
    tokenizer = model.tokenizer
    encoder_params = [p for p in model.encoder.parameters() if p.requires_grad] + list(extra_encoder_parameters)
    head_params = [p for head in heads for p in head.parameters()]
    optimizer = torch.optim.AdamW(
        [{"params": encoder_params, "lr": config.encoder_lr}, {"params": head_params, "lr": config.head_lr}],
        weight_decay=config.weight_decay,
    )
    peaks = [config.encoder_lr, config.head_lr]
    model.train()
    start = time.monotonic()
    steps = examples = tokens = 0
    losses: list[float] = []
    epochs = (bucketed_batches(corpus, config.max_tokens, shuffle=True, seed=config.seed + epoch)
              for epoch in range(config.max_epochs))
    for indices in itertools.chain.from_iterable(epochs):
        elapsed = time.monotonic() - start
        progress = max(steps / config.max_steps, elapsed / (60.0 * config.max_minutes))
        if progress >= 1.0:
            break
        factor = _lr_factor(progress, config.warmup_fraction)
        for group, peak in zip(optimizer.param_groups, peaks, strict=True):
            group["lr"] = peak * factor
        batch = collate([corpus.example(i) for i in indices], tokenizer.cls_token_id, tokenizer.sep_token_id,
                        tokenizer.pad_token_id)
        value_tensor = loss(indices, batch)
        optimizer.zero_grad(set_to_none=True)
        torch.autograd.backward(value_tensor)
        torch.nn.utils.clip_grad_norm_(encoder_params + head_params, 1.0)
        optimizer.step()
        value = float(value_tensor.detach())
        if not math.isfinite(value):
            raise FloatingPointError(f"training loss became {value} at step {steps}; lower the learning rates")
        steps += 1
        examples += len(indices)
        tokens += int(batch.attention_mask.sum())
        losses.append(value)
        after_step(TrainingStep(steps, progress, elapsed, factor, tokens, losses))
    model.eval()
    return TrainingResult(steps, examples, tokens, time.monotonic() - start, tuple(losses))


def train_punctuation(model: PunctuationCapitalizationModel, items: Sequence[LabelledText],
                      config: PunctuationTrainingConfig, *, cache_dir: str | Path | None = None,
                      log: Callable[[str], None] = print) -> TrainingResult:
    """Fine-tune `model` on labelled lines within `config.max_minutes`, `max_steps` and `max_epochs`.

    **Arguments:**

    - `model`: the model; its encoder's lower layers are frozen here (`config.trainable_layers`).
    - `items`: training lines.
    - `config`: the recipe's options.
    - `cache_dir`: where the tokenised corpus is cached.
    - `log`: receives progress lines.

    **Returns:**

    A `TrainingResult`; the model is left in eval mode.
    """
    corpus = tokenize_corpus(items, model.tokenizer, model.config.max_length, cache_dir=cache_dir)
    log(f"corpus: {len(corpus)} examples, {len(corpus.ids)} subwords")
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=IGNORE_INDEX)

    def loss(indices: Sequence[int], batch: Batch) -> torch.Tensor:
        with autocast(config):
            out = model(batch.input_ids, batch.attention_mask)
        punct: torch.Tensor = loss_fn(out.punct_logits.float().flatten(0, 1), batch.punct_labels.flatten())
        capit: torch.Tensor = loss_fn(out.capit_logits.float().flatten(0, 1), batch.capit_labels.flatten())
        return punct + config.capit_loss_weight * capit

    def after_step(step: TrainingStep) -> None:
        if step.steps % config.log_every == 0:
            running = sum(step.losses[-config.log_every :])
            log(f"step {step.steps} loss {running / config.log_every:.4f} tokens {step.tokens} "
                f"elapsed {step.elapsed / 60:.1f} min ({step.tokens / max(step.elapsed, 1e-9):.0f} tok/s) "
                f"lr x{step.factor:.3f}")

    return fine_tune(model, corpus, config, heads=[model.punct_head, model.capit_head], loss=loss,
                     after_step=after_step)
