"""Punctuation and capitalization restoration on a typed BERT-family encoder.

    >>> from neuraltypes_collections.nlp import punctuate                   # doctest: +SKIP
    >>> punctuate("punctuation_en_minilm", "how are you today").text      # doctest: +SKIP
    'How are you today?'
"""

from ._answer import Answer as Answer
from ._answer import answer as answer
from ._data import CASE_CLASSES as CASE_CLASSES
from ._data import IGNORE_INDEX as IGNORE_INDEX
from ._data import WORD_FEATURES as WORD_FEATURES
from ._data import Batch as Batch
from ._data import TokenizedCorpus as TokenizedCorpus
from ._data import Window as Window
from ._data import bucketed_batches as bucketed_batches
from ._data import case_class as case_class
from ._data import collate as collate
from ._data import plan_windows as plan_windows
from ._data import subword_cases as subword_cases
from ._data import tokenize_corpus as tokenize_corpus
from ._data import tokenize_words as tokenize_words
from ._data import word_feature_ids as word_feature_ids
from ._data import word_shape as word_shape
from ._entities import Entity as Entity
from ._entities import RecognizedEntities as RecognizedEntities
from ._entities import decode_bio as decode_bio
from ._entities import entity_word_labels as entity_word_labels
from ._entities import recognize_entities as recognize_entities
from ._entities import word_class_logits as word_class_logits
from ._entity_labels import ONTONOTES_TYPES as ONTONOTES_TYPES
from ._entity_labels import EntityScore as EntityScore
from ._entity_labels import Word as Word
from ._entity_labels import asr_words as asr_words
from ._entity_labels import bio_from_spans as bio_from_spans
from ._entity_labels import bio_labels as bio_labels
from ._entity_labels import score_entities as score_entities
from ._entity_labels import spans_from_bio as spans_from_bio
from ._entity_labels import split_words as split_words
from ._inference import PunctuatedText as PunctuatedText
from ._inference import add_punctuation_capitalization as add_punctuation_capitalization
from ._inference import calibrate_logit_bias as calibrate_logit_bias
from ._inference import predict_labels as predict_labels
from ._inference import punctuate as punctuate
from ._inference import word_logits as word_logits
from ._labels import CAPIT_LABELS as CAPIT_LABELS
from ._labels import PUNCT_LABELS as PUNCT_LABELS
from ._labels import LabelledText as LabelledText
from ._labels import apply_labels as apply_labels
from ._labels import convert_punctuated_file as convert_punctuated_file
from ._labels import labelled_words_from_text as labelled_words_from_text
from ._labels import read_nemo_files as read_nemo_files
from ._labels import words_from_query as words_from_query
from ._labels import write_nemo_files as write_nemo_files
from ._metrics import LabelScore as LabelScore
from ._metrics import PunctuationReport as PunctuationReport
from ._metrics import evaluate_labels as evaluate_labels
from ._model import HeadConfig as HeadConfig
from ._model import PunctCapitLogits as PunctCapitLogits
from ._model import PunctuationCapitalizationConfig as PunctuationCapitalizationConfig
from ._model import PunctuationCapitalizationModel as PunctuationCapitalizationModel
from ._model import TokenClassifierHead as TokenClassifierHead
from ._nemo import import_nemo_punctuation as import_nemo_punctuation
from ._nemo_tasks import import_nemo_question_answering as import_nemo_question_answering
from ._nemo_tasks import import_nemo_token_classification as import_nemo_token_classification
from ._pretrained import BASE_ENCODERS as BASE_ENCODERS
from ._pretrained import base_encoder_directory as base_encoder_directory
from ._pretrained import register_shipped_models as _register_shipped_models
from ._question_answering import QuestionAnsweringConfig as QuestionAnsweringConfig
from ._question_answering import QuestionAnsweringModel as QuestionAnsweringModel
from ._question_answering import SpanLogits as SpanLogits
from ._token_classification import TokenClassificationConfig as TokenClassificationConfig
from ._token_classification import TokenClassificationModel as TokenClassificationModel
from ._token_classification import WordFeatureEmbedding as WordFeatureEmbedding
from ._token_classification import WordFeatureIds as WordFeatureIds
from ._train import FineTuningConfig as FineTuningConfig
from ._train import PunctuationTrainingConfig as PunctuationTrainingConfig
from ._train import TrainingResult as TrainingResult
from ._train import load_text_punct_split as load_text_punct_split
from ._train import train_punctuation as train_punctuation
from ._train_entities import EntityExample as EntityExample
from ._train_entities import EntityTrainingConfig as EntityTrainingConfig
from ._train_entities import EntityTrainingResult as EntityTrainingResult
from ._train_entities import entity_examples as entity_examples
from ._train_entities import train_entities as train_entities

_register_shipped_models()

# written out in full, in sorted order (checked by tests/collections/nlp/test_cli_and_exports.py): static readers
# (griffe, and so the API reference) do not follow `+= module.__all__`
__all__ = [
    "Answer",
    "BASE_ENCODERS",
    "Batch",
    "CAPIT_LABELS",
    "CASE_CLASSES",
    "Entity",
    "EntityExample",
    "EntityScore",
    "EntityTrainingConfig",
    "EntityTrainingResult",
    "FineTuningConfig",
    "HeadConfig",
    "IGNORE_INDEX",
    "LabelScore",
    "LabelledText",
    "ONTONOTES_TYPES",
    "PUNCT_LABELS",
    "PunctCapitLogits",
    "PunctuatedText",
    "PunctuationCapitalizationConfig",
    "PunctuationCapitalizationModel",
    "PunctuationReport",
    "PunctuationTrainingConfig",
    "QuestionAnsweringConfig",
    "QuestionAnsweringModel",
    "RecognizedEntities",
    "SpanLogits",
    "TokenClassificationConfig",
    "TokenClassificationModel",
    "TokenClassifierHead",
    "TokenizedCorpus",
    "TrainingResult",
    "WORD_FEATURES",
    "Window",
    "Word",
    "WordFeatureEmbedding",
    "WordFeatureIds",
    "add_punctuation_capitalization",
    "answer",
    "apply_labels",
    "asr_words",
    "base_encoder_directory",
    "bio_from_spans",
    "bio_labels",
    "bucketed_batches",
    "calibrate_logit_bias",
    "case_class",
    "collate",
    "convert_punctuated_file",
    "decode_bio",
    "entity_examples",
    "entity_word_labels",
    "evaluate_labels",
    "import_nemo_punctuation",
    "import_nemo_question_answering",
    "import_nemo_token_classification",
    "labelled_words_from_text",
    "load_text_punct_split",
    "plan_windows",
    "predict_labels",
    "punctuate",
    "read_nemo_files",
    "recognize_entities",
    "score_entities",
    "spans_from_bio",
    "split_words",
    "subword_cases",
    "tokenize_corpus",
    "tokenize_words",
    "train_entities",
    "train_punctuation",
    "word_class_logits",
    "word_feature_ids",
    "word_logits",
    "word_shape",
    "words_from_query",
    "write_nemo_files",
]
