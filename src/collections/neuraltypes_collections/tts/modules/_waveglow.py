"""WaveGlow (Prenger et al., 2018): a flow-based vocoder (affine couplings with WaveNet-like networks).

Reads top to bottom: the dimensions, the private blocks (invertible 1x1 convolution, WN), the typed latent,
then `WaveGlow` (`forward`: spectrogram to audio; `encode`: audio to latent, for training with `loss`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, NamedTuple, cast

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from neuraltypes import (
    AudioSignal,
    LogDeterminant,
    Loss,
    NeuralModule,
    NormalSamples,
    attr,
    checked,
)

from ...common._config import CheckedConfig, Interval, MultipleOf
from ...common._errors import ConfigError
from ._features import ModelMel


@dataclass(frozen=True)
class WaveGlowConfig(CheckedConfig):
    """Dimensions of WaveGlow (defaults: the paper's model, 22.05 kHz, 80 mels, hop 256).

    **Arguments:**

    - `n_flows`, `n_group`: flow steps and samples grouped into channels.
    - `n_early_every`, `n_early_size`: every `n_early_every` flows, `n_early_size` channels leave the flow.
    - `wn_layers`, `wn_channels`, `wn_kernel_size`: the WaveNet-like coupling networks.
    - `upsample_kernel_size`: transposed convolution bringing frames to samples (default 4 x hop).
    - `n_mels`, `sample_rate`, `hop_length`: the spectrogram contract.
    - `sigma`: standard deviation of the latent prior during training.
    """

    n_flows: int = 12
    n_group: Annotated[int, Interval(ge=2), MultipleOf(2)] = 8
    n_early_every: int = 4
    n_early_size: int = 2
    wn_layers: int = 8
    wn_channels: int = 256
    wn_kernel_size: int = 3
    upsample_kernel_size: Annotated[int, Interval(ge="hop_length")] = 1024
    n_mels: int = 80
    sample_rate: int = 22050
    hop_length: Annotated[int, MultipleOf("n_group")] = 256
    sigma: float = 1.0

    def __post_init__(self) -> None:
        super().__post_init__()
        remaining = self.n_group - self.n_early_size * ((self.n_flows - 1) // self.n_early_every)
        if remaining < 2 or remaining % 2:
            raise ConfigError(
                f"WaveGlowConfig: after the early outputs {remaining} channels remain; they must be even and >= 2"
            )


class _Invertible1x1(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        weight = torch.linalg.qr(torch.randn(channels, channels))[0]
        if torch.det(weight) < 0:
            weight[:, 0] = -weight[:, 0]
        self.weight = nn.Parameter(weight)

    def forward(self, z: Tensor) -> tuple[Tensor, Tensor]:
        log_det = z.shape[-1] * torch.slogdet(self.weight.float())[1]
        return F.conv1d(z, self.weight[:, :, None]), log_det

    def inverse(self, z: Tensor) -> Tensor:
        return F.conv1d(z, torch.inverse(self.weight.float()).to(z.dtype)[:, :, None])


class _WN(nn.Module):
    def __init__(self, c_in: int, c_cond: int, layers: int, channels: int, kernel: int) -> None:
        super().__init__()
        self.channels = channels
        self.start = nn.utils.parametrizations.weight_norm(nn.Conv1d(c_in, channels, 1))
        self.cond = nn.utils.parametrizations.weight_norm(nn.Conv1d(c_cond, 2 * channels * layers, 1))
        self.dilated = nn.ModuleList(
            nn.Conv1d(channels, 2 * channels, kernel, dilation=2**i, padding=(kernel * 2**i - 2**i) // 2)
            for i in range(layers)
        )
        self.res_skip = nn.ModuleList(
            nn.Conv1d(channels, 2 * channels if i < layers - 1 else channels, 1) for i in range(layers)
        )
        self.end = nn.Conv1d(channels, 2 * c_in, 1)
        nn.init.zeros_(self.end.weight)  # each coupling starts as the identity
        nn.init.zeros_(cast(Tensor, self.end.bias))  # built with a bias: never None

    def forward(self, audio: Tensor, spect: Tensor) -> Tensor:
        x = self.start(audio)
        conditions = self.cond(spect).chunk(len(self.dilated), dim=1)
        skip = torch.zeros_like(x)
        for i, (dilated, res_skip) in enumerate(zip(self.dilated, self.res_skip, strict=True)):
            a, b = (dilated(x) + conditions[i]).chunk(2, dim=1)
            acts = res_skip(torch.tanh(a) * torch.sigmoid(b))
            if i < len(self.dilated) - 1:
                x = x + acts[:, : self.channels]
                skip = skip + acts[:, self.channels :]
            else:
                skip = skip + acts
        return cast(Tensor, self.end(skip))  # torch types a module call as Any


class WaveGlowLatent(NamedTuple):
    """What `WaveGlow.encode` returns: the latent and the log-determinant of the flow per utterance."""

    z: NormalSamples[Tensor, "batch channel step"]
    log_det: LogDeterminant[Tensor, "batch"]


class WaveGlow(NeuralModule):
    """WaveGlow vocoder: `forward(mel, sigma)` samples audio; `encode(audio, mel)` maps audio to its latent.

    ```python
    glow = WaveGlow(WaveGlowConfig(n_flows=2, n_early_every=2, wn_layers=2, wn_channels=8)).eval()
    audio = glow(torch.zeros(1, 80, 4), 0.6)  # (1, 1024)
    ```
    """

    def __init__(self, config: WaveGlowConfig = WaveGlowConfig()) -> None:
        super().__init__()
        self.config = c = config
        self.sample_rate, self.n_mels, self.hop_length = c.sample_rate, c.n_mels, c.hop_length
        self.upsample = nn.ConvTranspose1d(c.n_mels, c.n_mels, c.upsample_kernel_size, c.hop_length)
        self.convinv = nn.ModuleList()
        self.wn = nn.ModuleList()
        channels = c.n_group
        for k in range(c.n_flows):
            if k % c.n_early_every == 0 and k > 0:
                channels -= c.n_early_size
            self.convinv.append(_Invertible1x1(channels))
            self.wn.append(_WN(channels // 2, c.n_mels * c.n_group, c.wn_layers, c.wn_channels, c.wn_kernel_size))
        self.remaining_channels = channels

    def _condition(self, mel: Tensor) -> Tensor:
        spect = cast(Tensor, self.upsample(mel))[..., : mel.shape[-1] * self.hop_length]
        b, m, t = spect.shape
        g = self.config.n_group
        return spect.reshape(b, m, t // g, g).permute(0, 1, 3, 2).reshape(b, m * g, t // g)

    @checked
    def encode(self, audio: AudioSignal[Tensor, "batch time", attr("sample_rate")], mel: ModelMel) -> WaveGlowLatent:
        """The latent of `audio` given its spectrogram (time = frame x hop), for the training loss."""
        c = self.config
        spect = self._condition(mel)
        z = audio[:, : spect.shape[-1] * c.n_group].reshape(audio.shape[0], -1, c.n_group).transpose(1, 2)
        early, log_det = [], audio.new_zeros(audio.shape[0])
        for k in range(c.n_flows):
            if k % c.n_early_every == 0 and k > 0:
                early.append(z[:, : c.n_early_size])
                z = z[:, c.n_early_size :]
            z, log_det_w = self.convinv[k](z)
            half = z.shape[1] // 2
            z0, z1 = z[:, :half], z[:, half:]
            log_s, shift = self.wn[k](z0, spect).chunk(2, dim=1)
            z = torch.cat([z0, torch.exp(log_s) * z1 + shift], dim=1)
            log_det = log_det + log_det_w + log_s.sum(dim=(1, 2))
        return WaveGlowLatent(torch.cat([*early, z], dim=1), log_det)

    @checked
    def loss(self, latent: WaveGlowLatent) -> Loss[Tensor, ""]:
        """Negative log-likelihood per latent element under N(0, sigma^2) (the paper's training loss)."""
        sigma = self.config.sigma
        nll = latent.z.pow(2).sum(dim=(1, 2)) / (2 * sigma**2) - latent.log_det
        return nll.sum() / latent.z.numel() + 0.5 * math.log(2 * math.pi * sigma**2)

    def forward(
        self, mel: ModelMel, sigma: float = 0.6, seed: int | None = None
    ) -> AudioSignal[Tensor, "batch time", attr("sample_rate")]:
        """Sample audio for `mel` with latent standard deviation `sigma` (deterministic when `seed` is given)."""
        spect = self._condition(mel)
        generator = None if seed is None else torch.Generator(device="cpu").manual_seed(seed)
        z = torch.randn(spect.shape[0], self.config.n_group, spect.shape[-1], generator=generator)
        return self.decode(z.to(mel.device, mel.dtype) * sigma, spect).clamp(-1.0, 1.0)

    def decode(self, z: Tensor, spect: Tensor) -> Tensor:
        """Invert the flow: a full latent (as `encode` returns it) and the upsampled condition to audio."""
        c = self.config
        early = list(torch.split(z[:, : c.n_group - self.remaining_channels], c.n_early_size, dim=1))
        z = z[:, c.n_group - self.remaining_channels :]
        for k in reversed(range(c.n_flows)):
            half = z.shape[1] // 2
            z0, z1 = z[:, :half], z[:, half:]
            log_s, shift = self.wn[k](z0, spect).chunk(2, dim=1)
            z = cast(_Invertible1x1, self.convinv[k]).inverse(torch.cat([z0, (z1 - shift) * torch.exp(-log_s)], dim=1))
            if k % c.n_early_every == 0 and k > 0:
                z = torch.cat([early.pop(), z], dim=1)
        return z.transpose(1, 2).reshape(z.shape[0], -1)

__all__ = ["WaveGlow", "WaveGlowConfig", "WaveGlowLatent"]
