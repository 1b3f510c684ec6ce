"""Punctuation and capitalization restoration: two token-classification heads over a BERT-family encoder."""

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import torch
from torch import Tensor

from ..common._huggingface import HFTextEncoder
from ._compat import Encoded, Logits, Mask, NeuralModule, TokenIndex
from ._labels import CAPIT_LABELS, PUNCT_LABELS

__all__ = ["HeadConfig", "PunctCapitLogits", "PunctuationCapitalizationConfig", "PunctuationCapitalizationModel",
           "TokenClassifierHead"]

_ACTIVATIONS = {"relu": torch.nn.ReLU, "gelu": torch.nn.GELU, "tanh": torch.nn.Tanh}


@dataclass(frozen=True)
class HeadConfig:
    """A token-classification head: `num_layers` linear layers (hidden -> hidden ... -> classes).

    Arguments:
        num_layers: number of linear layers, >= 1 (1 is a single projection).
        activation: between layers: `relu`, `gelu` or `tanh`.
        dropout: applied to the encoder output before the head, in training only.
    """

    num_layers: int = 1
    activation: str = "relu"
    dropout: float = 0.1

    def __post_init__(self) -> None:
        if self.num_layers < 1:
            raise ValueError(f"HeadConfig.num_layers must be >= 1, got {self.num_layers}")
        if self.activation not in _ACTIVATIONS:
            raise ValueError(f"HeadConfig.activation {self.activation!r} is not one of {sorted(_ACTIVATIONS)}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"HeadConfig.dropout must be in [0, 1), got {self.dropout}")


@dataclass(frozen=True)
class PunctuationCapitalizationConfig:
    """Options of `PunctuationCapitalizationModel`.

    Arguments:
        punct_labels: punctuation classes in output order; `"O"` (no mark) first.
        capit_labels: capitalization classes in output order; `"O"` (keep) first.
        punct_head: the punctuation head.
        capit_head: the capitalization head.
        max_length: tokens per encoder window, including `[CLS]` and `[SEP]` (at most the encoder's positions).
        step: subwords between the starts of overlapping windows for long inputs (default: half a window).
    """

    punct_labels: tuple[str, ...] = PUNCT_LABELS
    capit_labels: tuple[str, ...] = CAPIT_LABELS
    punct_head: HeadConfig = field(default_factory=lambda: HeadConfig(num_layers=2))
    capit_head: HeadConfig = field(default_factory=HeadConfig)
    max_length: int = 128
    step: int | None = None

    def __post_init__(self) -> None:
        if self.max_length < 3:
            raise ValueError(f"max_length must be >= 3 (room for [CLS], [SEP] and a word), got {self.max_length}")
        if self.step is not None and not 1 <= self.step <= self.max_length - 2:
            raise ValueError(f"step must be in 1..max_length-2={self.max_length - 2}, got {self.step}")
        for name, labels in (("punct_labels", self.punct_labels), ("capit_labels", self.capit_labels)):
            if not labels or labels[0] != "O" or len(set(labels)) != len(labels):
                raise ValueError(f"{name} must be distinct labels starting with 'O', got {labels}")

    @property
    def window_step(self) -> int:
        return self.step if self.step is not None else max(1, (self.max_length - 2) // 2)

    def to_dict(self) -> dict[str, Any]:
        return {
            "punct_labels": list(self.punct_labels), "capit_labels": list(self.capit_labels),
            "punct_head": vars(self.punct_head).copy(), "capit_head": vars(self.capit_head).copy(),
            "max_length": self.max_length, "step": self.step,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PunctuationCapitalizationConfig":
        unknown = set(data) - {"punct_labels", "capit_labels", "punct_head", "capit_head", "max_length", "step"}
        if unknown:
            raise ValueError(f"PunctuationCapitalizationConfig: unknown keys {sorted(unknown)}")
        return cls(
            punct_labels=tuple(data.get("punct_labels", PUNCT_LABELS)),
            capit_labels=tuple(data.get("capit_labels", CAPIT_LABELS)),
            punct_head=HeadConfig(**data.get("punct_head", {"num_layers": 2})),
            capit_head=HeadConfig(**data.get("capit_head", {})),
            max_length=int(data.get("max_length", 128)),
            step=data.get("step"),
        )


class TokenClassifierHead(NeuralModule):
    """Dropout, then linear layers with an activation between them, mapping each token to class logits.

    Arguments:
        hidden_size: encoder features per token.
        num_classes: output classes.
        config: layers, activation and dropout.
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


class PunctuationCapitalizationModel(NeuralModule):
    """Restores punctuation (none , . ?) and capitalization of lowercased, unpunctuated text.

    Arguments:
        encoder: a typed BERT-family encoder with its fast tokenizer (see `load_hf_text_encoder`).
        config: labels, heads and windowing.

    Example:
        >>> model = PunctuationCapitalizationModel.from_pretrained("punctuation_en_minilm")  # doctest: +SKIP
        >>> model.add_punctuation_capitalization(["how are you today"])                    # doctest: +SKIP
        ['How are you today?']
    """

    def __init__(self, encoder: HFTextEncoder, config: PunctuationCapitalizationConfig | None = None) -> None:
        super().__init__()
        self.config = config if config is not None else PunctuationCapitalizationConfig()
        if self.config.max_length > encoder.max_length:
            raise ValueError(
                f"max_length={self.config.max_length} exceeds the encoder's {encoder.max_length} positions; "
                f"lower PunctuationCapitalizationConfig.max_length."
            )
        self.encoder = encoder
        self.punct_head = TokenClassifierHead(encoder.hidden_size, len(self.config.punct_labels),
                                              self.config.punct_head)
        self.capit_head = TokenClassifierHead(encoder.hidden_size, len(self.config.capit_labels),
                                              self.config.capit_head)

    @property
    def tokenizer(self) -> Any:
        return self.encoder.tokenizer

    def forward(
        self,
        input_ids: TokenIndex[Tensor, "batch token"],
        attention_mask: Mask[Tensor, "batch token"],
        token_type_ids: TokenIndex[Tensor, "batch token"] | None = None,
    ) -> PunctCapitLogits:
        """Per-token punctuation and capitalization logits.

        Arguments:
            input_ids: `[CLS] subwords [SEP]` then padding, at most `config.max_length` tokens.
            attention_mask: `True` on real tokens.
            token_type_ids: segment ids (zeros when `None`).

        Returns:
            Logits over `config.punct_labels` and `config.capit_labels` for every token.
        """
        hidden = self.encoder(input_ids, attention_mask, token_type_ids)
        return PunctCapitLogits(self.punct_head(hidden), self.capit_head(hidden))

    def add_punctuation_capitalization(self, queries: list[str], batch_size: int = 32) -> list[str]:
        """Punctuate and capitalize each query (see `add_punctuation_capitalization`)."""
        from ._inference import add_punctuation_capitalization

        return add_punctuation_capitalization(self, queries, batch_size=batch_size)
