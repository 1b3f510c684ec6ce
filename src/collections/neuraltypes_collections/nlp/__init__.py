"""Punctuation and capitalization restoration on a typed BERT-family encoder.

    >>> from neuraltypes_collections.nlp import punctuate                   # doctest: +SKIP
    >>> punctuate("punctuation_en_minilm", "how are you today").text      # doctest: +SKIP
    'How are you today?'
"""

from ._data import IGNORE_INDEX as IGNORE_INDEX
from ._data import Batch as Batch
from ._data import TokenizedCorpus as TokenizedCorpus
from ._data import Window as Window
from ._data import bucketed_batches as bucketed_batches
from ._data import collate as collate
from ._data import plan_windows as plan_windows
from ._data import tokenize_corpus as tokenize_corpus
from ._data import tokenize_words as tokenize_words
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
from ._pretrained import BASE_ENCODERS as BASE_ENCODERS
from ._pretrained import base_encoder_directory as base_encoder_directory
from ._pretrained import register_shipped_models as _register_shipped_models
from ._train import PunctuationTrainingConfig as PunctuationTrainingConfig
from ._train import TrainingResult as TrainingResult
from ._train import load_text_punct_split as load_text_punct_split
from ._train import train_punctuation as train_punctuation

_register_shipped_models()

__all__ = [
    "BASE_ENCODERS",
    "CAPIT_LABELS",
    "IGNORE_INDEX",
    "PUNCT_LABELS",
    "Batch",
    "HeadConfig",
    "LabelScore",
    "LabelledText",
    "PunctCapitLogits",
    "PunctuatedText",
    "PunctuationCapitalizationConfig",
    "PunctuationCapitalizationModel",
    "PunctuationReport",
    "TokenClassifierHead",
    "TokenizedCorpus",
    "PunctuationTrainingConfig",
    "TrainingResult",
    "Window",
    "add_punctuation_capitalization",
    "apply_labels",
    "base_encoder_directory",
    "bucketed_batches",
    "calibrate_logit_bias",
    "collate",
    "convert_punctuated_file",
    "evaluate_labels",
    "labelled_words_from_text",
    "import_nemo_punctuation",
    "load_text_punct_split",
    "plan_windows",
    "predict_labels",
    "punctuate",
    "read_nemo_files",
    "train_punctuation",
    "tokenize_corpus",
    "tokenize_words",
    "word_logits",
    "words_from_query",
    "write_nemo_files",
]
