"""Building blocks of the classifiers: the Jasper encoder over any spectrogram, and the two decoder heads.

The encoder is the ASR collection's `ConvASREncoder` (same blocks, same state-dict layout) with its input typed as
any `Spectrogram`, so that MFCC features (MatchboxNet, MarbleNet) are accepted as well as log-mel ones. The feature
axis is `_` (any one axis): an MFCC's axis is named `mfcc` and a mel spectrogram's `mel`, and a named axis would
make `neuraltypes.check_wiring` refuse one of the two.
"""

from __future__ import annotations

from torch import Tensor, nn

from neuraltypes import AcousticEncoded, Lengths, Logits, NeuralModule, Spectrogram

from ...common._errors import ConfigError
from ...common._masks import mask_beyond
from ..modules._jasper import ConvASREncoder
from ..modules._preprocessor import SpecAugment

__all__ = ["FeatureEncoder", "FeatureSpecAugment", "FrameDecoder", "PooledDecoder"]

POOLINGS = ("avg", "avg_valid")


class FeatureEncoder(ConvASREncoder):
    """Jasper/QuartzNet encoder over MFCC or log-mel features `(batch, feature, frame)`.

    >>> import torch
    >>> from neuraltypes_collections.asr import ConvASREncoderConfig, JasperBlockConfig
    >>> config = ConvASREncoderConfig(64, (JasperBlockConfig(32, kernel=5, separable=True),))
    >>> encoded, steps = FeatureEncoder(config).eval()(torch.randn(1, 64, 20), torch.tensor([17]))
    >>> encoded.shape, steps.tolist()
    (torch.Size([1, 32, 20]), [17])
    """

    def forward(
        self,
        features: Spectrogram[Tensor, "batch _ frame"],
        lengths: Lengths[Tensor, "batch"],
    ) -> tuple[AcousticEncoded[Tensor, "batch channel step"], Lengths[Tensor, "batch"]]:
        """Encode a padded batch of features; only the first `step_lengths[b]` steps of clip `b` are meaningful.

        **Returns:** `(encoded, step_lengths)`.
        """
        outputs, steps = [features], lengths
        for block in self.blocks:
            outputs, steps = block(outputs, steps)
        return outputs[-1], steps


class FeatureSpecAugment(SpecAugment):
    """The ASR collection's `SpecAugment` over any spectrogram (MFCC or log-mel): masks in training mode only."""

    def forward(
        self,
        features: Spectrogram[Tensor, "batch _ frame"],
        lengths: Lengths[Tensor, "batch"],
    ) -> Spectrogram[Tensor, "batch _ frame"]:
        """Masked copy of `features` in training mode; `features` itself in eval mode."""
        return self._augment(features, lengths)


class PooledDecoder(NeuralModule):
    """Average over time, then a linear layer to one score per label (NeMo's `ConvASRDecoderClassification`).

    **Arguments:**

    - `in_channels`: encoder channels.
    - `num_labels`: number of classes.
    - `pooling`: `"avg"` averages over every step of the padded batch, padding included, exactly as NeMo does
      (so a clip's scores depend on the longest clip of its batch); `"avg_valid"` averages over each clip's
      valid steps only (batch-independent).
    """

    def __init__(self, in_channels: int, num_labels: int, pooling: str = "avg") -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise ConfigError(f"PooledDecoder: pooling must be one of {POOLINGS}, got {pooling!r}")
        self.pooling = pooling
        self.projection = nn.Linear(in_channels, num_labels)

    def forward(
        self,
        encoded: AcousticEncoded[Tensor, "batch channel step"],
        lengths: Lengths[Tensor, "batch"],
    ) -> Logits[Tensor, "batch label"]:
        """Unnormalised scores per clip and label."""
        if self.pooling == "avg":
            pooled = encoded.mean(dim=-1)
        else:
            summed = mask_beyond(encoded, lengths).sum(dim=-1)
            pooled = summed / lengths.clamp(min=1)[:, None].to(encoded.dtype)
        logits: Tensor = self.projection(pooled)
        return logits


class FrameDecoder(NeuralModule):
    """A linear layer applied at every encoder step (NeMo's one-layer `MultiLayerPerceptron` of frame VAD)."""

    def __init__(self, in_channels: int, num_labels: int) -> None:
        super().__init__()
        self.projection = nn.Linear(in_channels, num_labels)

    def forward(self, encoded: AcousticEncoded[Tensor, "batch channel step"]) -> Logits[Tensor, "batch step label"]:
        """Unnormalised scores per clip, step and label."""
        logits: Tensor = self.projection(encoded.transpose(1, 2))
        return logits
