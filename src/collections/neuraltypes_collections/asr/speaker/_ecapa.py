"""NeMo's ECAPA-TDNN speaker encoder (`ECAPAEncoder`): the frame encoder of `SpeakerLabelModel`s whose NeMo config
names `nemo.collections.asr.modules.ECAPAEncoder` (recipe `ecapa_tdnn.yaml`).

Reads top to bottom: the frozen config, the private blocks (TDNN layer, squeeze-excite, SE-TDNN block), then the
public `EcapaEncoder`.

NeMo's variant of ECAPA-TDNN (Desplanques et al., 2020; Dawalatabad et al., 2021) has no Res2Net split: checked
against a NeMo 3.0 checkpoint (`tests/collections/asr/speaker/fixtures/ecapa_small`), it is

- a TDNN layer (`Conv1d` of kernel `kernel_sizes[0]`, dilation `dilations[0]`, "same" padding
  `dilation * (kernel - 1) // 2`, then ReLU and BatchNorm) from the mel bands to `filters[0]` channels;
- `len(filters) - 2` SE-TDNN blocks, each a 1x1 TDNN layer, a grouped convolution (`scale` groups, the block's
  kernel and dilation) with ReLU and BatchNorm, another 1x1 TDNN layer, a squeeze-excite gate (the mean over the
  valid frames, `Conv1d -> ReLU -> BatchNorm -> Conv1d -> sigmoid`, 128 channels in the middle) and the block's
  input added back;
- the SE-TDNN blocks' outputs concatenated along the channels and a last TDNN layer (`filters[-1]` channels).

The convolutions do not mask the padding, as in NeMo: a clip's last frames see the layer outputs computed on the
padded frames (NeMo's front end pads every clip to a multiple of 16 frames, and a batch to its longest clip), so a
clip's embedding depends a little on the batch it is in (by 0.09 of entries up to 12 in the fixture). The speaker
verbs therefore embed an ECAPA model's clips one at a time, as NeMo's `get_embedding` does.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from neuraltypes import AcousticEncoded, Lengths, MelSpectrogram, NeuralModule, attr, params

from ...common._errors import ConfigError
from ...common._masks import lengths_to_mask

__all__ = ["EcapaEncoder", "EcapaEncoderConfig", "ecapa_encoder"]


@dataclass(frozen=True)
class EcapaEncoderConfig:
    """NeMo's `ECAPAEncoder`.

    **Arguments:**

    - `feat_in`: the mel bands.
    - `filters`: the first TDNN layer's channels, each SE-TDNN block's (all equal to the first, as the residual
      sums need), and the aggregation layer's last (the SE-TDNN blocks' channels summed, as the concatenation
      needs).
    - `kernel_sizes`, `dilations`: one per entry of `filters` (first layer, each SE-TDNN block, aggregation).
    - `scale`: the groups of each SE-TDNN block's grouped convolution (it must divide the block's channels).
    - `se_channels`: the squeeze-excite gate's middle channels (NeMo fixes them at 128).
    """

    feat_in: int = 80
    filters: tuple[int, ...] = (1024, 1024, 1024, 1024, 3072)
    kernel_sizes: tuple[int, ...] = (5, 3, 3, 3, 1)
    dilations: tuple[int, ...] = (1, 1, 1, 1, 1)
    scale: int = 8
    se_channels: int = 128

    def __post_init__(self) -> None:
        problems = []
        if len(self.filters) < 3:
            problems.append(f"filters needs at least 3 entries (a first layer, a block, the aggregation), got {list(self.filters)}")
        elif min(self.filters) < 1 or min(self.kernel_sizes, default=0) < 1 or min(self.dilations, default=0) < 1:
            problems.append("filters, kernel_sizes and dilations must be positive")
        elif len(self.kernel_sizes) != len(self.filters) or len(self.dilations) != len(self.filters):
            problems.append(
                f"kernel_sizes ({len(self.kernel_sizes)}) and dilations ({len(self.dilations)}) need one entry per "
                f"filters entry ({len(self.filters)})"
            )
        else:
            blocks = self.filters[1:-1]
            if any(width != self.filters[0] for width in blocks):
                problems.append(f"every SE-TDNN block keeps filters[0] channels (residual sums), got {list(self.filters)}")
            if self.filters[-1] != sum(blocks):
                problems.append(f"filters[-1] must be the blocks' channels summed ({sum(blocks)}), got {self.filters[-1]}")
            if self.scale < 1 or self.filters[0] % self.scale:
                problems.append(f"scale ({self.scale}) must divide the blocks' channels ({self.filters[0]})")
        if self.feat_in < 1 or self.se_channels < 1:
            problems.append(f"feat_in and se_channels must be positive, got {self.feat_in}, {self.se_channels}")
        if problems:
            raise ConfigError("EcapaEncoderConfig: " + "; ".join(problems))

    @property
    def out_channels(self) -> int:
        return self.filters[-1]


def ecapa_encoder(channels: int = 1024, blocks: int = 3, feat_in: int = 80, dilations: tuple[int, ...] | None = None) -> EcapaEncoderConfig:
    """NeMo's `ecapa_tdnn.yaml` encoder with `channels` per block and `blocks` SE-TDNN blocks (kernel 5 first,
    3 in the blocks, 1 to aggregate); `dilations` default to all 1, as in the recipe."""
    filters = (channels, *(channels,) * blocks, channels * blocks)
    kernels = (5, *(3,) * blocks, 1)
    return EcapaEncoderConfig(feat_in, filters, kernels, dilations or (1,) * len(filters))


class _TdnnLayer(nn.Module):
    """`Conv1d -> ReLU -> BatchNorm`, "same" padding (NeMo's `TDNNModule`; keys `conv_layer`, `bn`); also the
    first layer of the attentive pooling's attention network (`_label_model`)."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int = 1, dilation: int = 1) -> None:
        super().__init__()
        self.conv_layer = nn.Conv1d(in_channels, out_channels, kernel, dilation=dilation, padding=dilation * (kernel - 1) // 2)
        self.activation = nn.ReLU()
        self.bn = nn.BatchNorm1d(out_channels)

    def forward(self, x: Tensor) -> Tensor:
        out: Tensor = self.bn(self.activation(self.conv_layer(x)))
        return out


class _SqueezeExcite(nn.Module):
    """Scale each channel by a gate computed from its mean over the valid frames (NeMo's `MaskedSEModule`)."""

    def __init__(self, channels: int, middle: int) -> None:
        super().__init__()
        self.se_layer = nn.Sequential(
            nn.Conv1d(channels, middle, 1), nn.ReLU(), nn.BatchNorm1d(middle), nn.Conv1d(middle, channels, 1), nn.Sigmoid()
        )

    def forward(self, x: Tensor, lengths: Tensor) -> Tensor:
        valid = lengths_to_mask(lengths, x.shape[-1])[:, None, :].to(x.dtype)
        mean = (x * valid).sum(dim=2, keepdim=True) / valid.sum(dim=2, keepdim=True)
        gate: Tensor = self.se_layer(mean)
        return gate * x


class _SeTdnnBlock(nn.Module):
    """1x1 TDNN, grouped convolution, 1x1 TDNN, squeeze-excite, plus the input (NeMo's `TDNNSEModule`)."""

    def __init__(self, channels: int, kernel: int, dilation: int, groups: int, se_channels: int) -> None:
        super().__init__()
        grouped = nn.Conv1d(channels, channels, kernel, dilation=dilation, padding=dilation * (kernel - 1) // 2, groups=groups)
        self.group_tdnn_block = nn.Sequential(
            _TdnnLayer(channels, channels), grouped, nn.ReLU(), nn.BatchNorm1d(channels), _TdnnLayer(channels, channels)
        )
        self.se_layer = _SqueezeExcite(channels, se_channels)

    def forward(self, x: Tensor, lengths: Tensor) -> Tensor:
        out: Tensor = self.se_layer(self.group_tdnn_block(x), lengths) + x
        return out


class EcapaEncoder(NeuralModule):
    """ECAPA-TDNN without Res2Net (NeMo's `ECAPAEncoder`): log-mel features to frame encodings at the same rate.

    >>> encoder = EcapaEncoder(ecapa_encoder(channels=16, blocks=2, feat_in=20)).eval()
    >>> encoded, steps = encoder(torch.randn(2, 20, 30), torch.tensor([30, 12]))
    >>> encoded.shape, steps.tolist()
    (torch.Size([2, 32, 30]), [30, 12])
    """

    def __init__(self, config: EcapaEncoderConfig) -> None:
        super().__init__()
        self.config = config
        width = config.filters[0]
        first = _TdnnLayer(config.feat_in, width, config.kernel_sizes[0], config.dilations[0])
        blocks = [
            _SeTdnnBlock(width, kernel, dilation, config.scale, config.se_channels)
            for kernel, dilation in zip(config.kernel_sizes[1:-1], config.dilations[1:-1], strict=True)
        ]
        self.layers = nn.ModuleList([first, *blocks])
        self.feature_agg = _TdnnLayer(config.out_channels, config.out_channels, config.kernel_sizes[-1], config.dilations[-1])

    @property
    def feat_in(self) -> int:
        """Feature channels the encoder takes (the preprocessor's `n_mels`)."""
        return self.config.feat_in

    def forward(
        self,
        features: MelSpectrogram[Tensor, "batch mel frame", params(n_mels=attr("feat_in"))],
        lengths: Lengths[Tensor, "batch"],
    ) -> tuple[AcousticEncoded[Tensor, "batch channel step"], Lengths[Tensor, "batch"]]:
        """Encode a padded batch of features.

        **Returns:** `(encoded, step_lengths)`: one step per frame, so `step_lengths` is `lengths`; the padding
        is not masked (see the module docstring).
        """
        x = self.layers[0](features)
        outputs = []
        for block in self.layers[1:]:
            x = block(x, lengths)
            outputs.append(x)
        encoded: Tensor = self.feature_agg(torch.cat(outputs, dim=1))
        return encoded, lengths
