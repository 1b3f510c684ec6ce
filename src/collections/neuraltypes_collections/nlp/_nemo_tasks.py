"""Import of NeMo 1.x-2.4 `TokenClassificationModel` (NER) and `QAModel` / `BERTQAModel` checkpoints (`.nemo`).

Both hold (see the parity fixtures' generator, `tests/collections/nlp/fixtures/_generator`):

- `model_config.yaml`: the artifact references `language_model.config_file` (a Hugging Face `BertConfig` JSON) and
  `tokenizer.vocab_file` (WordPiece); for NER the label map `label_ids` and the head `head` (`num_fc_layers`,
  `activation`, `fc_dropout`); for QA the head `token_classifier` (`num_layers`, `num_classes: 2`, ...) and the
  windowing in `dataset` (`max_seq_length`, `doc_stride`, `max_query_length`, `max_answer_length`);
- `model_weights.ckpt`: `bert_model.*` (a plain Hugging Face `BertModel`) and `classifier.mlp.layer{2i}.*` (linear
  layers at even indices, activations at odd ones).

The encoder is built from those artifacts alone: no network, no `AutoModel.from_pretrained(name)`.
"""

import re

from torch import Tensor

from ..common import NemoCheckpoint, register_nemo_importer
from ..common._errors import ArchiveError
from ._nemo import encoder_artifacts, head_config, labels_by_id, with_nemo_weights
from ._question_answering import QuestionAnsweringConfig, QuestionAnsweringModel
from ._token_classification import TokenClassificationConfig, TokenClassificationModel

__all__ = ["NEMO_QA_TARGETS", "NEMO_TOKEN_CLASSIFICATION_TARGETS", "import_nemo_question_answering",
           "import_nemo_token_classification"]

NEMO_TOKEN_CLASSIFICATION_TARGETS: tuple[str, ...] = (
    "nemo.collections.nlp.models.token_classification.token_classification_model.TokenClassificationModel",
    "nemo.collections.nlp.models.TokenClassificationModel",
)
NEMO_QA_TARGETS: tuple[str, ...] = (
    "nemo.collections.nlp.models.question_answering.qa_model.QAModel",
    "nemo.collections.nlp.models.QAModel",
    "nemo.collections.nlp.models.question_answering.qa_bert_model.BERTQAModel",
    "nemo.collections.nlp.models.BERTQAModel",
)

_CLASSIFIER_KEY = re.compile(r"^classifier\.mlp\.layer(\d+)\.(weight|bias)$")


def _encoder_artifacts(checkpoint: NemoCheckpoint) -> tuple[dict[str, bytes], bool, int]:
    """The encoder's artifacts, whether its tokenizer lowercases (`dataset.do_lower_case`, else as its name says),
    and its number of positions."""
    artifacts, lower_by_name, positions = encoder_artifacts(checkpoint)
    dataset = checkpoint.config.get("dataset") or {}
    return artifacts, bool(dataset.get("do_lower_case", lower_by_name)), positions


def _state(checkpoint: NemoCheckpoint) -> dict[str, Tensor]:
    out: dict[str, Tensor] = {}
    for key, value in checkpoint.state_dict.items():
        match = _CLASSIFIER_KEY.match(key)
        if key.startswith("bert_model."):
            out["encoder.model." + key[len("bert_model."):]] = value
        elif match:
            out[f"head.layers.{match[1]}.{match[2]}"] = value
        else:
            out[key] = value
    return out


def import_nemo_token_classification(checkpoint: NemoCheckpoint) -> TokenClassificationModel:
    """Build a `TokenClassificationModel` from a NeMo token-classification (NER) checkpoint.

    **Arguments:**

    - `checkpoint`: the checkpoint read by `read_nemo` (restore_from calls this for the NeMo target).

    **Returns:**

    The model in eval mode; its `forward` reproduces NeMo's logits.
    """
    labels = labels_by_id(checkpoint, checkpoint.config.get("label_ids"), "label_ids")
    if "O" not in labels:
        raise ArchiveError(checkpoint.source, f"label_ids have no 'O' (outside) label: {labels}")
    artifacts, lower, positions = _encoder_artifacts(checkpoint)
    config = TokenClassificationConfig(
        do_lower_case=lower, labels=labels, max_length=min(positions, 512),
        head=head_config(checkpoint.config.get("head") or {}),
    )
    return with_nemo_weights(TokenClassificationModel.from_config(config, artifacts), _state(checkpoint), checkpoint)


def import_nemo_question_answering(checkpoint: NemoCheckpoint) -> QuestionAnsweringModel:
    """Build a `QuestionAnsweringModel` from a NeMo `QAModel` or `BERTQAModel` checkpoint.

    **Arguments:**

    - `checkpoint`: the checkpoint read by `read_nemo` (restore_from calls this for the NeMo target).

    **Returns:**

    The model in eval mode; its `forward`'s start and end logits are NeMo's logits `[..., 0]` and `[..., 1]`.
    """
    head = checkpoint.config.get("token_classifier") or {}
    if int(head.get("num_classes", 2)) != 2 or bool(head.get("log_softmax", False)):
        raise ArchiveError(checkpoint.source, "token_classifier must have num_classes 2 and log_softmax false "
                                              f"(start and end logits), got {dict(head)}")
    dataset = checkpoint.config.get("dataset") or {}
    artifacts, lower, positions = _encoder_artifacts(checkpoint)
    max_length = min(positions, int(dataset.get("max_seq_length", 384)))
    question = min(int(dataset.get("max_query_length", 64)), max_length // 2)
    config = QuestionAnsweringConfig(
        do_lower_case=lower, max_length=max_length, max_question_tokens=question,
        doc_stride=max(1, min(int(dataset.get("doc_stride", 128)), max_length - question - 3)),
        max_answer_tokens=int(dataset.get("max_answer_length", 30)),
        head=head_config(head, layers="num_layers", dropout="dropout", default_dropout=0.0),
    )
    return with_nemo_weights(QuestionAnsweringModel.from_config(config, artifacts), _state(checkpoint), checkpoint)


register_nemo_importer(*NEMO_TOKEN_CLASSIFICATION_TARGETS)(import_nemo_token_classification)
register_nemo_importer(*NEMO_QA_TARGETS)(import_nemo_question_answering)
