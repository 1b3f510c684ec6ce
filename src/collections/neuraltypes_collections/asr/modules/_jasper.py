"""Jasper/QuartzNet convolutional acoustic encoder and the CTC decoder head.

Reads top to bottom: the frozen block/encoder configs, the private building blocks (masked convolution,
squeeze-excite, one Jasper block), then the public `ConvASREncoder` and `CTCDecoder`.

Semantics follow NeMo's `ConvASREncoder`/`JasperBlock`: every masked convolution zeroes its input beyond the
current lengths; lengths update as `trunc((L + 2p - d(k-1) - 1) / s) + 1` with "same" padding
`p = d(k-1) // 2`; a block is `conv -> BN -> ReLU -> dropout` repeated, the last repeat without activation, then
the 1x1-conv+BN residual branches are added and the activation and dropout applied. Dense-residual blocks take one
residual branch per earlier dense-block output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, cast

import torch
from torch import Tensor, nn

from neuraltypes import AcousticEncoded, Lengths, LogProbs, MelSpectrogram, NeuralModule, attr, params

from ...common._config import CheckedConfig, Interval
from ...common._errors import ConfigError
from ...common._masks import mask_beyond
from ._fast import ConvStep, state_version

__all__ = ["CTCDecoder", "ConvASREncoder", "ConvASREncoderConfig", "JasperBlockConfig"]

_BATCHNORM_EPSILON = 1e-3  # NeMo's JasperBlock uses eps=1e-3, not torch's 1e-5
_ACTIVATIONS: dict[str, Any] = {"relu": nn.ReLU, "hardtanh": lambda: nn.Hardtanh(0.0, 20.0), "selu": nn.SELU, "swish": nn.SiLU}


@dataclass(frozen=True)
class JasperBlockConfig(CheckedConfig):
    """One Jasper/QuartzNet block.

    **Arguments:**

    - `filters`: output channels.
    - `repeat`: number of conv-BN(-ReLU) sub-blocks (R in "QuartzNet BxR").
    - `kernel`, `stride`, `dilation`: of every sub-block's convolution (stride and dilation cannot both exceed 1).
    - `dropout`: dropout probability after each activation.
    - `residual`: add a 1x1-conv+BN projection of the block input before the final activation.
    - `residual_dense`: dense residual (Jasper "DR"): one projection per earlier dense block's output.
    - `separable`: depthwise + pointwise convolution (QuartzNet) instead of a full convolution (Jasper).
    - `se`, `se_reduction_ratio`: squeeze-and-excite over the whole (valid) clip after the last sub-block.
    """

    filters: Annotated[int, Interval(ge=1)]
    repeat: Annotated[int, Interval(ge=1)] = 1
    kernel: Annotated[int, Interval(ge=1)] = 11
    stride: int = 1
    dilation: int = 1
    dropout: Annotated[float, Interval(ge=0, lt=1)] = 0.0
    residual: bool = False
    residual_dense: bool = False
    separable: bool = False
    se: bool = False
    se_reduction_ratio: int = 8

    def __post_init__(self) -> None:
        super().__post_init__()
        problems = []
        if self.stride > 1 and self.dilation > 1:
            problems.append(f"stride {self.stride} and dilation {self.dilation} cannot both exceed 1")
        if self.residual_dense and not self.residual:
            problems.append("residual_dense needs residual=True")
        if problems:
            raise ConfigError("JasperBlockConfig: " + "; ".join(problems))


@dataclass(frozen=True)
class ConvASREncoderConfig:
    """The encoder: input feature size, the blocks in order, activation, and whether convolutions mask padding."""

    feat_in: int = 64
    blocks: tuple[JasperBlockConfig, ...] = ()
    activation: str = "relu"
    conv_mask: bool = True

    def __post_init__(self) -> None:
        if not self.blocks:
            raise ConfigError("ConvASREncoderConfig: needs at least one block")
        if self.activation not in _ACTIVATIONS:
            raise ConfigError(
                f"ConvASREncoderConfig: activation {self.activation!r} is not one of {sorted(_ACTIVATIONS)}"
            )

    @property
    def out_channels(self) -> int:
        return self.blocks[-1].filters

    @property
    def total_stride(self) -> int:
        product = 1
        for block in self.blocks:
            product *= block.stride**block.repeat
        return product


class _MaskedConv1d(nn.Conv1d):
    """A `Conv1d` (no bias) that zeroes its input beyond the lengths and returns the output lengths."""

    def __init__(
        self, cin: int, cout: int, kernel: int, stride: int = 1, dilation: int = 1, groups: int = 1, mask: bool = True
    ) -> None:
        super().__init__(cin, cout, kernel, stride=stride, padding=dilation * (kernel - 1) // 2,
                         dilation=dilation, groups=groups, bias=False)
        self.use_mask = mask

    def output_lengths(self, lengths: Tensor) -> Tensor:
        padding = cast(tuple[int], self.padding)[0]
        span = lengths + 2 * padding - self.dilation[0] * (self.kernel_size[0] - 1) - 1
        return torch.div(span, self.stride[0], rounding_mode="trunc") + 1

    def forward(self, x: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:  # type: ignore[override]
        if self.use_mask:
            x = mask_beyond(x, lengths)
        return super().forward(x), self.output_lengths(lengths)


class _SqueezeExcite(nn.Module):
    """Channel gating from the mean over valid frames: `x * sigmoid(W2 act(W1 mean(x)))`."""

    def __init__(self, channels: int, reduction_ratio: int, activation: nn.Module) -> None:
        super().__init__()
        self.fc = nn.Sequential(
            nn.Linear(channels, channels // reduction_ratio, bias=False),
            activation,
            nn.Linear(channels // reduction_ratio, channels, bias=False),
        )

    def forward(self, x: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        x = mask_beyond(x, lengths)
        pooled = x.sum(dim=-1) / lengths.clamp(min=1)[:, None].to(x.dtype)
        gate = torch.sigmoid(self.fc(pooled))
        return x * gate[:, :, None], lengths


class _JasperBlock(nn.Module):
    """One block. `layers` keeps NeMo's `mconv` index layout (activation and dropout slots included)."""

    def __init__(
        self, config: JasperBlockConfig, in_channels: int, residual_channels: list[int], activation: str, mask: bool
    ) -> None:
        super().__init__()
        self.dense = config.residual_dense
        layers: list[nn.Module] = []
        cin = in_channels
        for index in range(config.repeat):
            if config.separable:
                layers.append(_MaskedConv1d(cin, cin, config.kernel, config.stride, config.dilation, groups=cin, mask=mask))
                layers.append(_MaskedConv1d(cin, config.filters, 1, mask=mask))
            else:
                layers.append(_MaskedConv1d(cin, config.filters, config.kernel, config.stride, config.dilation, mask=mask))
            layers.append(nn.BatchNorm1d(config.filters, eps=_BATCHNORM_EPSILON, momentum=0.1))
            if index < config.repeat - 1:
                layers += [_ACTIVATIONS[activation](), nn.Dropout(config.dropout)]
            cin = config.filters
        if config.se:
            layers.append(_SqueezeExcite(config.filters, config.se_reduction_ratio, _ACTIVATIONS[activation]()))
        self.layers = nn.ModuleList(layers)
        self.residuals = nn.ModuleList(
            nn.ModuleList([_MaskedConv1d(ip, config.filters, 1, mask=mask),
                           nn.BatchNorm1d(config.filters, eps=_BATCHNORM_EPSILON, momentum=0.1)])
            for ip in (residual_channels if config.residual else [])
        )
        self.out = nn.Sequential(_ACTIVATIONS[activation](), nn.Dropout(config.dropout))
        self.fast = True
        self._plan_cache: tuple[tuple[tuple[int, int], ...], tuple[list[ConvStep | nn.Module], list[ConvStep]]] | None = None

    def forward(self, inputs: list[Tensor], lengths: Tensor) -> tuple[list[Tensor], Tensor]:
        if self.fast and not self.training and not torch.is_grad_enabled():
            return self._fast_forward(inputs, lengths)
        out, out_lengths = inputs[-1], lengths
        for layer in self.layers:
            if isinstance(layer, (_MaskedConv1d, _SqueezeExcite)):
                out, out_lengths = layer(out, out_lengths)
            else:
                out = layer(out)
        for branch_input, branch in zip(inputs, self.residuals, strict=False):
            conv, norm = cast(tuple[_MaskedConv1d, nn.BatchNorm1d], tuple(cast(nn.ModuleList, branch)))
            out = out + norm(conv(branch_input, lengths)[0])
        out = self.out(out)
        return (inputs + [out] if self.dense else [out]), out_lengths

    def _plan(self) -> tuple[list[ConvStep | nn.Module], list[ConvStep]]:
        key = state_version(self)
        if self._plan_cache is None or self._plan_cache[0] != key:
            with torch.no_grad():
                steps: list[ConvStep | nn.Module] = []
                layers = list(self.layers)
                for index, layer in enumerate(layers):
                    if isinstance(layer, _MaskedConv1d):
                        following = layers[index + 1] if index + 1 < len(layers) else None
                        norm = following if isinstance(following, nn.BatchNorm1d) else None
                        steps.append(ConvStep.build(layer, norm, layer.use_mask))
                    elif isinstance(layer, nn.BatchNorm1d):
                        continue  # folded into the convolution before it
                    elif not isinstance(layer, nn.Dropout):
                        steps.append(layer)
                residuals = []
                for branch in self.residuals:
                    conv, norm = cast(tuple[_MaskedConv1d, nn.BatchNorm1d], tuple(cast(nn.ModuleList, branch)))
                    residuals.append(ConvStep.build(conv, norm, conv.use_mask))
            self._plan_cache = (key, (steps, residuals))
        return self._plan_cache[1]

    def _fast_forward(self, inputs: list[Tensor], lengths: Tensor) -> tuple[list[Tensor], Tensor]:
        steps, residuals = self._plan()
        out, out_lengths = inputs[-1], lengths
        for step in steps:
            if isinstance(step, ConvStep):
                out, out_lengths = step(out, out_lengths), step.conv.output_lengths(out_lengths)  # type: ignore[operator]
            elif isinstance(step, _SqueezeExcite):
                out, out_lengths = step(out, out_lengths)
            else:
                out = step(out)
        for branch_input, branch in zip(inputs, residuals, strict=False):
            out = out + branch(branch_input, lengths)
        out = self.out(out)
        return (inputs + [out] if self.dense else [out]), out_lengths


class ConvASREncoder(NeuralModule):
    """Jasper/QuartzNet encoder: features `(batch, mel, frame)` to acoustic encodings `(batch, channel, step)`.

    >>> config = ConvASREncoderConfig(64, (JasperBlockConfig(32, kernel=5, stride=2, separable=True),))
    >>> encoded, steps = ConvASREncoder(config).eval()(torch.randn(1, 64, 20), torch.tensor([17]))
    >>> encoded.shape, steps.tolist()
    (torch.Size([1, 32, 10]), [9])
    """

    def __init__(self, config: ConvASREncoderConfig) -> None:
        super().__init__()
        self.config = config
        blocks = []
        in_channels = config.feat_in
        dense_inputs: list[int] = []
        for block in config.blocks:
            if block.residual_dense:
                dense_inputs.append(in_channels)
                residual_channels = list(dense_inputs)
            else:
                residual_channels = [in_channels]
            blocks.append(_JasperBlock(block, in_channels, residual_channels, config.activation, config.conv_mask))
            in_channels = block.filters
        self.blocks = nn.ModuleList(blocks)

    @property
    def feat_in(self) -> int:
        """Feature channels the encoder takes (the preprocessor's `n_mels`)."""
        return self.config.feat_in

    @property
    def fast_inference(self) -> bool:
        """Whether eval-mode calls without autograd use the fast path (BatchNorm folded into the convolutions,
        FFT depthwise convolutions); `False` reproduces NeMo's arithmetic bit for bit. Default `True`."""
        return all(cast(_JasperBlock, block).fast for block in self.blocks)

    @fast_inference.setter
    def fast_inference(self, enabled: bool) -> None:
        for block in self.blocks:
            cast(_JasperBlock, block).fast = bool(enabled)

    def forward(
        self,
        features: MelSpectrogram[Tensor, "batch mel frame", params(n_mels=attr("feat_in"))],
        lengths: Lengths[Tensor, "batch"],
    ) -> tuple[AcousticEncoded[Tensor, "batch channel step"], Lengths[Tensor, "batch"]]:
        """Encode a padded batch of features.

        **Returns:** `(encoded, step_lengths)`. Values beyond a clip's step length are not zeroed (as in NeMo);
        only the first `step_lengths[b]` steps of clip `b` are meaningful.
        """
        outputs, lengths = [features], lengths
        for block in self.blocks:
            outputs, lengths = block(outputs, lengths)
        return outputs[-1], lengths


class CTCDecoder(NeuralModule):
    """1x1 convolution to `vocab` classes (the blank last) and log-softmax: NeMo's `ConvASRDecoder`."""

    def __init__(self, in_channels: int, num_classes: int) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.projection = nn.Conv1d(in_channels, num_classes, kernel_size=1, bias=True)

    def forward(
        self, encoded: AcousticEncoded[Tensor, "batch channel step"]
    ) -> LogProbs[Tensor, "batch step vocab"]:
        """Log-probabilities over the vocabulary plus blank, time-major per clip."""
        return torch.log_softmax(self.projection(encoded).transpose(1, 2), dim=-1)
