"""The Lightning task: a thin ``LightningModule`` that delegates to a ``NeuralModel``'s hooks.

The model stays a plain typed module; this wrapper adds optimisers and schedules from config and the
logging. Mixed precision, multi-process (DDP) training, accumulation and clipping are Lightning
``Trainer`` options. Lightning is imported when this module is.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import lightning
import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO
from torch import Tensor

from ._archive import atomic_output
from ._errors import InputError
from ._model import NeuralModel
from ._optim import TrainingConfig, build_optimizer, build_schedule

__all__ = ["AtomicCheckpointIO", "ModelTask", "fit"]


class AtomicCheckpointIO(TorchCheckpointIO):
    """Lightning's checkpoint writer, each checkpoint written whole to a temporary file and renamed over its name:
    an interrupted run never leaves a truncated checkpoint where a good one was. Pass it to the `Trainer`
    (``plugins=[AtomicCheckpointIO()]``); every training recipe in `examples/` does."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path: Any, storage_options: Any = None) -> None:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with atomic_output(path, suffix=".tmp") as file:
            torch.save(checkpoint, file)


class ModelTask(lightning.LightningModule):
    """Trains a ``NeuralModel`` with Lightning: each hook calls the model's hook of the same name.

    **Arguments:**

    - ``model``: the model; its ``training_step`` returns the loss, ``validation_step`` and
      ``test_step`` return metrics (logged as ``val_<name>`` and ``test_<name>``).
    - ``training``: optimiser and schedule.
    """

    def __init__(self, model: NeuralModel, training: TrainingConfig | None = None) -> None:
        super().__init__()
        self.model = (
            model.train()
        )  # restore_from returns eval mode; fine-tuning needs dropout and batch norm on
        self.training_config = training or TrainingConfig()

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.model(*args, **kwargs)

    def training_step(self, batch: Any, batch_idx: int) -> Tensor:
        loss = self.model.training_step(batch, batch_idx)
        self.log("train_loss", loss.detach(), prog_bar=True, sync_dist=True)
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        self._log_metrics("val", self.model.validation_step(batch, batch_idx))

    def test_step(self, batch: Any, batch_idx: int) -> None:
        self._log_metrics("test", self.model.test_step(batch, batch_idx))

    def _log_metrics(self, prefix: str, metrics: Mapping[str, Tensor]) -> None:
        for name, value in metrics.items():
            self.log(f"{prefix}_{name}", value, sync_dist=True)

    def configure_optimizers(self) -> Any:
        optimizer = build_optimizer(self.model.parameters(), self.training_config.optimizer)
        scheduler = build_schedule(optimizer, self.training_config.schedule)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}


def fit(
    model: NeuralModel,
    training: TrainingConfig | None = None,
    *,
    trainer: lightning.Trainer,
    train_dataloaders: Any = None,
    val_dataloaders: Any = None,
    ckpt_path: str | None = None,
) -> ModelTask:
    """Train ``model`` in place with ``trainer``; loaders default to the model's data hooks.

    **Arguments:**

    - ``model``: the model to train.
    - ``training``: optimiser and schedule (``TrainingConfig()`` by default).
    - ``trainer``: a configured ``lightning.Trainer`` (devices, precision, strategy, max_steps...).
    - ``train_dataloaders`` / ``val_dataloaders``: override ``model.train_dataloader()`` /
      ``model.val_dataloader()``.
    - ``ckpt_path``: a Lightning checkpoint to resume from (weights, optimiser, schedule and step), or ``"last"``.

    **Returns:** the task (its ``model`` is ``model``, now trained).
    """
    task = ModelTask(model, training)
    train = train_dataloaders if train_dataloaders is not None else model.train_dataloader()
    if train is None:
        raise InputError(
            f"{type(model).__name__}.train_dataloader() returned None and no train_dataloaders were given"
        )
    val = val_dataloaders if val_dataloaders is not None else model.val_dataloader()
    trainer.fit(task, train_dataloaders=train, val_dataloaders=val, ckpt_path=ckpt_path)
    return task
