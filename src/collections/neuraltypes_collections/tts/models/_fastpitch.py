"""The FastPitch spectrogram generator as a model: `FastPitch` network, losses, NeMo import.

Reads top to bottom: the model config, `FastPitchModel`, then the NeMo importer. The text front end
(`TextConfig`, `build_tokenizer`) lives in `_generator.py`, shared with Tacotron 2.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import torch
from torch import Tensor

from neuraltypes import (
    Lengths,
    Loss,
    RegressionValues,
    TokenDuration,
    TokenIndex,
    checked,
)

from ...common import (
    MelConfig,
    NemoCheckpoint,
    eval_mode,
    lengths_to_mask,
    load_state_dict_checked,
    register_model,
    register_nemo_importer,
)
from ...common._config import CheckedConfig
from ...common._errors import InputError, NemoImportError
from ..modules._aligner import beta_binomial_prior, binarize_alignment, forward_sum_loss
from ..modules._fastpitch import FastPitch, FastPitchConfig, FastPitchOutput
from ..modules._features import ModelMel, SameSpectrogramAs
from ..modules._pitch import average_per_token
from ..text._normalize import normalize_text
from ..text._tokenizers import TextTokenizer
from ._generator import (
    HETERONYMS_ARTIFACT,
    PHONEME_DICT_ARTIFACT,
    TextConfig,
    _SpectrogramGenerator,
    build_tokenizer,
    keep_artifacts,
)

#: The ``target`` class paths of the NeMo FastPitch checkpoints the importer reads.
NEMO_FASTPITCH_TARGETS = (
    "nemo.collections.tts.models.fastpitch.FastPitchModel",
    "nemo.collections.tts.models.FastPitchModel",
)


@dataclass(frozen=True)
class FastPitchModelConfig(CheckedConfig):
    """A FastPitch model: network sizes, text front end and the mel features of its training targets.

    With `fastpitch.use_aligner` the model learns its durations (NeMo's aligner recipe): the forward-sum loss
    trains the alignment encoder and monotonic alignment search gives the durations; `bin_loss_scale` weights the
    loss that pulls the soft alignment towards the hard one (NeMo ramps it to 1 over its first 100 epochs).
    """

    fastpitch: FastPitchConfig
    text: TextConfig = field(default_factory=TextConfig)
    features: Annotated[MelConfig, SameSpectrogramAs("fastpitch")] = field(default_factory=MelConfig.nemo_fastpitch)
    pitch_loss_scale: float = 0.1
    duration_loss_scale: float = 0.1
    bin_loss_scale: float = 0.0


@register_model("tts.fastpitch")
class FastPitchModel(_SpectrogramGenerator[FastPitchModelConfig]):
    """FastPitch text-to-spectrogram model (NeMo's `FastPitchModel`).

    ```python
    model = NeuralModel.restore_from("fastpitch.nemo")
    tokens = model.parse("Hello world.")
    mel = model.generate_spectrogram(tokens, pace=1.2)       # 22.05 kHz, 80 mels, hop 256
    ```
    """

    def __init__(self, config: FastPitchModelConfig, tokenizer: TextTokenizer | None = None) -> None:
        super().__init__(config, tokenizer)
        self.fastpitch = FastPitch(config.fastpitch)

    @property
    def _network_config(self) -> FastPitchConfig:
        return self.config.fastpitch

    def forward(
        self,
        tokens: TokenIndex[Tensor, "batch token"],
        durations: TokenDuration[Tensor, "batch token", (torch.int64, torch.int32, torch.float32)] | None = None,
        pitch: RegressionValues[Tensor, "batch token"] | None = None,
        energy: RegressionValues[Tensor, "batch token"] | None = None,
        pace: float = 1.0,
    ) -> FastPitchOutput:
        """Spectrogram, frames and the predicted durations, log-durations and pitch (see `FastPitch`)."""
        return self.fastpitch(tokens, durations, pitch, energy, pace)

    def parse(self, text: str, normalize: bool | None = None) -> TokenIndex[Tensor, "batch token"]:
        """Token ids of one text, shape (1, token).

        **Arguments:**

        - `text`: the sentence.
        - `normalize`: spell out numbers and abbreviations first (default: `config.text.normalize`).
        """
        if self.config.text.normalize if normalize is None else normalize:
            text = normalize_text(text)
        ids = self.tokenizer.encode(text)
        if not ids:
            raise InputError(f"FastPitchModel.parse: {text!r} has no token the vocabulary knows")
        return torch.tensor([ids], dtype=torch.long, device=self.fastpitch.proj.weight.device)

    @checked
    @torch.no_grad()
    def generate_spectrogram(self, tokens: TokenIndex[Tensor, "batch token"], pace: float = 1.0) -> ModelMel:
        """Free-running inference (eval mode): the log-mel spectrogram of `tokens` at the given pace."""
        with eval_mode(self):
            return self(tokens, pace=pace).spectrogram

    def loss(
        self,
        output: FastPitchOutput,
        target: ModelMel,
        target_frames: Lengths[Tensor, "batch"],
        durations: TokenDuration[Tensor, "batch token", (torch.int64, torch.int32, torch.float32)],
        pitch: RegressionValues[Tensor, "batch token"],
        tokens: TokenIndex[Tensor, "batch token"],
    ) -> Loss[Tensor, ""]:
        """Masked mel MSE plus scaled log-duration and pitch MSEs (FastPitch's training objective)."""
        mel_loss = self.mel_loss(output, target, target_frames)
        token_mask = (tokens != self.config.fastpitch.pad_id).to(target.dtype)
        log_target = torch.log(durations.float() + 1)
        dur_loss = ((output.log_durations - log_target).pow(2) * token_mask).sum() / token_mask.sum()
        pitch_loss = ((output.pitch - pitch).pow(2) * token_mask).sum() / token_mask.sum()
        return mel_loss + self.config.duration_loss_scale * dur_loss + self.config.pitch_loss_scale * pitch_loss

    def mel_loss(self, output: FastPitchOutput, target: Tensor, target_frames: Tensor) -> Tensor:
        """The masked mel MSE alone (for monitoring)."""
        frames = min(target.shape[-1], output.spectrogram.shape[-1])
        valid = lengths_to_mask(target_frames, frames).to(target.dtype)
        diff = (output.spectrogram[..., :frames] - target[..., :frames]).pow(2).mean(dim=1)
        return (diff * valid).sum() / valid.sum().clamp(min=1)

    @staticmethod
    def token_pitch(frame_pitch: Tensor, durations: Tensor) -> RegressionValues[Tensor, "batch token"]:
        """Per-token pitch targets: the mean of each token's voiced (non-zero) frames (NeMo's `average_pitch`).

        **Arguments:**

        - `frame_pitch`: (batch, frame) normalised pitch, 0 where unvoiced.
        - `durations`: (batch, token) frames per token.
        """
        return average_per_token(frame_pitch, durations)

    def align(
        self, tokens: TokenIndex[Tensor, "batch token"], mel: ModelMel, frames: Lengths[Tensor, "batch"]
    ) -> tuple[Tensor, Tensor, Tensor]:
        """Learned alignment of tokens and frames: `(soft, log_prob, hard)`, each (batch, frame, token).

        Token durations are `hard.sum(1)`. Needs `config.fastpitch.use_aligner`.
        """
        aligner = self.fastpitch.aligner
        if aligner is None:
            raise InputError("FastPitchModel.align: this model has no aligner (FastPitchConfig(use_aligner=True))")
        mask = tokens != self.config.fastpitch.pad_id
        token_lengths = mask.sum(1)
        prior = mel.new_zeros(tokens.shape[0], mel.shape[-1], tokens.shape[1])
        for b in range(tokens.shape[0]):
            n, f = int(token_lengths[b]), int(frames[b])
            prior[b, :f, :n] = beta_binomial_prior(n, f).to(prior)
        soft, log_prob = aligner(mel, self.fastpitch.encoder.embed_tokens(tokens), mask, prior)
        return soft, log_prob, binarize_alignment(soft, token_lengths, frames)

    def training_step(self, batch: Any, batch_idx: int) -> Tensor:
        """`batch = (tokens, durations, pitch, mel, mel_frames)` (pitch per frame, normalised) -> the teacher-forced
        loss.

        With an aligner the given durations are ignored: they come from the learned alignment, and the
        forward-sum (and binarisation) losses are added.
        """
        tokens, durations, frame_pitch, mel, frames = batch
        if self.fastpitch.aligner is None:
            pitch = self.token_pitch(frame_pitch, durations)
            return self.loss(self(tokens, durations, pitch), mel, frames, durations, pitch, tokens)
        soft, log_prob, hard = self.align(tokens, mel, frames)
        durations = hard.sum(1).long()
        pitch = self.token_pitch(frame_pitch, durations)
        loss = self.loss(self(tokens, durations, pitch), mel, frames, durations, pitch, tokens)
        token_lengths = (tokens != self.config.fastpitch.pad_id).sum(1)
        loss = loss + forward_sum_loss(log_prob, token_lengths, frames)
        if self.config.bin_loss_scale:
            bin_loss = -(torch.log(soft.clamp(min=1e-12)) * hard).sum() / hard.sum()
            loss = loss + self.config.bin_loss_scale * bin_loss
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> Mapping[str, Tensor]:
        """The teacher-forced loss and mel loss of one batch (durations from the aligner when there is one)."""
        tokens, durations, frame_pitch, mel, frames = batch
        if self.fastpitch.aligner is not None:
            durations = self.align(tokens, mel, frames)[2].sum(1).long()
        pitch = self.token_pitch(frame_pitch, durations)
        output = self(tokens, durations, pitch)
        return {"loss": self.loss(output, mel, frames, durations, pitch, tokens), "mel_loss": self.mel_loss(output, mel, frames)}


def _text_config_from_nemo(tokenizer: Mapping[str, Any]) -> TextConfig:
    target = str(tokenizer.get("_target_", ""))
    if target.endswith("EnglishCharsTokenizer"):
        return TextConfig(tokenizer="chars", pad_with_space=bool(tokenizer.get("pad_with_space", False)), normalize=True)
    if not target.endswith("EnglishPhonemesTokenizer"):
        raise NemoImportError(
            f"FastPitch import: text tokenizer {target!r} is not supported "
            "(EnglishPhonemesTokenizer, EnglishCharsTokenizer)"
        )
    return TextConfig(
        tokenizer="phonemes",
        dictionary="artifact",
        stresses=bool(tokenizer.get("stresses", False)),
        chars=bool(tokenizer.get("chars", False)) or tokenizer.get("g2p", {}).get("phoneme_probability") is not None,
        apostrophe=bool(tokenizer.get("apostrophe", True)),
        punct=bool(tokenizer.get("punct", True)),
        pad_with_space=bool(tokenizer.get("pad_with_space", False)),
    )


@register_nemo_importer(*NEMO_FASTPITCH_TARGETS)
def import_nemo_fastpitch(checkpoint: NemoCheckpoint) -> FastPitchModel:
    """A `FastPitchModel` from a NeMo `FastPitchModel` checkpoint (tokenizer dictionaries come from its artifacts).

    The aligner is imported when the checkpoint learned its alignment; the preprocessor buffers are not (the
    features are rebuilt from the config).
    """
    cfg, source = checkpoint.config, checkpoint.source or "<nemo>"
    text = _text_config_from_nemo(cfg["text_tokenizer"])
    artifacts: dict[str, bytes] = {}
    if text.dictionary == "artifact":
        g2p = cfg["text_tokenizer"]["g2p"]
        artifacts[PHONEME_DICT_ARTIFACT] = checkpoint.artifact(str(g2p["phoneme_dict"]))
        if g2p.get("heteronyms"):
            artifacts[HETERONYMS_ARTIFACT] = checkpoint.artifact(str(g2p["heteronyms"]))
    tokenizer = build_tokenizer(text, artifacts)
    enc, dec, dur = cfg["input_fft"], cfg["output_fft"], cfg["duration_predictor"]
    pre = cfg.get("preprocessor", {})
    network = FastPitchConfig(
        n_tokens=tokenizer.vocab_size,
        pad_id=tokenizer.pad_id,
        d_model=int(cfg["symbols_embedding_dim"]),
        encoder_layers=int(enc["n_layer"]),
        decoder_layers=int(dec["n_layer"]),
        n_head=int(enc["n_head"]),
        d_head=int(enc["d_head"]),
        d_inner=int(enc["d_inner"]),
        kernel_size=int(enc["kernel_size"]),
        predictor_filters=int(dur["filter_size"]),
        predictor_kernel_size=int(dur["kernel_size"]),
        predictor_layers=int(dur.get("n_layers", 2)),
        pitch_embedding_kernel_size=int(cfg.get("pitch_embedding_kernel_size", 3)),
        use_energy=cfg.get("energy_predictor") is not None,
        use_aligner=bool(cfg.get("learn_alignment", False)),
        max_token_duration=int(cfg.get("max_token_duration", 75)),
        n_mels=int(cfg.get("n_mel_channels", 80)),
        sample_rate=int(cfg.get("sample_rate", 22050)),
        hop_length=int(cfg.get("n_window_stride", 256)),
        dropout=float(enc.get("dropout", 0.1)),
        dropatt=float(enc.get("dropatt", 0.1)),
        predictor_dropout=float(dur.get("dropout", 0.1)),
    )
    features = MelConfig.from_nemo(pre, MelConfig.nemo_fastpitch()).with_(
        sample_rate=network.sample_rate, hop_length=network.hop_length, n_mels=network.n_mels
    )
    model = FastPitchModel(FastPitchModelConfig(network, text, features), tokenizer)
    keep_artifacts(model, artifacts)
    state = {
        key[len("fastpitch.") :]: value
        for key, value in checkpoint.state_dict.items()
        if key.startswith("fastpitch.")
    }
    load_state_dict_checked(model.fastpitch, state, source=source)
    return model.eval()


__all__ = [
    "FastPitchModel",
    "FastPitchModelConfig",
    "HETERONYMS_ARTIFACT",
    "NEMO_FASTPITCH_TARGETS",
    "PHONEME_DICT_ARTIFACT",
    "TextConfig",
    "build_tokenizer",
    "import_nemo_fastpitch",
]
