"""The speech classifier (NeMo's `EncDecClassificationModel`): MatchboxNet commands and MarbleNet segment VAD.

Reads top to bottom: the encoder presets, the frozen config, the per-clip result, then `ClassificationModel`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor
from typing_extensions import TypeVar

from neuraltypes import AudioSignal, ClassificationTarget, Lengths, Logits, Loss, attr, checked, tag, tag_of

from ...common import MelConfig, MelFrontEnd, NeuralModel, register_model
from ...common._errors import ConfigError
from ...common._verbs import AudioVerbOptions
from ..modules._jasper import ConvASREncoderConfig, JasperBlockConfig
from ..modules._preprocessor import MFCCConfig, MFCCPreprocessor, SpecAugmentConfig
from ..vad._detect import detect_speech
from ._augment import crop_or_pad
from ._classify import classify
from ._modules import POOLINGS, FeatureEncoder, FeatureSpecAugment, PooledDecoder

if TYPE_CHECKING:
    from ._frame import FrameClassificationModelConfig

__all__ = ["Classification", "ClassificationModel", "ClassificationModelConfig", "matchboxnet_encoder"]

#: The twelve labels of the Speech Commands v2 subset MatchboxNet is usually trained on.
SPEECH_COMMANDS_SUBSET: tuple[str, ...] = (
    "yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go", "unknown", "silence",
)


def matchboxnet_encoder(
    blocks: int = 3,
    repeat: int = 1,
    channels: int = 64,
    feat_in: int = 64,
    first_stride: int = 1,
    outer_channels: int = 128,
) -> ConvASREncoderConfig:
    """The MatchboxNet BxRxC / MarbleNet encoder: a prologue, `blocks` residual separable blocks of `repeat`
    sub-blocks with `channels` channels (kernels 13, 15, 17, ...), and two epilogue blocks (dilated 29, then 1x1);
    prologue and epilogue have `outer_channels` channels (128 in NeMo's recipes).

    `matchboxnet_encoder(3, 1, 64)` is MatchboxNet 3x1x64; `matchboxnet_encoder(3, 2, 64)` is MarbleNet 3x2x64.
    """
    body = tuple(
        JasperBlockConfig(channels, repeat=repeat, kernel=13 + 2 * i, residual=True, separable=True)
        for i in range(blocks)
    )
    return ConvASREncoderConfig(
        feat_in,
        (
            JasperBlockConfig(outer_channels, kernel=11, stride=first_stride, separable=True),
            *body,
            JasperBlockConfig(outer_channels, kernel=29, dilation=2, separable=True),
            JasperBlockConfig(outer_channels, kernel=1),
        ),
    )


@dataclass(frozen=True)
class ClassificationModelConfig:
    """Everything needed to build a `ClassificationModel`.

    **Arguments:**

    - `labels`: the class names, in output order (stored in the archive).
    - `preprocessor`: the MFCC front-end (MatchboxNet, MarbleNet) or a log-mel one.
    - `encoder`: the Jasper-style encoder; its `feat_in` must equal the number of features.
    - `spec_augment`: training-time SpecAugment over the features, or `None`.
    - `crop_or_pad_frames`: make every batch exactly this many frames long (NeMo's `CropOrPadSpectrogram`,
      128 frames = 1.28 s for MatchboxNet), or `None` to keep the clips' lengths (NeMo >= 2.3 at inference).
    - `pooling`: `"avg"` (NeMo: over every frame of the padded batch) or `"avg_valid"` (over each clip's valid
      frames only, so that a clip's scores do not depend on its batch).
    """

    labels: tuple[str, ...] = SPEECH_COMMANDS_SUBSET
    preprocessor: MFCCConfig | MelConfig = field(default_factory=MFCCConfig)
    encoder: ConvASREncoderConfig = field(default_factory=matchboxnet_encoder)
    spec_augment: SpecAugmentConfig | None = None
    crop_or_pad_frames: int | None = 128
    pooling: str = "avg_valid"

    def __post_init__(self) -> None:
        problems = []
        if len(self.labels) < 2 or len(set(self.labels)) != len(self.labels):
            problems.append(f"labels must be at least two distinct names, got {list(self.labels)}")
        features = self.preprocessor.n_mfcc if isinstance(self.preprocessor, MFCCConfig) else self.preprocessor.n_mels
        if self.encoder.feat_in != features:
            problems.append(f"encoder.feat_in ({self.encoder.feat_in}) must equal the preprocessor's {features} features")
        if self.crop_or_pad_frames is not None and self.crop_or_pad_frames <= 0:
            problems.append(f"crop_or_pad_frames must be positive or None, got {self.crop_or_pad_frames}")
        if self.pooling not in POOLINGS:
            problems.append(f"pooling must be one of {POOLINGS}, got {self.pooling!r}")
        if problems:
            raise ConfigError("ClassificationModelConfig: " + "; ".join(problems))


@dataclass(frozen=True)
class Classification:
    """What `classify` returns for one clip: the best `label`, its `probability`, and every label's probability."""

    label: str
    probability: float
    probabilities: Mapping[str, float]


class ClassifyOptions(AudioVerbOptions, total=False):
    """The keywords of `classify`, which `ClassificationModel.classify` takes too: the shared ones only."""


_ClassifierConfigT = TypeVar(
    "_ClassifierConfigT",
    bound="ClassificationModelConfig | FrameClassificationModelConfig",
    default="ClassificationModelConfig | FrameClassificationModelConfig",
)


class _SpeechClassifier(NeuralModel[_ClassifierConfigT]):
    """What NeMo's two speech classifiers share (`ClassificationModel` per clip, `FrameClassificationModel` per
    encoder step): the labels of their config, audio at their preprocessor's rate, and speech detection as the
    grid's method. Not registered, not built on its own: a subclass defines `forward` and `chunk_speech_probs`."""

    @property
    def sample_rate(self) -> int:
        """The rate, in Hz, of the audio the model takes (its preprocessor's)."""
        return int(self.config.preprocessor.sample_rate)

    @property
    def labels(self) -> tuple[str, ...]:
        """The class names, in output order."""
        return tuple(self.config.labels)

    #: `model.detect_speech(audio, **options)` is `detect_speech(model, audio, **options)`, the grid's method.
    detect_speech = detect_speech


@register_model("asr.classification")
class ClassificationModel(_SpeechClassifier[ClassificationModelConfig]):
    """Speech classifier: MFCC front-end, crop-or-pad, Jasper encoder, pooled linear decoder.

    Covers MatchboxNet (command recognition) and MarbleNet (segment-level voice activity detection, labels
    `background`/`speech`). Restore NeMo `EncDecClassificationModel` checkpoints with `restore_from`.

    >>> model = ClassificationModel(ClassificationModelConfig(labels=("yes", "no"))).eval()
    >>> model(torch.zeros(2, 16000), torch.tensor([16000, 8000])).shape
    torch.Size([2, 2])
    >>> model.classify([torch.zeros(16000)])[0].label in ("yes", "no")
    True
    """

    def __init__(self, config: ClassificationModelConfig) -> None:
        super().__init__(config)
        if isinstance(config.preprocessor, MFCCConfig):
            self.preprocessor: MFCCPreprocessor | MelFrontEnd = MFCCPreprocessor(config.preprocessor)
        else:
            self.preprocessor = MelFrontEnd(config.preprocessor, persistent=True)
        self.spec_augment = FeatureSpecAugment(config.spec_augment) if config.spec_augment is not None else None
        self.encoder = FeatureEncoder(config.encoder)
        # NeMo's "avg" pooling averages the frames beyond each clip's length too, so they must be computed exactly
        # as NeMo does; the encoder's inference fast path only guarantees the valid frames.
        self.encoder.fast_inference = config.pooling == "avg_valid"
        self.decoder = PooledDecoder(config.encoder.out_channels, len(config.labels), config.pooling)
        self.generator: torch.Generator | None = None

    def forward(
        self,
        audio: AudioSignal[Tensor, "batch time", attr("sample_rate")],
        lengths: Lengths[Tensor, "batch"],
    ) -> Logits[Tensor, "batch label"]:
        """Scores per clip and label for a padded batch of audio.

        **Arguments:**

        - `audio`: mono samples at `sample_rate`; zeros beyond each clip's length.
        - `lengths`: valid samples per clip.

        **Returns:** logits; `softmax` over the last axis gives the label probabilities.
        """
        features, frames = self.preprocessor(audio, lengths)
        if self.config.crop_or_pad_frames is not None:  # first, as NeMo (<= 2.2) does, in training and eval
            meanings = tag_of(features), tag_of(frames)
            features, frames = crop_or_pad(
                features, frames, self.config.crop_or_pad_frames, random_crop=self.training, generator=self.generator
            )
            for value, meaning in zip((features, frames), meanings, strict=True):
                if meaning is not None:  # same meaning, new tensor: carry the tag over
                    tag(value, meaning)
        if self.spec_augment is not None and self.training:
            features = self.spec_augment(features, frames)
        encoded, steps = self.encoder(features, frames)
        logits: Tensor = self.decoder(encoded, steps)
        return logits

    @checked
    def loss(
        self, logits: Logits[Tensor, "batch label"], targets: ClassificationTarget[Tensor, "batch"]
    ) -> Loss[Tensor, ""]:
        """Cross-entropy averaged over the batch."""
        return torch.nn.functional.cross_entropy(logits.float(), targets)

    def training_step(self, batch: Any, batch_idx: int) -> Tensor:
        """`batch = (audio, audio_lengths, label_ids)` -> the cross-entropy loss."""
        audio, lengths, targets = batch
        return self.loss(self(audio, lengths), targets)

    def validation_step(self, batch: Any, batch_idx: int) -> Mapping[str, Tensor]:
        """The loss and the accuracy on one batch."""
        audio, lengths, targets = batch
        logits = self(audio, lengths)
        accuracy = (logits.argmax(dim=-1) == targets).float().mean()
        return {"loss": self.loss(logits, targets), "accuracy": accuracy}

    test_step = validation_step

    def chunk_speech_probs(
        self, waveform: Tensor, *, batch_size: int = 64, window_s: float | None = None, shift_s: float | None = None
    ) -> tuple[Tensor, int]:
        """Segment VAD: the speech probability of every `shift_s` chunk (default 0.08 s) of a 1-D waveform at
        `sample_rate`, from the `window_s` window (default 0.63 s) centred on it, and the chunk length in samples
        (see `window_speech_probs`; the protocol `detect_speech` drives)."""
        from ._vad import window_speech_probs

        window_s = 0.63 if window_s is None else window_s
        shift_s = 0.08 if shift_s is None else shift_s
        probs = window_speech_probs(self, waveform, window_s=window_s, shift_s=shift_s, batch_size=batch_size)
        return probs, round(shift_s * self.sample_rate)

    #: `model.classify(audio, **options)` is `classify(model, audio, **options)`, the grid's method: one
    #: `Classification` for one clip, a list of them for a list.
    classify = classify
