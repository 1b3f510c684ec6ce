"""A tiny shipped model for tests, docs and examples: a two-layer regressor on random features."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import Tensor

from neuraltypes import Encoded, RegressionValues

from ._model import NeuralModel, register_model

__all__ = ["TinyRegressorConfig", "TinyRegressor"]


@dataclass(frozen=True)
class TinyRegressorConfig:
    """Sizes of ``TinyRegressor``.

    **Arguments:**

    - ``features``: input width.
    - ``hidden``: hidden width.
    """

    features: int = 4
    hidden: int = 16


@register_model("common.tiny_regressor")
class TinyRegressor(NeuralModel[TinyRegressorConfig]):
    """Maps ``features`` to one value; trained with mean squared error on ``(features, target)`` batches.

    **Arguments:**

    - ``config``: a ``TinyRegressorConfig``.
    """

    def __init__(self, config: TinyRegressorConfig) -> None:
        super().__init__(config)
        self.hidden = torch.nn.Linear(config.features, config.hidden)
        self.output = torch.nn.Linear(config.hidden, 1)

    def forward(self, features: Encoded[Tensor, "batch channel"]) -> RegressionValues[Tensor, "batch"]:
        """Return one prediction per example; ``features`` has ``config.features`` channels."""
        prediction: Tensor = self.output(torch.tanh(self.hidden(features)))
        return prediction.squeeze(-1)

    def training_step(self, batch: tuple[Tensor, Tensor], batch_idx: int) -> Tensor:
        """Mean squared error of the predictions against ``batch[1]``."""
        features, target = batch
        return torch.nn.functional.mse_loss(self(features), target)

    def validation_step(self, batch: tuple[Tensor, Tensor], batch_idx: int) -> Mapping[str, Tensor]:
        """The validation loss, logged as ``val_loss``."""
        return {"loss": self.training_step(batch, batch_idx)}
