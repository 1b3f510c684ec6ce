"""VITS (Kim et al., 2021) inference blocks: text encoder, stochastic duration predictor, flow, decoder.

Parameter names follow the VITS reference code as Piper exports it (`enc_p`, `dp`, `flow`, `dec`), so a Piper
voice's tensors load without renaming (see `tts.models._piper`). Only the inference path is here: the posterior
encoder and the duration predictor's posterior flows are training-only and absent from exported voices.

Reads top to bottom: dimensions, the text encoder (relative-position attention), the stochastic duration predictor
(rational-quadratic spline flows, run in reverse), the residual-coupling flow (reverse), the HiFi-GAN-style decoder.
Every public block takes and returns ``(batch, channel, time)`` tensors with a ``(batch, 1, time)`` float mask. Inside,
for speed on the CPU, the text encoder and the flow run time-major (`_time_major`; their results are views of
time-major tensors) and the decoder channels-last (`_conv`), the same order in memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, cast

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ...common._config import CheckedConfig, Interval, MultipleOf, OneOf
from ...common._errors import ConfigError
from ...common._onednn import onednn_usable
from ...common._threads import fill_by_windows, per_thread
from ._spline import spline_inverse

_LRELU_SLOPE = 0.1


@dataclass(frozen=True)
class VitsConfig(CheckedConfig):
    """Dimensions of a VITS generator (the defaults are Piper's "medium" quality).

    **Arguments:**

    - `n_symbols`: phoneme vocabulary size (rows of the embedding).
    - `hidden_channels`, `filter_channels`, `n_heads`, `n_layers`, `kernel_size`, `window_size`: the text encoder
      (a transformer with relative positions up to `window_size` tokens away and convolutional feed-forwards).
    - `inter_channels`: channels of the latent frames (the flow and the decoder's input).
    - `flow_layers`, `flow_kernel_size`, `n_flows`: each coupling layer's WaveNet stack and the number of couplings.
    - `upsample_rates`, `upsample_kernel_sizes`, `upsample_initial_channel`, `resblock_kernel_sizes`,
      `resblock_dilation_sizes`: the decoder; the product of `upsample_rates` is the hop in samples per frame.
    - `resblock`: 1 (two convolutions per dilation, Piper "high") or 2 (one, Piper "medium" and "low").
    - `sample_rate`: output rate in Hz.
    """

    n_symbols: int = 256
    hidden_channels: Annotated[int, Interval(gt=0), MultipleOf("n_heads", why="the heads share the channels")] = 192
    filter_channels: int = 768
    n_heads: Annotated[int, Interval(gt=0)] = 2
    n_layers: int = 6
    kernel_size: int = 3
    window_size: int = 4
    inter_channels: int = 192
    flow_layers: int = 4
    flow_kernel_size: int = 5
    n_flows: int = 4
    upsample_rates: tuple[int, ...] = (8, 8, 4)
    upsample_kernel_sizes: tuple[int, ...] = (16, 16, 8)
    upsample_initial_channel: int = 256
    resblock: Annotated[int, OneOf(1, 2)] = 2
    resblock_kernel_sizes: tuple[int, ...] = (3, 5, 7)
    resblock_dilation_sizes: tuple[tuple[int, ...], ...] = ((1, 2), (2, 6), (3, 12))
    sample_rate: int = 22050

    def __post_init__(self) -> None:
        super().__post_init__()
        if len(self.upsample_rates) != len(self.upsample_kernel_sizes):
            raise ConfigError(
                "VitsConfig: upsample_rates and upsample_kernel_sizes must have the same length"
            )
        if len(self.resblock_kernel_sizes) != len(self.resblock_dilation_sizes):
            raise ConfigError(
                "VitsConfig: resblock_kernel_sizes and resblock_dilation_sizes must have the same length"
            )

    @property
    def hop_length(self) -> int:
        """Samples per latent frame: the product of the upsampling rates."""
        return math.prod(self.upsample_rates)


class _LayerNorm(nn.Module):
    """Layer normalisation over the channel axis of ``(batch, channel, time)``."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x: Tensor) -> Tensor:
        return self.time_major(x.transpose(1, -1)).transpose(1, -1)

    def time_major(self, x: Tensor) -> Tensor:
        """The same over the last axis of ``(batch, time, channel)``."""
        return F.layer_norm(x, self.gamma.shape, self.gamma, self.beta, 1e-5)


def _time_major(conv: nn.Module, x: Tensor, padding: tuple[int, int] | None = None) -> Tensor:
    """`conv` (an `nn.Conv1d`, stride 1, no dilation) applied to time-major `x` ``(batch, time, channel)`` with its
    own padding or `padding` steps (before, after).

    One matrix product: each step's window of `kernel_size` steps (copied side by side when the kernel is wider
    than 1) times the weight seen as ``(out, in * kernel)``, through oneDNN's matmul on the CPU. PyTorch runs a
    small-batch 1-D convolution through MKL's GEMM (AVX2 code on non-Intel CPUs) or a oneDNN reorder to its
    blocked layout and back; measured on one thread of the project's AMD EPYC (CPU time, the flow's sizes,
    421 steps): a 1x1 192 -> 384 convolution 0.25 ms against 0.59 ms (onnxruntime 0.26), the 5-wide 192 -> 384
    1.41 ms against 1.50-1.63 ms (onnxruntime 1.36-1.40).
    """
    one_d = cast(nn.Conv1d, conv)
    size = one_d.kernel_size[0]
    weight = one_d.weight.reshape(one_d.out_channels, -1)  # (out, in * kernel), `in` major: unfold's order
    if size > 1:
        before, after = padding or (cast(tuple[int], one_d.padding)[0],) * 2
        batch, steps, channels = x.shape
        x = F.pad(x, (0, 0, before, after)).unfold(1, size, 1).reshape(batch, steps, channels * size)
    if not onednn_usable(x, weight):
        return F.linear(x, weight, one_d.bias)
    return cast(Tensor, torch.ops.mkldnn._linear_pointwise(x, weight, one_d.bias, "none", [], ""))


# text encoder ---------------------------------------------------------------------------------------------


class _RelativeAttention(nn.Module):
    """Multi-head self-attention with learned relative-position keys and values (shared by the heads)."""

    def __init__(self, channels: int, n_heads: int, window_size: int) -> None:
        super().__init__()
        self.n_heads, self.window_size, self.k_channels = n_heads, window_size, channels // n_heads
        self.conv_q, self.conv_k, self.conv_v, self.conv_o = (
            nn.Conv1d(channels, channels, 1) for _ in range(4)
        )
        self.emb_rel_k = nn.Parameter(
            torch.randn(1, 2 * window_size + 1, self.k_channels) * self.k_channels**-0.5
        )
        self.emb_rel_v = nn.Parameter(
            torch.randn(1, 2 * window_size + 1, self.k_channels) * self.k_channels**-0.5
        )

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        """`x`: ``(batch, time, channel)``; `mask`: ``(batch, time, 1)``."""
        batch, length, channels = x.shape
        q, k, v = (_time_major(conv, x).view(batch, length, self.n_heads, self.k_channels).transpose(1, 2)
                   for conv in (self.conv_q, self.conv_k, self.conv_v))  # fmt: skip
        q = q / math.sqrt(self.k_channels)
        scores = q @ k.transpose(-2, -1)
        # relative positions: only offsets -window .. window have embeddings (the others are zero), so query i
        # meets key i + offset on the score matrix's diagonal `offset`; logits and values are added band by band
        window = min(self.window_size, length - 1)
        offsets = range(-window, window + 1)
        centre = self.window_size
        # (batch, head, query, offset)
        logits = q @ self.emb_rel_k[0, centre - window : centre + window + 1].T
        for column, offset in enumerate(offsets):
            rows = slice(max(-offset, 0), length - max(offset, 0))
            torch.diagonal(scores, offset, -2, -1).add_(logits[:, :, rows, column])
        keep = mask.transpose(1, 2)[:, None]  # (batch, 1, 1, time)
        scores = scores.masked_fill(keep * keep.transpose(-2, -1) == 0, -1e4)
        weights = F.softmax(scores, dim=-1)
        out = weights @ v
        banded = weights.new_zeros(batch, self.n_heads, length, len(offsets))
        for column, offset in enumerate(offsets):
            rows = slice(max(-offset, 0), length - max(offset, 0))
            banded[:, :, rows, column] = torch.diagonal(weights, offset, -2, -1)
        out = out + banded @ self.emb_rel_v[0, centre - window : centre + window + 1]
        return _time_major(self.conv_o, out.transpose(1, 2).reshape(batch, length, channels))


class _FeedForward(nn.Module):
    """Two same-padded convolutions with a ReLU between them, masked."""

    def __init__(self, channels: int, filter_channels: int, kernel_size: int) -> None:
        super().__init__()
        self.padding = ((kernel_size - 1) // 2, kernel_size // 2)
        self.conv_1 = nn.Conv1d(channels, filter_channels, kernel_size)
        self.conv_2 = nn.Conv1d(filter_channels, channels, kernel_size)

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        """`x`: ``(batch, time, channel)``; `mask`: ``(batch, time, 1)``."""
        x = torch.relu(_time_major(self.conv_1, x * mask, self.padding))
        return _time_major(self.conv_2, x * mask, self.padding) * mask


class _Encoder(nn.Module):
    """Post-norm transformer: attention and feed-forward, each followed by a residual layer norm; time-major
    ``(batch, time, channel)`` throughout (see `_time_major`), with a ``(batch, time, 1)`` mask."""

    def __init__(self, config: VitsConfig) -> None:
        super().__init__()
        c = config
        self.attn_layers = nn.ModuleList(_RelativeAttention(c.hidden_channels, c.n_heads, c.window_size)
                                         for _ in range(c.n_layers))  # fmt: skip
        self.norm_layers_1 = nn.ModuleList(_LayerNorm(c.hidden_channels) for _ in range(c.n_layers))
        self.ffn_layers = nn.ModuleList(_FeedForward(c.hidden_channels, c.filter_channels, c.kernel_size)
                                        for _ in range(c.n_layers))  # fmt: skip
        self.norm_layers_2 = nn.ModuleList(_LayerNorm(c.hidden_channels) for _ in range(c.n_layers))

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        x = x * mask
        for attention, norm_1, ffn, norm_2 in zip(
            self.attn_layers, self.norm_layers_1, self.ffn_layers, self.norm_layers_2, strict=True
        ):
            x = cast(_LayerNorm, norm_1).time_major(x + attention(x, mask))
            x = cast(_LayerNorm, norm_2).time_major(x + ffn(x, mask))
        return x * mask


class TextEncoder(nn.Module):
    """Phoneme ids to the prior's per-token mean and log-scale, and the encoder's hidden states."""

    def __init__(self, config: VitsConfig) -> None:
        super().__init__()
        self.hidden_channels, self.inter_channels = config.hidden_channels, config.inter_channels
        self.emb = nn.Embedding(config.n_symbols, config.hidden_channels)
        self.encoder = _Encoder(config)
        self.proj = nn.Conv1d(config.hidden_channels, 2 * config.inter_channels, 1)

    def forward(self, ids: Tensor, mask: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """`ids` ``(batch, token)``, `mask` ``(batch, 1, token)``; the results are ``(batch, channel, token)``
        (views of time-major tensors)."""
        mask = mask.transpose(1, 2)
        x = self.encoder(self.emb(ids) * math.sqrt(self.hidden_channels) * mask, mask)
        stats = (_time_major(self.proj, x) * mask).transpose(1, 2)
        return x.transpose(1, 2), stats[:, : self.inter_channels], stats[:, self.inter_channels :]


# stochastic duration predictor -----------------------------------------------------------------------------


class _DDSConv(nn.Module):
    """Dilated depth-separable convolutions (dilation ``kernel_size ** i``) with layer norms and GELUs."""

    def __init__(self, channels: int, kernel_size: int, n_layers: int) -> None:
        super().__init__()
        dilations = [kernel_size**i for i in range(n_layers)]
        self.convs_sep = nn.ModuleList(
            nn.Conv1d(
                channels,
                channels,
                kernel_size,
                groups=channels,
                dilation=d,
                padding=(kernel_size * d - d) // 2,
            )
            for d in dilations
        )
        self.convs_1x1 = nn.ModuleList(nn.Conv1d(channels, channels, 1) for _ in dilations)
        self.norms_1 = nn.ModuleList(_LayerNorm(channels) for _ in dilations)
        self.norms_2 = nn.ModuleList(_LayerNorm(channels) for _ in dilations)

    def forward(self, x: Tensor, mask: Tensor, condition: Tensor | None = None) -> Tensor:
        if condition is not None:
            x = x + condition
        for sep, norm_1, pointwise, norm_2 in zip(
            self.convs_sep, self.norms_1, self.convs_1x1, self.norms_2, strict=True
        ):
            x = x + F.gelu(norm_2(pointwise(F.gelu(norm_1(sep(x * mask))))))
        return x * mask


class _ElementwiseAffine(nn.Module):
    """``x = (z - m) * exp(-logs)``: the duration flow's last inverse step."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.m = nn.Parameter(torch.zeros(channels, 1))
        self.logs = nn.Parameter(torch.zeros(channels, 1))

    def forward(self, z: Tensor, mask: Tensor, condition: Tensor) -> Tensor:
        return (z - self.m) * torch.exp(-self.logs) * mask


class _Flip(nn.Module):
    """Reverses the channel order, so the next coupling transforms the other half."""

    def forward(self, z: Tensor, mask: Tensor, condition: Tensor | None = None) -> Tensor:
        return torch.flip(z, [1])


class _ConvFlow(nn.Module):
    """Coupling layer: half of the channels, through a spline conditioned on the other half and the text."""

    def __init__(
        self, channels: int, filter_channels: int, kernel_size: int, bins: int = 10, bound: float = 5.0
    ) -> None:
        super().__init__()
        self.half_channels, self.filter_channels, self.bins, self.bound = (
            channels // 2,
            filter_channels,
            bins,
            bound,
        )
        self.pre = nn.Conv1d(self.half_channels, filter_channels, 1)
        self.convs = _DDSConv(filter_channels, kernel_size, 3)
        self.proj = nn.Conv1d(filter_channels, self.half_channels * (3 * bins - 1), 1)

    def forward(self, z: Tensor, mask: Tensor, condition: Tensor) -> Tensor:
        z0, z1 = z[:, : self.half_channels], z[:, self.half_channels :]
        h = self.proj(self.convs(self.pre(z0), mask, condition)) * mask
        batch, channels, length = z0.shape
        h = h.reshape(batch, channels, -1, length).permute(0, 1, 3, 2)
        scale = math.sqrt(self.filter_channels)
        widths, heights, slopes = (
            h[..., : self.bins] / scale,
            h[..., self.bins : 2 * self.bins] / scale,
            h[..., 2 * self.bins :],
        )
        z1 = spline_inverse(z1, widths, heights, slopes, self.bound)
        return torch.cat([z0, z1], dim=1) * mask


class StochasticDurationPredictor(nn.Module):
    """Log-durations of the tokens: noise ``(batch, 2, token)`` run backwards through spline flows.

    `flows` keeps the reference layout (0: affine, odd: couplings, even: flips); its entry 1 is the coupling that
    inference skips, an empty placeholder here, as in exported voices.
    """

    def __init__(self, channels: int, kernel_size: int = 3, n_flows: int = 4) -> None:
        super().__init__()
        self.pre = nn.Conv1d(channels, channels, 1)
        self.convs = _DDSConv(channels, kernel_size, 3)
        self.proj = nn.Conv1d(channels, channels, 1)
        layers: list[nn.Module] = [_ElementwiseAffine(2)]
        for index in range(n_flows):
            layers += [_ConvFlow(2, channels, kernel_size) if index else nn.Identity(), _Flip()]
        self.flows = nn.ModuleList(layers)

    def forward(self, x: Tensor, mask: Tensor, noise: Tensor) -> Tensor:
        condition = self.proj(self.convs(self.pre(x.detach()), mask)) * mask
        z = noise
        for flow in [*reversed(self.flows[2:]), self.flows[0]]:
            z = flow(z, mask, condition)
        return z[:, :1]


# normalising flow -------------------------------------------------------------------------------------------


def _tanh(x: Tensor) -> Tensor:
    """``tanh(x)`` as ``2 sigmoid(2x) - 1`` (the same function; differences ~2e-7): torch's float32 tanh takes ten
    times sigmoid's time on the CPU (measured on one thread, the flow's 421 x 192 gate: 183 us against 43 us)."""
    return torch.sigmoid(2 * x).mul_(2).sub_(1)


class _WaveNet(nn.Module):
    """Non-causal WaveNet: gated dilated convolutions with residual and skip outputs, on time-major signals."""

    def __init__(self, channels: int, kernel_size: int, n_layers: int) -> None:
        super().__init__()
        self.channels = channels
        padding = (kernel_size - 1) // 2
        self.in_layers = nn.ModuleList(
            nn.Conv1d(channels, 2 * channels, kernel_size, padding=padding) for _ in range(n_layers)
        )
        self.res_skip_layers = nn.ModuleList(
            nn.Conv1d(channels, 2 * channels if i < n_layers - 1 else channels, 1) for i in range(n_layers)
        )

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        """`x`: ``(batch, time, channel)``; `mask`: ``(batch, time, 1)``."""
        c = self.channels
        output: Tensor | None = None
        for i, (gate, res_skip) in enumerate(zip(self.in_layers, self.res_skip_layers, strict=True)):
            h = _time_major(gate, x)
            acts = _time_major(res_skip, _tanh(h[..., :c]) * torch.sigmoid(h[..., c:]))
            skip = acts if i == len(self.in_layers) - 1 else acts[..., c:]
            if i < len(self.in_layers) - 1:
                x = (x + acts[..., :c]) * mask
            output = skip if output is None else output + skip
        return cast(Tensor, output) * mask


class _ResidualCoupling(nn.Module):
    """Mean-only affine coupling: the second half minus a WaveNet's prediction from the first half."""

    def __init__(self, channels: int, hidden_channels: int, kernel_size: int, n_layers: int) -> None:
        super().__init__()
        self.half_channels = channels // 2
        self.pre = nn.Conv1d(self.half_channels, hidden_channels, 1)
        self.enc = _WaveNet(hidden_channels, kernel_size, n_layers)
        self.post = nn.Conv1d(hidden_channels, self.half_channels, 1)

    def forward(self, z: Tensor, mask: Tensor) -> Tensor:
        """`z`: ``(batch, time, channel)``; `mask`: ``(batch, time, 1)``."""
        z0, z1 = z[..., : self.half_channels], z[..., self.half_channels :]
        hidden = self.enc(_time_major(self.pre, z0.contiguous()) * mask, mask)
        mean = _time_major(self.post, hidden) * mask
        return torch.cat([z0, (z1 - mean) * mask], dim=-1)


class ResidualCouplingFlow(nn.Module):
    """The prior-to-posterior flow, run backwards: couplings (even entries) alternating with flips (odd).

    It runs time-major (see `_time_major`) and returns a masked ``(batch, channel, time)`` view of a time-major
    tensor, which is the channels-last order the decoder works in. At several intra-op threads it runs one stretch
    of frames a thread, widened by `reach` (`common._threads`).
    """

    def __init__(self, config: VitsConfig) -> None:
        super().__init__()
        c = config
        layers: list[nn.Module] = []
        for _ in range(c.n_flows):
            layers += [
                _ResidualCoupling(c.inter_channels, c.hidden_channels, c.flow_kernel_size, c.flow_layers),
                _Flip(),
            ]
        self.flows = nn.ModuleList(layers)
        # how many frames either side an output frame depends on: each coupling's WaveNet layers reach
        self.reach = c.n_flows * c.flow_layers * (c.flow_kernel_size - 1) // 2

    def forward(self, z: Tensor, mask: Tensor) -> Tensor:
        """`z` ``(batch, channel, frame)``, `mask` ``(batch, 1, frame)``; the result is masked."""
        out = z.new_empty(z.shape[0], z.shape[2], z.shape[1]).transpose(1, 2)

        def stretch(low: int, high: int) -> Tensor:
            # time-major inside the stretch: every step from here on runs on the stretch's own thread
            frames = mask[..., low:high].transpose(1, 2)
            latent = self._backwards(z[..., low:high].transpose(1, 2).contiguous(), frames) * frames
            return latent.transpose(1, 2)

        # one stretch of frames a thread, side by side (see common._threads); the lengths of sentences vary anyway
        return fill_by_windows(out, stretch, per_thread(z.shape[-1], z), self.reach, same_width=False)

    def _backwards(self, z: Tensor, mask: Tensor) -> Tensor:
        for flow in reversed(self.flows):
            z = torch.flip(z, [-1]) if isinstance(flow, _Flip) else flow(z, mask)
        return z


# decoder ------------------------------------------------------------------------------------------------------


def _conv(conv: nn.Module, x: Tensor) -> Tensor:
    """`conv` applied to ``(batch, channel, 1, time)`` channels-last `x` as the 2-D convolution it equals.

    oneDNN runs a channels-last 2-D convolution of HiFi-GAN's sizes 2-4 times faster on a CPU than the 1-D one,
    which it runs through a reorder to a blocked layout and back at every call; the element-wise operations
    between the convolutions keep the channels-last order, so the decoder's signal stays in it throughout.
    """
    one_d = cast(nn.Conv1d, conv)  # or nn.ConvTranspose1d: the same fields
    weight, bias = one_d.weight.unsqueeze(2), one_d.bias
    stride, dilation = (1, one_d.stride[0]), (1, one_d.dilation[0])
    padding = (0, cast(tuple[int], one_d.padding)[0])
    if isinstance(conv, nn.ConvTranspose1d):
        return F.conv_transpose2d(x, weight, bias, stride, padding, dilation=dilation)
    return F.conv2d(x, weight, bias, stride, padding, dilation)


class _ResBlock(nn.Module):
    """Dilated residual convolutions; type 1 adds a plain convolution after each dilated one."""

    def __init__(self, channels: int, kernel_size: int, dilations: tuple[int, ...], kind: int) -> None:
        super().__init__()

        def conv(dilation: int) -> nn.Conv1d:
            return nn.Conv1d(
                channels,
                channels,
                kernel_size,
                dilation=dilation,
                padding=(kernel_size * dilation - dilation) // 2,
            )

        if kind == 1:
            self.convs1 = nn.ModuleList(conv(d) for d in dilations)
            self.convs2 = nn.ModuleList(conv(1) for _ in dilations)
        else:
            self.convs = nn.ModuleList(conv(d) for d in dilations)
        self.kind = kind

    def forward(self, x: Tensor) -> Tensor:
        """`x`: ``(batch, channel, 1, time)`` in channels-last order (see `Decoder`)."""
        # the residual is added into each convolution's fresh output (no temporary; `x` itself is shared)
        if self.kind == 1:
            for first, second in zip(self.convs1, self.convs2, strict=True):
                hidden = F.leaky_relu(_conv(first, F.leaky_relu(x, _LRELU_SLOPE)), _LRELU_SLOPE)
                x = _conv(second, hidden).add_(x)
        else:
            for conv in self.convs:
                x = _conv(conv, F.leaky_relu(x, _LRELU_SLOPE)).add_(x)
        return x


#: Output samples that the decoder's later stages make at a time (see `Decoder`).
DECODER_CHUNK_SAMPLES = 16384


def _resblock_radius(kernel_size: int, dilations: tuple[int, ...], kind: int) -> int:
    """How many samples either side of a `_ResBlock` output its value depends on."""
    half = (kernel_size - 1) // 2
    return sum(d * half for d in dilations) + (half * len(dilations) if kind == 1 else 0)


class Decoder(nn.Module):
    """HiFi-GAN generator over latent frames: transposed convolutions and multi-receptive-field blocks.

    The stages after the first run a chunk of time at a time (`DECODER_CHUNK_SAMPLES` output samples, each chunk
    widened by the stages' receptive field, `halo` first-stage samples either side, and cut back): a whole
    sentence's last stage holds 32 x 100,000 float32 samples (14 MB) per signal, which streams every
    convolution's input and output through memory and has the C library map fresh pages at every call (22,700
    page faults a call), while a chunk's (2 MB) stays in the cache and reuses its memory (no fault). Each output
    sample sees exactly the inputs it sees unchunked (the convolutions are local and the halo covers their
    reach), so the audio is the same up to float rounding. Measured in CPU time on one thread, a 421-frame
    sentence: 125-130 ms in chunks of 16,384 samples against 185-192 ms whole (8,192: 140 ms; 4,096: 172 ms)
    (2026-12-03, the project's AMD EPYC, loaded machine). Every window has the same width (the first widened to
    the right, the last to the left): oneDNN makes its kernels once per shape (a transposed convolution's first
    call at a new length costs 3-7 ms more), so new sentences find them made; measured on 8 sentences, the whole
    model's CPU time at a sentence's first call 206-214 ms against 218-221 ms, at its second 185-191 against
    179-191.

    At several intra-op threads the frames are first shared out, one stretch a thread (widened by `reach`, the
    whole decoder's reach in frames), each decoded in its chunks on its own worker thread (`common._threads`).
    """

    def __init__(self, config: VitsConfig) -> None:
        super().__init__()
        c = config
        first = c.upsample_initial_channel
        self.conv_pre = nn.Conv1d(c.inter_channels, first, 7, padding=3)
        self.ups = nn.ModuleList(
            nn.ConvTranspose1d(first // 2**i, first // 2 ** (i + 1), k, u, padding=(k - u) // 2)
            for i, (u, k) in enumerate(zip(c.upsample_rates, c.upsample_kernel_sizes, strict=True))
        )
        self.kernels = len(c.resblock_kernel_sizes)
        self.resblocks = nn.ModuleList(
            _ResBlock(first // 2 ** (i + 1), k, d, c.resblock)
            for i in range(len(c.upsample_rates))
            for k, d in zip(c.resblock_kernel_sizes, c.resblock_dilation_sizes, strict=True)
        )
        self.conv_post = nn.Conv1d(first // 2 ** len(c.upsample_rates), 1, 7, padding=3, bias=False)
        # chunks and their halo in samples of the first stage's output; the halo is the reach of the later
        # stages, from the output back: conv_post, then per stage its blocks' reach and its upsampling's
        self.scale = math.prod(c.upsample_rates[1:])
        self.chunk = max(1, DECODER_CHUNK_SAMPLES // self.scale)
        reach = 3
        blocks = max(
            _resblock_radius(k, d, c.resblock)
            for k, d in zip(c.resblock_kernel_sizes, c.resblock_dilation_sizes, strict=True)
        )
        stages = list(zip(c.upsample_rates, c.upsample_kernel_sizes, strict=True))
        for u, k in reversed(stages[1:]):
            reach = -(-(reach + blocks) // u) + -(-k // u) + 1
        self.halo = reach
        # and the whole decoder's, in latent frames: the first stage's, then conv_pre's
        (u, k), self.hop = stages[0], math.prod(c.upsample_rates)
        self.reach = -(-(reach + blocks) // u) + -(-k // u) + 1 + 3

    def _stage(self, i: int, x: Tensor) -> Tensor:
        x = _conv(self.ups[i], F.leaky_relu(x, _LRELU_SLOPE))
        blocks = self.resblocks[i * self.kernels : (i + 1) * self.kernels]
        total: Tensor = blocks[0](x)
        for block in blocks[1:]:
            total.add_(block(x))  # in place: a quarter of the decoder's time went to temporaries
        return total.mul_(1 / self.kernels)

    def _later_stages(self, x: Tensor) -> Tensor:
        for i in range(1, len(self.ups)):
            x = self._stage(i, x)
        return torch.tanh(_conv(self.conv_post, F.leaky_relu(x)))[:, 0, 0]

    def forward(self, z: Tensor) -> Tensor:
        out = z.new_empty(z.shape[0], z.shape[-1] * self.hop)

        def stretch(low: int, high: int) -> Tensor:
            return self._decode(z[..., low:high])

        # one stretch of frames a thread, side by side (see common._threads), each decoded in chunks
        return fill_by_windows(out, stretch, per_thread(z.shape[-1], z), self.reach, self.hop)

    def _decode(self, z: Tensor) -> Tensor:
        # (batch, channel, 1, time), channels last: see `_conv`
        x = self._stage(0, _conv(self.conv_pre, z.unsqueeze(2).contiguous(memory_format=torch.channels_last)))
        out = x.new_empty(x.shape[0], x.shape[-1] * self.scale)
        return fill_by_windows(
            out, lambda low, high: self._later_stages(x[..., low:high]), self.chunk, self.halo, self.scale
        )


__all__ = ["Decoder", "ResidualCouplingFlow", "StochasticDurationPredictor", "TextEncoder", "VitsConfig"]
