"""The CTC speech recognizer: mel front-end, Jasper/QuartzNet encoder, CTC decoder.

Reads top to bottom: the frozen model config, the typed output, then `CTCModel`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import torch
from torch import Tensor

from neuraltypes import AudioSignal, Lengths, LogProbs, Loss, Predictions, TokenIndex, attr, checked

from ...common import MelConfig, MelFrontEnd, NeuralModel, register_model
from ...common._errors import ConfigError
from .._tokenizers import BPETokenizer, CharTokenizer
from .._transcribe import transcribe
from ..modules._jasper import ConvASREncoder, ConvASREncoderConfig, CTCDecoder, JasperBlockConfig
from ..modules._preprocessor import SpecAugment, SpecAugmentConfig

__all__ = ["CTCModel", "CTCModelConfig", "CTCOutput", "ENGLISH_CHARACTERS"]

#: NeMo's English character vocabulary: space, a-z, apostrophe (the blank comes after it).
#: The character vocabulary of NeMo's English CTC models (QuartzNet, Jasper): space, a to z, apostrophe.
ENGLISH_CHARACTERS: tuple[str, ...] = (" ", *"abcdefghijklmnopqrstuvwxyz", "'")
BPE_ARTIFACT = "tokenizer.model"


def _default_encoder() -> ConvASREncoderConfig:
    return ConvASREncoderConfig(64, (JasperBlockConfig(256, kernel=33, stride=2, separable=True),))


@dataclass(frozen=True)
class CTCModelConfig:
    """Everything needed to build a `CTCModel`.

    **Arguments:**

    - `labels`: the character vocabulary (`tokenizer="char"`); the CTC blank is appended after it.
    - `encoder`: the Jasper/QuartzNet encoder (its `feat_in` must equal `preprocessor.n_mels`).
    - `preprocessor`: the log-mel front-end.
    - `spec_augment`: training-time SpecAugment, or `None`.
    - `tokenizer`: `"char"` or `"bpe"` (SentencePiece; the model file is the archive artifact `tokenizer.model`).
    - `bpe_vocab_size`: number of BPE pieces when `tokenizer="bpe"`.
    """

    labels: tuple[str, ...] = ENGLISH_CHARACTERS
    encoder: ConvASREncoderConfig = field(default_factory=_default_encoder)
    preprocessor: MelConfig = field(default_factory=MelConfig.nemo_asr)
    spec_augment: SpecAugmentConfig | None = field(default_factory=SpecAugmentConfig)
    tokenizer: str = "char"
    bpe_vocab_size: int = 0

    def __post_init__(self) -> None:
        problems = []
        if self.tokenizer not in ("char", "bpe"):
            problems.append(f"tokenizer must be 'char' or 'bpe', got {self.tokenizer!r}")
        if self.tokenizer == "char" and not self.labels:
            problems.append("a char model needs labels")
        if self.tokenizer == "bpe" and self.bpe_vocab_size <= 0:
            problems.append("a bpe model needs bpe_vocab_size > 0")
        if self.encoder.feat_in != self.preprocessor.n_mels:
            problems.append(
                f"encoder.feat_in ({self.encoder.feat_in}) must equal preprocessor.n_mels ({self.preprocessor.n_mels})"
            )
        if problems:
            raise ConfigError("CTCModelConfig: " + "; ".join(problems))

    @property
    def num_classes(self) -> int:
        """Output classes including the blank."""
        return (len(self.labels) if self.tokenizer == "char" else self.bpe_vocab_size) + 1


class CTCOutput(NamedTuple):
    """What `CTCModel.forward` returns."""

    log_probs: LogProbs[Tensor, "batch step vocab"]
    encoded_lengths: Lengths[Tensor, "batch"]
    greedy_predictions: Predictions[Tensor, "batch step", torch.int64]


@register_model("asr.ctc")
class CTCModel(NeuralModel[CTCModelConfig]):
    """Jasper/QuartzNet CTC speech recognizer (NeMo's `EncDecCTCModel`).

    Build it from a config, restore it with `NeuralModel.restore_from` (our archives or NeMo `.nemo`
    files), call it on padded audio, or `transcribe` files.

    >>> model = CTCModel(CTCModelConfig()).eval()
    >>> out = model(torch.zeros(2, 16000), torch.tensor([16000, 9000]))
    >>> out.log_probs.shape, out.encoded_lengths.tolist()
    (torch.Size([2, 56, 29]), [50, 28])
    """

    def __init__(self, config: CTCModelConfig, tokenizer: CharTokenizer | BPETokenizer | None = None) -> None:
        super().__init__(config)
        self.preprocessor = MelFrontEnd(config.preprocessor, persistent=True)
        self.spec_augment = SpecAugment(config.spec_augment) if config.spec_augment is not None else None
        self.encoder = ConvASREncoder(config.encoder)
        self.decoder = CTCDecoder(config.encoder.out_channels, config.num_classes)
        if tokenizer is None and config.tokenizer == "char":
            tokenizer = CharTokenizer(config.labels)
        self.tokenizer = tokenizer
        if isinstance(tokenizer, BPETokenizer):
            if len(tokenizer.vocabulary) != config.bpe_vocab_size:
                raise ConfigError(
                    f"CTCModel: the BPE tokenizer has {len(tokenizer.vocabulary)} pieces but the config says "
                    f"bpe_vocab_size={config.bpe_vocab_size}"
                )
            self.add_artifact(BPE_ARTIFACT, tokenizer.model_bytes)

    @classmethod
    def from_config(cls, config: Any, artifacts: Mapping[str, bytes] | None = None) -> CTCModel:
        """Build from a config and archive artifacts (the BPE model for `tokenizer="bpe"`)."""
        artifacts = dict(artifacts or {})
        tokenizer = None
        if config.tokenizer == "bpe":
            if BPE_ARTIFACT not in artifacts:
                raise ConfigError(f"CTCModel: a bpe model needs the artifact {BPE_ARTIFACT!r}; got {sorted(artifacts)}")
            tokenizer = BPETokenizer(artifacts[BPE_ARTIFACT])
        model = cls(config, tokenizer)
        for name, data in artifacts.items():
            model.add_artifact(name, data)
        return model

    @property
    def sample_rate(self) -> int:
        return self.config.preprocessor.sample_rate

    @property
    def blank_id(self) -> int:
        return self.config.num_classes - 1

    @property
    def vocabulary(self) -> list[str]:
        assert self.tokenizer is not None
        return list(self.tokenizer.vocabulary)

    def forward(
        self,
        audio: AudioSignal[Tensor, "batch time", attr("sample_rate")],
        lengths: Lengths[Tensor, "batch"],
    ) -> CTCOutput:
        """Log-probabilities, their lengths and the per-step argmax for a padded batch of audio.

        **Arguments:**

        - `audio`: mono samples at `sample_rate`; anything beyond each clip's length is ignored.
        - `lengths`: valid samples per clip.

        **Returns:** `CTCOutput(log_probs, encoded_lengths, greedy_predictions)`; only the first
        `encoded_lengths[b]` steps of clip `b` are meaningful.
        """
        features, frames = self.preprocessor(audio, lengths)
        if self.spec_augment is not None and self.training:
            features = self.spec_augment(features, frames)
        encoded, steps = self.encoder(features, frames)
        log_probs = self.decoder(encoded)
        return CTCOutput(log_probs, steps, log_probs.argmax(dim=-1))

    @checked
    def loss(
        self,
        log_probs: LogProbs[Tensor, "batch step vocab"],
        encoded_lengths: Lengths[Tensor, "batch"],
        targets: TokenIndex[Tensor, "batch token"],
        target_lengths: Lengths[Tensor, "batch"],
    ) -> Loss[Tensor, ""]:
        """CTC loss summed per utterance and averaged over the batch (NeMo's `mean_batch`); infinite losses of
        impossible alignments are zeroed."""
        per_utterance = torch.nn.functional.ctc_loss(
            log_probs.transpose(0, 1).float(),
            targets,
            encoded_lengths,
            target_lengths,
            blank=self.blank_id,
            reduction="none",
            zero_infinity=True,
        )
        return per_utterance.mean()

    def training_step(self, batch: Any, batch_idx: int) -> Tensor:
        """`batch = (audio, audio_lengths, tokens, token_lengths)` -> the CTC loss."""
        audio, audio_lengths, tokens, token_lengths = batch
        out = self(audio, audio_lengths)
        return self.loss(out.log_probs, out.encoded_lengths, tokens, token_lengths)

    def validation_step(self, batch: Any, batch_idx: int) -> Mapping[str, Tensor]:
        """The loss and the word error rate of greedy decoding on one batch."""
        from .._decoding import greedy_decode
        from .._metrics import wer

        audio, audio_lengths, tokens, token_lengths = batch
        out = self(audio, audio_lengths)
        loss = self.loss(out.log_probs, out.encoded_lengths, tokens, token_lengths)
        assert self.tokenizer is not None
        hypotheses = greedy_decode(out.log_probs, out.encoded_lengths, self.tokenizer)
        references = [self.tokenizer.decode(t[: int(n)].tolist()) for t, n in zip(tokens, token_lengths, strict=True)]
        return {"loss": loss, "wer": torch.tensor(wer(references, hypotheses).rate)}

    #: `model.transcribe(audio, **options)` is `transcribe(model, audio, **options)`, the grid's method: one
    #: `Transcription` for one recording, a list for a list (`neuraltypes_collections.asr.transcribe`).
    transcribe = transcribe
