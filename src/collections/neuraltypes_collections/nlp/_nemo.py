"""Import of NeMo 1.x-2.4 `PunctuationCapitalizationModel` checkpoints (`.nemo`) onto our model.

NeMo removed its NLP collection in 2.5; its punctuation checkpoints hold (see the parity fixture's README):

- `model_config.yaml`: label maps under `common_dataset_parameters.{punct,capit}_label_ids`, heads under
  `punct_head` / `capit_head` (`num_fc_layers`, `activation`, `fc_dropout`), artifact references
  `language_model.config_file` (a Hugging Face `BertConfig` JSON) and `tokenizer.vocab_file` (WordPiece);
- `model_weights.ckpt`: `bert_model.*` (a plain Hugging Face `BertModel`), `punct_classifier.mlp.layer{2i}.*`
  and `capit_classifier.mlp.layer{2i}.*` (linear layers at even indices, activations at odd ones).

The encoder is built from those artifacts alone: no network, no `AutoModel.from_pretrained(name)`.
"""

import json
import re
from collections.abc import Mapping
from typing import Any, TypeVar

from torch import Tensor, nn

from ..common import NemoCheckpoint, load_state_dict_checked, register_nemo_importer
from ..common._errors import ArchiveError
from ._model import (
    ENCODER_CONFIG_ARTIFACT,
    VOCAB_ARTIFACT,
    HeadConfig,
    PunctuationCapitalizationConfig,
    PunctuationCapitalizationModel,
)

__all__ = [
    "NEMO_PUNCTUATION_TARGETS",
    "encoder_artifacts",
    "head_config",
    "import_nemo_punctuation",
    "labels_by_id",
    "with_nemo_weights",
]

M = TypeVar("M", bound=nn.Module)

NEMO_PUNCTUATION_TARGETS: tuple[str, ...] = (
    "nemo.collections.nlp.models.token_classification.punctuation_capitalization_model."
    "PunctuationCapitalizationModel",
    "nemo.collections.nlp.models.PunctuationCapitalizationModel",
)

_CLASSIFIER_KEY = re.compile(r"^(punct|capit)_classifier\.mlp\.layer(\d+)\.(weight|bias)$")


def encoder_artifacts(checkpoint: NemoCheckpoint) -> tuple[dict[str, bytes], bool, int]:
    """What every NeMo BERT-family checkpoint says of its encoder: the artifacts it is built from (its Hugging Face
    config and WordPiece vocabulary), whether its tokenizer's name says it lowercases (``uncased``, or no
    ``cased``), and its number of positions.

    **Raises:** `ArchiveError` when `model_config.yaml` does not reference both artifacts.
    """
    config: dict[str, Any] = checkpoint.config
    language_model = config.get("language_model") or {}
    tokenizer = config.get("tokenizer") or {}
    config_ref, vocab_ref = language_model.get("config_file"), tokenizer.get("vocab_file")
    if not config_ref or not vocab_ref:
        raise ArchiveError(
            checkpoint.source,
            "model_config.yaml lacks language_model.config_file or tokenizer.vocab_file; only checkpoints that "
            "carry their encoder config and WordPiece vocabulary can be imported offline",
        )
    artifacts = {ENCODER_CONFIG_ARTIFACT: checkpoint.artifact(str(config_ref)),
                 VOCAB_ARTIFACT: checkpoint.artifact(str(vocab_ref))}
    name = str(tokenizer.get("tokenizer_name") or language_model.get("pretrained_model_name") or "")
    positions = int(json.loads(artifacts[ENCODER_CONFIG_ARTIFACT]).get("max_position_embeddings", 512))
    return artifacts, "uncased" in name or "cased" not in name, positions


def labels_by_id(checkpoint: NemoCheckpoint, ids: object, where: str) -> tuple[str, ...]:
    """The labels of a NeMo label map (label -> id) in id order; `where` names the map in the errors.

    **Raises:** `ArchiveError` when the map is missing or empty, or its ids are not 0..n-1.
    """
    if not isinstance(ids, Mapping) or not ids:
        raise ArchiveError(checkpoint.source, f"model_config.yaml has no {where} (label -> id map)")
    ordered = sorted(ids.items(), key=lambda item: int(item[1]))
    if [int(i) for _, i in ordered] != list(range(len(ordered))):
        raise ArchiveError(checkpoint.source, f"{where} are not 0..{len(ordered) - 1}: {dict(ids)}")
    return tuple(str(label) for label, _ in ordered)


def head_config(
    section: Mapping[str, Any], *, layers: str = "num_fc_layers", dropout: str = "fc_dropout", default_dropout: float = 0.1
) -> HeadConfig:
    """A classification head's config from a NeMo head section; `layers` and `dropout` name its keys (NeMo's
    token classifiers say ``num_fc_layers`` / ``fc_dropout``, its QA head ``num_layers`` / ``dropout``)."""
    return HeadConfig(num_layers=int(section.get(layers, 1)), activation=str(section.get("activation", "relu")),
                      dropout=float(section.get(dropout, default_dropout)))


def with_nemo_weights(model: M, state: Mapping[str, Tensor], checkpoint: NemoCheckpoint) -> M:
    """`model` in eval mode with the checkpoint's weights, already renamed to our keys, loaded into it (checked:
    every key and shape must match; the encoder's `position_ids` buffer, which old checkpoints carry, is dropped).
    """
    load_state_dict_checked(model, state, source=checkpoint.source or "model_weights.ckpt",
                            ignore_unexpected=("encoder.model.embeddings.position_ids",))
    return model.eval()


def _labels(checkpoint: NemoCheckpoint, name: str) -> tuple[str, ...]:
    params = checkpoint.config.get("common_dataset_parameters") or {}
    labels = labels_by_id(checkpoint, params.get(f"{name}_label_ids"), f"common_dataset_parameters.{name}_label_ids")
    if labels[0] != "O":
        raise ArchiveError(checkpoint.source, f"{name}_label_ids must give id 0 to the pad label 'O', got {labels}")
    return labels


def _rename(key: str) -> str:
    if key.startswith("bert_model."):
        return "encoder.model." + key[len("bert_model."):]
    match = _CLASSIFIER_KEY.match(key)
    if match:
        return f"{match[1]}_head.layers.{match[2]}.{match[3]}"
    return key


def import_nemo_punctuation(checkpoint: NemoCheckpoint) -> PunctuationCapitalizationModel:
    """Build a `PunctuationCapitalizationModel` from a NeMo punctuation checkpoint.

    **Arguments:**

    - `checkpoint`: the checkpoint read by `read_nemo` (restore_from calls this for the NeMo target).

    **Returns:**

    The model in eval mode; its `forward` reproduces NeMo's `punct_logits` and `capit_logits`.
    """
    artifacts, lower, positions = encoder_artifacts(checkpoint)
    model_config = PunctuationCapitalizationConfig(
        do_lower_case=lower,
        punct_labels=_labels(checkpoint, "punct"),
        capit_labels=_labels(checkpoint, "capit"),
        punct_head=head_config(checkpoint.config.get("punct_head") or {}),
        capit_head=head_config(checkpoint.config.get("capit_head") or {}),
        max_length=min(positions, 512),
    )
    model = PunctuationCapitalizationModel.from_config(model_config, artifacts)
    state = {_rename(key): value for key, value in checkpoint.state_dict.items()}
    return with_nemo_weights(model, state, checkpoint)


register_nemo_importer(*NEMO_PUNCTUATION_TARGETS)(import_nemo_punctuation)
