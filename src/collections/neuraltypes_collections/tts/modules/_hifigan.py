"""HiFi-GAN generator (Kong et al., 2020) as a typed module: log-mel spectrogram in, waveform out."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import cast

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import weight_norm

from neuraltypes import AudioSignal, MelSpectrogram, NeuralModule, attr, params

from ...common._errors import ConfigError, WeightsMismatchError

_LRELU_SLOPE = 0.1


@dataclass(frozen=True)
class HifiGanConfig:
    """Dimensions of a HiFi-GAN generator.

    **Arguments:**

    - `n_mels`: mel channels of the input spectrogram.
    - `sample_rate`: output sample rate in Hz (the spectrogram must have been computed at this rate).
    - `upsample_rates`: stride of each transposed convolution; their product is the hop length in samples.
    - `upsample_kernel_sizes`: kernel of each transposed convolution.
    - `upsample_initial_channel`: channels after the input convolution (V1: 512, V2: 128, V3: 256).
    - `resblock`: 1 (V1/V2: two convolutions per dilation) or 2 (V3: one convolution per dilation).
    - `resblock_kernel_sizes`, `resblock_dilation_sizes`: the multi-receptive-field fusion blocks.
    """

    n_mels: int = 80
    sample_rate: int = 22050
    upsample_rates: tuple[int, ...] = (8, 8, 2, 2)
    upsample_kernel_sizes: tuple[int, ...] = (16, 16, 4, 4)
    upsample_initial_channel: int = 512
    resblock: int = 1
    resblock_kernel_sizes: tuple[int, ...] = (3, 7, 11)
    resblock_dilation_sizes: tuple[tuple[int, ...], ...] = field(default=((1, 3, 5), (1, 3, 5), (1, 3, 5)))

    def __post_init__(self) -> None:
        if len(self.upsample_rates) != len(self.upsample_kernel_sizes):
            raise ConfigError(
                f"HifiGanConfig: upsample_rates {self.upsample_rates} and upsample_kernel_sizes "
                f"{self.upsample_kernel_sizes} must have the same length"
            )
        if len(self.resblock_kernel_sizes) != len(self.resblock_dilation_sizes):
            raise ConfigError(
                f"HifiGanConfig: resblock_kernel_sizes {self.resblock_kernel_sizes} and resblock_dilation_sizes "
                f"{self.resblock_dilation_sizes} must have the same length"
            )
        if self.resblock not in (1, 2):
            raise ConfigError(f"HifiGanConfig: resblock must be 1 or 2, got {self.resblock!r}")
        if self.upsample_initial_channel % 2 ** len(self.upsample_rates):
            raise ConfigError(
                f"HifiGanConfig: upsample_initial_channel {self.upsample_initial_channel} must be divisible by "
                f"2**{len(self.upsample_rates)} (channels halve at every upsampling stage)"
            )

    @property
    def hop_length(self) -> int:
        """Samples per spectrogram frame: the product of the upsampling rates."""
        return math.prod(self.upsample_rates)


def _same_padding(kernel_size: int, dilation: int = 1) -> int:
    return (kernel_size * dilation - dilation) // 2


class _ResBlock(nn.Module):
    """Residual stack of dilated convolutions (type 1: two convolutions per dilation, type 2: one)."""

    def __init__(self, channels: int, kernel_size: int, dilations: tuple[int, ...], kind: int) -> None:
        super().__init__()
        self.convs1 = nn.ModuleList(
            nn.Conv1d(channels, channels, kernel_size, dilation=d, padding=_same_padding(kernel_size, d))
            for d in dilations
        )
        self.convs2: nn.ModuleList | None = None
        if kind == 1:
            self.convs2 = nn.ModuleList(
                nn.Conv1d(channels, channels, kernel_size, padding=_same_padding(kernel_size)) for _ in dilations
            )

    def forward(self, x: Tensor) -> Tensor:
        for i, conv1 in enumerate(self.convs1):
            y = conv1(F.leaky_relu(x, _LRELU_SLOPE))
            if self.convs2 is not None:
                y = self.convs2[i](F.leaky_relu(y, _LRELU_SLOPE))
            x = x + y
        return x


class HifiGanGenerator(NeuralModule):
    """HiFi-GAN generator: transposed convolutions interleaved with multi-receptive-field residual blocks.

    Parameter names follow NeMo's `Generator` (`conv_pre`, `ups.i`, `resblocks.i.j.convs{1,2}.k`, `conv_post`) with
    weight normalisation folded into plain convolution weights.

    **Arguments:**

    - `config`: a `HifiGanConfig`.

    **Returns:** (from `forward`) the waveform in [-1, 1] at `config.sample_rate`, `hop_length` samples per frame.

    ```python
    gen = HifiGanGenerator(HifiGanConfig(upsample_initial_channel=32))
    audio = gen(torch.zeros(1, 80, 10))  # -> (1, 2560)
    ```
    """

    def __init__(self, config: HifiGanConfig = HifiGanConfig()) -> None:
        super().__init__()
        self.config = config
        self.sample_rate = config.sample_rate
        self.n_mels = config.n_mels
        self.hop_length = config.hop_length
        c0 = config.upsample_initial_channel
        self.conv_pre = nn.Conv1d(config.n_mels, c0, 7, padding=3)
        self.ups = nn.ModuleList()
        self.resblocks = nn.ModuleList()
        for i, (rate, kernel) in enumerate(zip(config.upsample_rates, config.upsample_kernel_sizes, strict=True)):
            c_in, c_out = c0 // 2**i, c0 // 2 ** (i + 1)
            self.ups.append(nn.ConvTranspose1d(c_in, c_out, kernel, rate, padding=(kernel - rate) // 2))
            self.resblocks.append(
                nn.ModuleList(
                    _ResBlock(c_out, k, d, config.resblock)
                    for k, d in zip(config.resblock_kernel_sizes, config.resblock_dilation_sizes, strict=True)
                )
            )
        self.conv_post = nn.Conv1d(c0 // 2 ** len(config.upsample_rates), 1, 7, padding=3)

    def forward(
        self,
        mel: MelSpectrogram[
            Tensor,
            "batch mel frame",
            params(sample_rate=attr("sample_rate"), n_mels=attr("n_mels"), hop_length=attr("hop_length")),
        ],
    ) -> AudioSignal[Tensor, "batch time", attr("sample_rate")]:
        x = self.conv_pre(mel)
        for up, blocks in zip(self.ups, self.resblocks, strict=True):
            x = up(F.leaky_relu(x, _LRELU_SLOPE))
            group = cast(nn.ModuleList, blocks)  # self.resblocks holds one ModuleList per upsampling
            x = sum(block(x) for block in group) / len(group)
        x = self.conv_post(F.leaky_relu(x))  # the original uses torch's default slope (0.01) here
        return torch.tanh(x).squeeze(1)

    def _convolutions(self) -> list[nn.Module]:
        return [m for m in self.modules() if isinstance(m, (nn.Conv1d, nn.ConvTranspose1d))]

    def apply_weight_norm(self) -> None:
        """Re-parametrise every convolution as gain times direction (how HiFi-GAN is trained).

        Optimisers then update gains and directions, as in the original training; plain weights of a trained
        generator are small and Adam's first steps would change them by a large fraction. Call
        `remove_weight_norm` before saving.
        """
        for conv in self._convolutions():
            if not parametrize.is_parametrized(conv, "weight"):
                weight_norm(conv, dim=0)

    def remove_weight_norm(self) -> None:
        """Fold the weight-norm parametrisation back into plain weights (the saved layout)."""
        for conv in self._convolutions():
            if parametrize.is_parametrized(conv, "weight"):
                parametrize.remove_parametrizations(conv, "weight", leave_parametrized=True)


def fold_weight_norm(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Replace legacy weight-norm pairs (`name.weight_g`, `name.weight_v`) by plain `name.weight` tensors.

    **Arguments:**

    - `state`: a state dict saved from modules wrapped in `torch.nn.utils.weight_norm` (dim 0).

    **Returns:** a new state dict with `weight = g * v / ||v||` (norm over every axis but the first) and every other
    entry unchanged.
    """
    out: dict[str, Tensor] = {}
    for key, value in state.items():
        stem, _, leaf = key.rpartition(".")
        prefix = stem + "." if stem else ""
        if leaf == "weight_g":
            continue
        if leaf == "weight_v":
            g = state.get(prefix + "weight_g")
            if g is None:
                raise WeightsMismatchError(
                    f"fold_weight_norm (found '{key}' but no matching '{prefix}weight_g')",
                    missing=[prefix + "weight_g"],
                    unexpected=[],
                    mismatched=[],
                )
            v = value.float()
            norm = v.pow(2).sum(dim=tuple(range(1, v.dim())), keepdim=True).sqrt()
            out[prefix + "weight"] = g * v / norm
        else:
            out[key] = value
    return out


__all__ = ["HifiGanConfig", "HifiGanGenerator", "fold_weight_norm"]
