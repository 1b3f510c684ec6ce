"""NeMo's speaker models (`EncDecSpeakerLabelModel`): TitaNet and SpeakerNet (a Jasper-style encoder) or ECAPA-TDNN
(`EcapaEncoder`, in `_ecapa`), and a pooled speaker decoder.

Reads top to bottom: the frozen decoder and model configs, the private pooling blocks (statistics pooling,
attentive statistics pooling), the public `SpeakerDecoder`, then `SpeakerLabelModel`.

Semantics follow NeMo's `SpeakerDecoder` and its pooling layers (`nemo.collections.asr.parts.submodules.
tdnn_attention`), checked against a NeMo 3.0 checkpoint (`tests/collections/asr/speaker/fixtures/titanet_small`):

- `pool_mode="xvector"`: the mean and the unbiased standard deviation of each channel over the valid steps;
  `"tap"`: the mean only; both feed `Linear -> BatchNorm -> ReLU` embedding layers, and the embedding is an
  embedding layer's output before its ReLU.
- `pool_mode="attention"` (TitaNet; "attentive statistics pooling", Okabe et al., 2018, as in ECAPA-TDNN): every
  step is concatenated with the clip's mean and standard deviation, a TDNN layer (`Conv1d -> ReLU -> BatchNorm`),
  `tanh` and a `Conv1d` give one attention logit per channel and step, a softmax over the valid steps weighs the
  steps, and the weighted mean and standard deviation are the pooled statistics; embedding layers are
  `BatchNorm -> Conv1d(kernel 1)` and the embedding is the last one's output.
- `final`: a linear layer to one logit per training speaker; with `angular=True` (the additive angular-margin
  loss) its input is L2-normalised and it has no bias. NeMo's forward normalises a copy of the weight that it then
  drops, so the logits use the stored weight as it is; so do ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple, cast

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from neuraltypes import (
    AcousticEncoded,
    AudioSignal,
    ClassificationTarget,
    Encoded,
    Lengths,
    Logits,
    Loss,
    NeuralModule,
    attr,
    checked,
)

from ...common import MelConfig, MelFrontEnd, register_model
from ...common._errors import ConfigError
from ..modules._jasper import ConvASREncoder, ConvASREncoderConfig, JasperBlockConfig
from ..modules._preprocessor import SpecAugment, SpecAugmentConfig
from ._angular import AngularMarginConfig, angular_margin_loss
from ._base import SpeakerModel
from ._ecapa import EcapaEncoder, EcapaEncoderConfig, _TdnnLayer

__all__ = [
    "POOL_MODES",
    "SpeakerDecoder",
    "SpeakerDecoderConfig",
    "SpeakerLabelModel",
    "SpeakerLabelModelConfig",
    "SpeakerLabelOutput",
    "titanet_encoder",
    "titanet_mel_config",
]

POOL_MODES = ("xvector", "tap", "attention")
_STATISTICS_EPSILON = 1e-10  # NeMo's floor under the variance before the square root


def titanet_mel_config() -> MelConfig:
    """TitaNet's features: NeMo's ASR log-mel front end with 80 bands and n_fft 512 (25 ms windows, 10 ms hop)."""
    return MelConfig.nemo_asr().with_(n_mels=80, n_fft=512)


def titanet_encoder(
    filters: int = 256, repeat: int = 3, out_channels: int = 3072, feat_in: int = 80, kernels: tuple[int, ...] = (7, 11, 15)
) -> ConvASREncoderConfig:
    """TitaNet's encoder (Koluguri et al., 2022): a prologue (kernel 3), one residual block of `repeat` sub-blocks
    per kernel in `kernels`, and a 1x1 epilogue of `out_channels`; every block separable with squeeze-excite over
    the whole clip. The defaults are NeMo's `titanet-small.yaml` (TitaNet-L: `filters=1024`)."""
    blocks = (
        JasperBlockConfig(filters, kernel=3, separable=True, se=True),
        *(JasperBlockConfig(filters, repeat=repeat, kernel=k, residual=True, separable=True, se=True) for k in kernels),
        JasperBlockConfig(out_channels, kernel=1, separable=True, se=True),
    )
    return ConvASREncoderConfig(feat_in, blocks)


@dataclass(frozen=True)
class SpeakerDecoderConfig:
    """NeMo's `SpeakerDecoder`.

    **Arguments:**

    - `num_classes`: the training speakers (the logits' size).
    - `emb_sizes`: the embedding layers' sizes; the embedding is the last one's output.
    - `pool_mode`: `"attention"` (TitaNet), `"xvector"` (SpeakerNet: mean and standard deviation) or `"tap"`
      (mean only).
    - `angular`: the angular-margin head (L2-normalised input, no bias).
    - `attention_channels`: the attention TDNN's width (`pool_mode="attention"`).
    """

    num_classes: int = 2
    emb_sizes: tuple[int, ...] = (192,)
    pool_mode: str = "attention"
    angular: bool = True
    attention_channels: int = 128

    def __post_init__(self) -> None:
        problems = []
        if self.num_classes < 1:
            problems.append(f"num_classes must be positive, got {self.num_classes}")
        if not self.emb_sizes or min(self.emb_sizes) < 1:
            problems.append(f"emb_sizes must be one or more positive sizes, got {list(self.emb_sizes)}")
        if self.pool_mode not in POOL_MODES:
            problems.append(f"pool_mode must be one of {POOL_MODES}, got {self.pool_mode!r}")
        if self.attention_channels < 1:
            problems.append(f"attention_channels must be positive, got {self.attention_channels}")
        if problems:
            raise ConfigError("SpeakerDecoderConfig: " + "; ".join(problems))


@dataclass(frozen=True)
class SpeakerLabelModelConfig:
    """Everything needed to build a `SpeakerLabelModel`: the log-mel `preprocessor`, the `encoder` (Jasper-style
    for TitaNet and SpeakerNet, or ECAPA-TDNN; its `feat_in` must equal the mel bands), the `decoder`,
    training-time `spec_augment` (or `None`), the cosine at which `verify` says "same speaker"
    (`verification_threshold`: 0.7, the default of NeMo's `verify_speakers`, not calibrated here; calibrate it on
    your own trials), and the training `loss`'s scale and margin (used when `decoder.angular`; otherwise the loss
    is the plain cross-entropy)."""

    preprocessor: MelConfig = field(default_factory=titanet_mel_config)
    encoder: ConvASREncoderConfig | EcapaEncoderConfig = field(default_factory=titanet_encoder)
    decoder: SpeakerDecoderConfig = field(default_factory=SpeakerDecoderConfig)
    spec_augment: SpecAugmentConfig | None = None
    verification_threshold: float = 0.7
    loss: AngularMarginConfig = field(default_factory=AngularMarginConfig)

    def __post_init__(self) -> None:
        if not -1.0 <= self.verification_threshold <= 1.0:
            raise ConfigError(
                f"SpeakerLabelModelConfig: verification_threshold is a cosine in [-1, 1], got {self.verification_threshold}"
            )
        if self.encoder.feat_in != self.preprocessor.n_mels:
            raise ConfigError(
                f"SpeakerLabelModelConfig: encoder.feat_in ({self.encoder.feat_in}) must equal preprocessor.n_mels "
                f"({self.preprocessor.n_mels})"
            )


def _valid_mask(lengths: Tensor, steps: int) -> Tensor:
    """`(batch, 1, step)`: True on each clip's valid steps."""
    return (torch.arange(steps, device=lengths.device)[None, :] < lengths[:, None])[:, None, :]


def _weighted_statistics(x: Tensor, weights: Tensor) -> tuple[Tensor, Tensor]:
    """Mean and standard deviation over the last axis with weights summing to one (NeMo's
    `get_statistics_with_mask`)."""
    mean = (weights * x).sum(dim=2)
    variance = (weights * (x - mean[:, :, None]).pow(2)).sum(dim=2)
    return mean, variance.clamp(min=_STATISTICS_EPSILON).sqrt()


class _StatsPool(nn.Module):
    """x-vector statistics: mean (and, for `"xvector"`, unbiased standard deviation) over the valid steps."""

    def __init__(self, channels: int, mode: str) -> None:
        super().__init__()
        self.mode = mode
        self.out_channels = channels * (2 if mode == "xvector" else 1)

    def forward(self, x: Tensor, lengths: Tensor) -> Tensor:
        valid = _valid_mask(lengths, x.shape[-1])
        x = x.masked_fill(~valid, 0.0)
        count = lengths.to(x.dtype)[:, None]
        mean = x.sum(dim=-1) / count
        if self.mode == "tap":
            return mean
        centred = (x - mean[:, :, None]).masked_fill(~valid, 0.0)
        std = (centred.pow(2).sum(dim=-1) / (count - 1)).clamp(min=_STATISTICS_EPSILON).sqrt()
        return torch.cat([mean, std], dim=-1)


class _AttentivePool(nn.Module):
    """Attentive statistics pooling: the weighted mean and standard deviation of every channel, the weights a
    softmax over the valid steps of a small network's logits (computed from the step and the clip's statistics)."""

    def __init__(self, channels: int, attention_channels: int) -> None:
        super().__init__()
        self.out_channels = 2 * channels
        self.attention_layer = nn.Sequential(
            _TdnnLayer(3 * channels, attention_channels), nn.Tanh(), nn.Conv1d(attention_channels, channels, kernel_size=1)
        )

    def forward(self, x: Tensor, lengths: Tensor) -> Tensor:
        steps = x.shape[-1]
        valid = _valid_mask(lengths, steps)
        uniform = valid.to(x.dtype) / valid.sum(dim=2, keepdim=True).to(x.dtype)
        mean, std = _weighted_statistics(x, uniform)
        context = torch.cat([x, mean[:, :, None].expand(-1, -1, steps), std[:, :, None].expand(-1, -1, steps)], dim=1)
        logits = self.attention_layer(context).masked_fill(~valid, float("-inf"))
        mean, std = _weighted_statistics(x, torch.softmax(logits, dim=2))
        return torch.cat([mean, std], dim=1)


class SpeakerDecoder(NeuralModule):
    """Encoder steps to one speaker embedding and one logit per training speaker (NeMo's `SpeakerDecoder`).

    >>> decoder = SpeakerDecoder(32, SpeakerDecoderConfig(num_classes=3, emb_sizes=(8,))).eval()
    >>> logits, embeddings = decoder(torch.randn(2, 32, 10), torch.tensor([10, 6]))
    >>> logits.shape, embeddings.shape
    (torch.Size([2, 3]), torch.Size([2, 8]))
    """

    def __init__(self, in_channels: int, config: SpeakerDecoderConfig) -> None:
        super().__init__()
        self.config = config
        self.pooling: _AttentivePool | _StatsPool
        if config.pool_mode == "attention":
            self.pooling = _AttentivePool(in_channels, config.attention_channels)
        else:
            self.pooling = _StatsPool(in_channels, config.pool_mode)
        sizes = (self.pooling.out_channels, *config.emb_sizes)
        layers: list[nn.Sequential] = []
        for size_in, size_out in zip(sizes[:-1], sizes[1:], strict=True):
            if config.pool_mode == "attention":
                layers.append(nn.Sequential(nn.BatchNorm1d(size_in), nn.Conv1d(size_in, size_out, kernel_size=1)))
            else:  # NeMo's "linear" affine layer: its BatchNorm has no learned scale and shift
                layers.append(nn.Sequential(nn.Linear(size_in, size_out), nn.BatchNorm1d(size_out, affine=False), nn.ReLU()))
        self.emb_layers = nn.ModuleList(layers)
        self.final = nn.Linear(sizes[-1], config.num_classes, bias=not config.angular)

    @property
    def embedding_size(self) -> int:
        return self.config.emb_sizes[-1]

    def forward(
        self, encoded: AcousticEncoded[Tensor, "batch channel step"], lengths: Lengths[Tensor, "batch"]
    ) -> tuple[Logits[Tensor, "batch label"], Encoded[Tensor, "batch embedding"]]:
        """Pool each clip's valid steps, then the embedding layers and the speaker head.

        **Returns:** `(logits, embeddings)`; the embeddings are not normalised (cosine similarity compares them).
        """
        pooled = self.pooling(encoded, lengths)
        if self.config.pool_mode == "attention":
            pooled = pooled[:, :, None]
        embedding = pooled
        for layer in self.emb_layers:  # the embedding is each layer's first two modules; the rest (ReLU) continues
            embedding = cast(nn.Sequential, layer)[:2](pooled)
            pooled = cast(nn.Sequential, layer)[2:](embedding)
        pooled, embedding = pooled.reshape(pooled.shape[0], -1), embedding.reshape(embedding.shape[0], -1)
        if self.config.angular:
            pooled = F.normalize(pooled, p=2, dim=1)
        logits: Tensor = self.final(pooled)
        return logits, embedding


class SpeakerLabelOutput(NamedTuple):
    """What `SpeakerLabelModel.forward` returns."""

    logits: Logits[Tensor, "batch label"]
    embeddings: Encoded[Tensor, "batch embedding"]


@register_model("asr.speaker_label")
class SpeakerLabelModel(SpeakerModel[SpeakerLabelModelConfig]):
    """A NeMo speaker model (`EncDecSpeakerLabelModel`: TitaNet, SpeakerNet, ECAPA-TDNN): log-mel features, a
    Jasper-style or ECAPA-TDNN encoder, pooling and embedding layers.

    Restore NeMo `.nemo` checkpoints with `NeuralModel.restore_from`; `embed_speakers`, `verify` and `identify`
    take the model (its embeddings, L2-normalised), and are its methods too (`model.verify(a, b)`).

    >>> config = SpeakerLabelModelConfig(encoder=titanet_encoder(16, 1, 32, kernels=(3,)),
    ...                                  decoder=SpeakerDecoderConfig(num_classes=4, emb_sizes=(8,), attention_channels=4))
    >>> out = SpeakerLabelModel(config).eval()(torch.randn(2, 16000) * 0.1, torch.tensor([16000, 9000]))
    >>> out.logits.shape, out.embeddings.shape
    (torch.Size([2, 4]), torch.Size([2, 8]))
    """

    def __init__(self, config: SpeakerLabelModelConfig) -> None:
        super().__init__(config)
        self.preprocessor = MelFrontEnd(config.preprocessor, persistent=True)
        self.spec_augment = SpecAugment(config.spec_augment) if config.spec_augment is not None else None
        self.encoder: ConvASREncoder | EcapaEncoder
        if isinstance(config.encoder, EcapaEncoderConfig):
            self.encoder = EcapaEncoder(config.encoder)
            # Its unmasked, dilated layers grow the fast front end's float rounding (~1e-5 on the features) tenfold
            # (1.2e-4 on the embeddings of the NeMo fixture); NeMo's arithmetic keeps them equal to NeMo's.
            self.preprocessor.fast_inference = False
        else:
            self.encoder = ConvASREncoder(config.encoder)
        self.decoder = SpeakerDecoder(config.encoder.out_channels, config.decoder)

    @property
    def sample_rate(self) -> int:
        return int(self.config.preprocessor.sample_rate)

    @property
    def embedding_size(self) -> int:
        return self.decoder.embedding_size

    @property
    def batch_invariant(self) -> bool:
        """Whether a clip's embedding is the same in any padded batch: true of the Jasper-style encoders (their
        convolutions mask the padding), false of ECAPA-TDNN (NeMo's does not; the speaker verbs then embed one clip
        at a time)."""
        return not isinstance(self.encoder, EcapaEncoder)

    def forward(
        self,
        audio: AudioSignal[Tensor, "batch time", attr("sample_rate")],
        lengths: Lengths[Tensor, "batch"],
    ) -> SpeakerLabelOutput:
        """Speaker logits and embeddings of a padded batch of audio.

        **Arguments:**

        - `audio`: mono samples at `sample_rate`; zeros beyond each clip's length.
        - `lengths`: valid samples per clip.
        """
        features, frames = self.preprocessor(audio, lengths)
        if self.spec_augment is not None and self.training:
            features = self.spec_augment(features, frames)
        encoded, steps = self.encoder(features, frames)
        logits, embeddings = self.decoder(encoded, steps)
        return SpeakerLabelOutput(logits, embeddings)

    def embed(
        self,
        audio: AudioSignal[Tensor, "batch time", attr("sample_rate")],
        lengths: Lengths[Tensor, "batch"],
    ) -> Encoded[Tensor, "batch embedding"]:
        """The L2-normalised embedding of each clip (what the speaker verbs compare)."""
        return F.normalize(self(audio, lengths).embeddings, dim=-1)

    @checked
    def loss(
        self, logits: Logits[Tensor, "batch label"], targets: ClassificationTarget[Tensor, "batch"]
    ) -> Loss[Tensor, ""]:
        """The training loss: the angular-margin loss (`config.loss`) with the angular head, else cross-entropy."""
        if self.config.decoder.angular:
            return angular_margin_loss(logits.float(), targets, self.config.loss)
        return F.cross_entropy(logits.float(), targets)

    def training_step(self, batch: Any, batch_idx: int) -> Tensor:
        """`batch = (audio, audio_lengths, speaker_ids)` -> the loss."""
        audio, lengths, targets = batch
        return self.loss(self(audio, lengths).logits, targets)

    def validation_step(self, batch: Any, batch_idx: int) -> Mapping[str, Tensor]:
        """The loss and the speaker accuracy (the highest logit) on one batch."""
        audio, lengths, targets = batch
        logits = self(audio, lengths).logits
        return {"loss": self.loss(logits, targets), "accuracy": (logits.argmax(dim=-1) == targets).float().mean()}

    def with_num_classes(self, num_classes: int) -> SpeakerLabelModel:
        """A copy for other training speakers: the speaker head (`decoder.final`) new, with `num_classes` rows
        drawn afresh, every other weight this model's (fine-tuning a pretrained model on new voices, as NeMo's
        `num_classes` override does).

        >>> config = SpeakerLabelModelConfig(encoder=titanet_encoder(16, 1, 32, kernels=(3,)),
        ...                                  decoder=SpeakerDecoderConfig(num_classes=4, emb_sizes=(8,)))
        >>> SpeakerLabelModel(config).with_num_classes(7).decoder.final.out_features
        7
        """
        config = replace(self.config, decoder=replace(self.config.decoder, num_classes=num_classes))
        model = SpeakerLabelModel(config)
        kept = {key: value for key, value in self.state_dict().items() if not key.startswith("decoder.final.")}
        missing, unexpected = model.load_state_dict(kept, strict=False)
        assert not unexpected and all(key.startswith("decoder.final.") for key in missing), (missing, unexpected)
        return model.train(self.training)
