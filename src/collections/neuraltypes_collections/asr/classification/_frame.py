"""Frame-level classification (NeMo's `EncDecFrameClassificationModel`): one score per 20 ms encoder step,
used for frame-level voice activity detection (MarbleNet 3x2x64, 20 ms).

Reads top to bottom: the frozen config, the typed output, then `FrameClassificationModel`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import torch
from torch import Tensor

from neuraltypes import AudioSignal, ClassificationTarget, Lengths, Logits, Loss, attr, checked

from ...common import MelConfig, MelFrontEnd, eval_mode, lengths_to_mask, register_model
from ...common._audio import AudioInput, load_audio
from ...common._errors import ConfigError
from ..modules._jasper import ConvASREncoderConfig
from ..modules._preprocessor import SpecAugmentConfig
from ..vad._segments import refuse_windows
from ._classifier import _SpeechClassifier, matchboxnet_encoder
from ._modules import FeatureEncoder, FeatureSpecAugment, FrameDecoder

__all__ = ["FrameClassificationModel", "FrameClassificationModelConfig", "FrameOutput"]


def _frame_vad_preprocessor() -> MelConfig:
    return MelConfig.nemo_asr().with_(window_length=400, n_mels=80, normalize=None, pad_to=2)


@dataclass(frozen=True)
class FrameClassificationModelConfig:
    """Everything needed to build a `FrameClassificationModel`; the defaults are MarbleNet 3x2x64 20 ms.

    **Arguments:**

    - `labels`: class names in output order (frame VAD: `("0", "1")`, non-speech and speech).
    - `speech_label`: the label whose probability `speech_probs` returns.
    - `preprocessor`: the log-mel front-end (80 mels, no normalisation).
    - `encoder`: the Jasper-style encoder (the first block's stride 2 makes 20 ms steps from 10 ms frames).
    - `spec_augment`: training-time SpecAugment, or `None`.
    """

    labels: tuple[str, ...] = ("0", "1")
    speech_label: str = "1"
    preprocessor: MelConfig = field(default_factory=_frame_vad_preprocessor)
    encoder: ConvASREncoderConfig = field(default_factory=lambda: matchboxnet_encoder(3, 2, 64, 80, first_stride=2))
    spec_augment: SpecAugmentConfig | None = None

    def __post_init__(self) -> None:
        problems = []
        if len(self.labels) < 2 or len(set(self.labels)) != len(self.labels):
            problems.append(f"labels must be at least two distinct names, got {list(self.labels)}")
        if self.speech_label not in self.labels:
            problems.append(f"speech_label {self.speech_label!r} is not one of the labels {list(self.labels)}")
        if self.encoder.feat_in != self.preprocessor.n_mels:
            problems.append(
                f"encoder.feat_in ({self.encoder.feat_in}) must equal preprocessor.n_mels ({self.preprocessor.n_mels})"
            )
        if problems:
            raise ConfigError("FrameClassificationModelConfig: " + "; ".join(problems))


class FrameOutput(NamedTuple):
    """What `FrameClassificationModel.forward` returns: scores per output frame (one encoder step, 20 ms for
    MarbleNet), and the valid frames per clip."""

    logits: Logits[Tensor, "batch frame label"]
    step_lengths: Lengths[Tensor, "batch"]


@register_model("asr.frame_classification")
class FrameClassificationModel(_SpeechClassifier[FrameClassificationModelConfig]):
    """Frame classifier: log-mel front-end, Jasper encoder, a linear layer at every encoder step.

    >>> model = FrameClassificationModel(FrameClassificationModelConfig()).eval()
    >>> out = model(torch.zeros(1, 16000), torch.tensor([16000]))
    >>> out.logits.shape, out.step_lengths.tolist(), model.step_s
    (torch.Size([1, 51, 2]), [50], 0.02)
    """

    def __init__(self, config: FrameClassificationModelConfig) -> None:
        super().__init__(config)
        self.preprocessor = MelFrontEnd(config.preprocessor, persistent=True)
        self.spec_augment = FeatureSpecAugment(config.spec_augment) if config.spec_augment is not None else None
        self.encoder = FeatureEncoder(config.encoder)
        self.decoder = FrameDecoder(config.encoder.out_channels, len(config.labels))

    @property
    def step_samples(self) -> int:
        """Samples per encoder step (hop length times the encoder's total stride)."""
        return int(self.config.preprocessor.hop_length * self.config.encoder.total_stride)

    @property
    def step_s(self) -> float:
        """Seconds per encoder step (0.02 for MarbleNet 20 ms)."""
        return self.step_samples / self.sample_rate

    def forward(
        self,
        audio: AudioSignal[Tensor, "batch time", attr("sample_rate")],
        lengths: Lengths[Tensor, "batch"],
    ) -> FrameOutput:
        """Scores per encoder step for a padded batch of audio.

        **Returns:** `FrameOutput(logits, step_lengths)`; only the first `step_lengths[b]` steps of clip `b`
        are meaningful (NeMo returns the padded steps too, and so do we).
        """
        features, frames = self.preprocessor(audio, lengths)
        if self.spec_augment is not None and self.training:
            features = self.spec_augment(features, frames)
        encoded, steps = self.encoder(features, frames)
        return FrameOutput(self.decoder(encoded), steps)

    @checked
    def loss(
        self,
        logits: Logits[Tensor, "batch frame label"],
        step_lengths: Lengths[Tensor, "batch"],
        targets: ClassificationTarget[Tensor, "batch target_frame"],
    ) -> Loss[Tensor, ""]:
        """Cross-entropy over the valid steps (targets may be longer or shorter by a step: both are cut to the
        shorter of the two)."""
        steps = min(logits.shape[1], targets.shape[1])
        logits, targets = logits[:, :steps], targets[:, :steps]
        valid = lengths_to_mask(step_lengths, steps)
        return torch.nn.functional.cross_entropy(logits[valid].float(), targets[valid])

    def training_step(self, batch: Any, batch_idx: int) -> Tensor:
        """`batch = (audio, audio_lengths, frame_label_ids)` -> the cross-entropy loss."""
        audio, lengths, targets = batch
        out = self(audio, lengths)
        return self.loss(out.logits, out.step_lengths, targets)

    def validation_step(self, batch: Any, batch_idx: int) -> Mapping[str, Tensor]:
        """The loss and the frame accuracy on one batch."""
        audio, lengths, targets = batch
        out = self(audio, lengths)
        steps = min(out.logits.shape[1], targets.shape[1])
        valid = lengths_to_mask(out.step_lengths, steps)
        correct = (out.logits[:, :steps].argmax(-1) == targets[:, :steps])[valid]
        return {"loss": self.loss(out.logits, out.step_lengths, targets), "accuracy": correct.float().mean()}

    def chunk_speech_probs(
        self, waveform: Tensor, *, batch_size: int = 64, window_s: float | None = None, shift_s: float | None = None
    ) -> tuple[Tensor, int]:
        """The speech probability of every encoder step of a 1-D waveform at `sample_rate`, and the step length
        in samples: the protocol `detect_speech` drives. One forward pass per recording (`batch_size` does not
        apply); the steps are fixed (`window_s`, `shift_s` must be `None`)."""
        refuse_windows(type(self).__name__, window_s, shift_s)
        return self._step_probs(waveform), self.step_samples

    def speech_probs(
        self, audio: AudioInput, *, sample_rate: int | None = None, resample: bool = True
    ) -> Tensor:
        """The speech probability of every `step_s`-second step of one recording, as a 1-D tensor.

        **Arguments:**

        - `audio`: a path, or a `(time,)` / `(channel, time)` tensor or array (channels averaged).
        - `sample_rate`: the rate of a tensor or array in Hz (default: its tag's, else the model's).
        - `resample`: resample another rate to the model's (default); `False` refuses it (`NT208`).
        """
        waveform = load_audio(
            audio, self.sample_rate, sample_rate=sample_rate, resample_audio=resample, function="speech_probs"
        )
        return self._step_probs(waveform)

    def _step_probs(self, waveform: Tensor) -> Tensor:
        device = next(self.parameters()).device
        with eval_mode(self), torch.inference_mode():
            out = self(waveform[None].to(device), torch.tensor([waveform.numel()], device=device))
        probs = out.logits[0, : int(out.step_lengths[0])].float().softmax(dim=-1)
        speech: Tensor = probs[:, self.labels.index(self.config.speech_label)].cpu()
        return speech
