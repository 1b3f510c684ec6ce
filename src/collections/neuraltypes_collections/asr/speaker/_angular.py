"""The additive angular-margin softmax loss (ArcFace: Deng et al., 2019), the training loss of NeMo's TitaNet and
ECAPA-TDNN recipes (`AngularSoftmaxLoss`).

With `c_j` the logits (cosines between the normalised embedding and each speaker's weight row) and `y` the true
speaker, the loss is the cross-entropy of `scale * c_j` with the true speaker's cosine replaced by
`cos(arccos(c_y) + margin)`: the true speaker's angle must beat the others' by `margin` radians. `c_y` is clamped to
`[-1 + 1e-7, 1 - 1e-7]` before the arc cosine, as in NeMo (its gradient is then finite).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from neuraltypes import ClassificationTarget, Logits, Loss

from ...common._errors import ConfigError

__all__ = ["AngularMarginConfig", "angular_margin_loss"]

_COSINE_CLAMP = 1e-7  # NeMo's eps: keeps arccos away from +-1, where its derivative is infinite


@dataclass(frozen=True)
class AngularMarginConfig:
    """The angular-margin loss: `scale` multiplies the cosines, `margin` (radians) is added to the true speaker's
    angle. The defaults are NeMo's TitaNet and ECAPA-TDNN recipes'."""

    scale: float = 30.0
    margin: float = 0.2

    def __post_init__(self) -> None:
        if not self.scale > 0 or not 0 <= self.margin < 3.14159:
            raise ConfigError(f"AngularMarginConfig: scale must be > 0 and margin in [0, pi), got {self.scale}, {self.margin}")


def angular_margin_loss(
    logits: Logits[Tensor, "batch label"], labels: ClassificationTarget[Tensor, "batch"], config: AngularMarginConfig
) -> Loss[Tensor, ""]:
    """The mean additive angular-margin loss of a batch (a scalar).

    **Arguments:**

    - `logits`: cosines in [-1, 1], one per training speaker (a `SpeakerDecoder` with `angular=True`).
    - `labels`: the index of each clip's speaker.
    - `config`: `scale` and `margin`.

    >>> cosines = torch.tensor([[0.9, 0.1], [0.2, 0.8]])
    >>> loss = angular_margin_loss(cosines, torch.tensor([0, 1]), AngularMarginConfig(scale=10.0, margin=0.0))
    >>> bool(torch.isclose(loss, F.cross_entropy(10.0 * cosines, torch.tensor([0, 1]))))
    True
    """
    true = logits.gather(1, labels[:, None]).clamp(-1.0 + _COSINE_CLAMP, 1.0 - _COSINE_CLAMP)
    with_margin = logits.scatter(1, labels[:, None], torch.cos(torch.acos(true) + config.margin))
    return F.cross_entropy(config.scale * with_margin, labels)
