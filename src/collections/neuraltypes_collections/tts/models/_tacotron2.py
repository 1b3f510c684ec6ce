"""Tacotron 2 + WaveGlow as models (the seed's original pair; NeMo has since moved to FastPitch + HiFi-GAN)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

import torch
import torch.nn.functional as F
from torch import Tensor

from neuraltypes import AudioSignal, Lengths, Loss, TokenIndex, attr, checked

from ...common import MelConfig, eval_mode, lengths_to_mask, register_model
from ...common._config import CheckedConfig
from ...common._errors import InputError
from ..modules._features import ModelMel, SameSpectrogramAs
from ..modules._tacotron2 import Tacotron2, Tacotron2Config, Tacotron2Output
from ..modules._waveglow import WaveGlow, WaveGlowConfig
from ..text._normalize import normalize_text
from ..text._tokenizers import TextTokenizer
from ._generator import TextConfig, _SpectrogramGenerator
from ._vocoders import _Vocoder


@dataclass(frozen=True)
class Tacotron2ModelConfig(CheckedConfig):
    """A Tacotron 2 model: network, text front end (characters by default, as in the paper), target features."""

    tacotron2: Tacotron2Config
    text: TextConfig = field(default_factory=lambda: TextConfig(tokenizer="chars", pad_with_space=False))
    features: Annotated[MelConfig, SameSpectrogramAs("tacotron2")] = field(default_factory=MelConfig.nemo_fastpitch)


@register_model("tts.tacotron2")
class Tacotron2Model(_SpectrogramGenerator[Tacotron2ModelConfig]):
    """Tacotron 2 text-to-spectrogram model: `parse`, `generate_spectrogram`, and the teacher-forced loss."""

    def __init__(self, config: Tacotron2ModelConfig, tokenizer: TextTokenizer | None = None) -> None:
        super().__init__(config, tokenizer)
        self.tacotron2 = Tacotron2(config.tacotron2)

    @property
    def _network_config(self) -> Tacotron2Config:
        return self.config.tacotron2

    def forward(
        self, tokens: TokenIndex[Tensor, "batch token"], token_lengths: Lengths[Tensor, "batch"], target: ModelMel | None = None
    ) -> Tacotron2Output:
        """See `Tacotron2`: teacher-forced with `target`, free-running without."""
        return self.tacotron2(tokens, token_lengths, target)

    def parse(self, text: str, normalize: bool | None = None) -> TokenIndex[Tensor, "batch token"]:
        """Token ids of one text, shape (1, token)."""
        if self.config.text.normalize if normalize is None else normalize:
            text = normalize_text(text)
        return torch.tensor([self.tokenizer.encode(text)], dtype=torch.long)

    @checked
    @torch.no_grad()
    def generate_spectrogram(self, tokens: TokenIndex[Tensor, "batch token"], pace: float = 1.0) -> ModelMel:
        """Free-running inference until the stop gate fires (`pace` is not supported and must be 1)."""
        if pace != 1.0:
            raise InputError("Tacotron2Model.generate_spectrogram: pace control needs a duration model (use FastPitch)")
        with eval_mode(self):
            out: Tacotron2Output = self(tokens, torch.full((tokens.shape[0],), tokens.shape[1], device=tokens.device))
        return out.mel[..., : int(out.frames.max())]

    def loss(self, output: Tacotron2Output, target: ModelMel, target_frames: Lengths[Tensor, "batch"]) -> Loss[Tensor, ""]:
        """Masked MSE of the spectrogram before and after the postnet plus the stop-gate cross-entropy."""
        weights = lengths_to_mask(target_frames, target.shape[-1]).to(target.dtype)

        def mse(mel: Tensor) -> Tensor:
            return ((mel - target).pow(2).mean(1) * weights).sum() / weights.sum()

        gate_target = ~lengths_to_mask(target_frames - 1, target.shape[-1])  # the last frame and the padding
        gate = F.binary_cross_entropy_with_logits(output.gate, gate_target.to(target.dtype))
        return mse(output.mel_before_postnet) + mse(output.mel) + gate

    def training_step(self, batch: Any, batch_idx: int) -> Tensor:
        """`batch = (tokens, token_lengths, mel, mel_frames)` -> the teacher-forced loss."""
        tokens, token_lengths, mel, frames = batch
        return self.loss(self(tokens, token_lengths, mel), mel, frames)


@dataclass(frozen=True)
class WaveGlowModelConfig(CheckedConfig):
    """A WaveGlow vocoder: the flow, the features it expects, the latent's `sigma` at synthesis and the `seed` that
    makes synthesis deterministic (`None`: a fresh draw every call)."""

    waveglow: WaveGlowConfig = field(default_factory=WaveGlowConfig)
    features: Annotated[MelConfig, SameSpectrogramAs("waveglow")] = field(default_factory=MelConfig.hifigan)
    sigma: float = 0.6
    seed: int | None = 0


@register_model("tts.waveglow")
class WaveGlowModel(_Vocoder[WaveGlowModelConfig]):
    """WaveGlow vocoder: `convert_spectrogram_to_audio(mel)`; trains by maximum likelihood on audio segments."""

    def __init__(self, config: WaveGlowModelConfig) -> None:
        super().__init__(config)
        self.waveglow = WaveGlow(config.waveglow)

    def forward(self, mel: ModelMel) -> AudioSignal[Tensor, "batch time", attr("sample_rate")]:
        """A waveform sampled with the configured `sigma`."""
        return self.waveglow(mel, self.config.sigma, self.config.seed)

    def training_step(self, batch: Any, batch_idx: int) -> Tensor:
        """`batch = (audio, lengths)` (segments, a multiple of hop_length long) -> the flow's negative log-likelihood."""
        audio, lengths = batch
        with torch.no_grad():
            mel, frames = self.features(audio, lengths)
        usable = int(frames.min())  # frames every item of the batch has
        return self.waveglow.loss(self.waveglow.encode(audio[:, : usable * self.hop_length], mel[..., :usable]))


__all__ = ["Tacotron2Model", "Tacotron2ModelConfig", "WaveGlowModel", "WaveGlowModelConfig"]
