"""Word times of the voice swap: the recogniser's words (input) and the words the voice spoke (output).

The output words come from the voice's own durations, not from recognising the output again: VITS reports how
many frames each phoneme id lasted, its ids frame each IPA symbol of a sentence (BOS, PAD, then each symbol and a
PAD, EOS), and each word of the normalised text is placed on the symbols it became. espeak-ng joins some words in a
sentence (``to be`` -> ``təbi``), so a word's symbols are found by aligning the words phonemized one by one with
the sentences phonemized whole (stress marks and spaces aside).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, cast

import torch
from torch import Tensor

__all__ = ["Word", "spoken_form", "spoken_words", "transcript_words", "unpunctuated"]

_IGNORED = set("ˈˌ .,?!:;'\"-")


@dataclass(frozen=True)
class Word:
    """A word and where it is heard, in seconds from the start of the recording it belongs to."""

    text: str
    start_s: float
    end_s: float


def transcript_words(words: object, offset_s: float) -> tuple[Word, ...] | None:
    """A `Transcription`'s words (CTC `WordTimestamp`s or Whisper's `TranscriptWord`s) shifted by `offset_s`."""
    if words is None:
        return None
    from ..asr._transcribe import WordTimestamp

    found = []
    for word in cast(Iterable[Any], words):
        text = word.word if isinstance(word, WordTimestamp) else word.text
        found.append(Word(text.strip(), word.start_s + offset_s, word.end_s + offset_s))
    return tuple(found)


def _symbols(ipa: str, base: int) -> list[tuple[str, int]]:
    """The symbols of `ipa` that carry sound, each with its id index (`base` + 2 + 2 * position)."""
    return [(symbol, base + 2 + 2 * place) for place, symbol in enumerate(ipa) if symbol not in _IGNORED]


def spoken_words(text: str, durations: Tensor, voice: object, offset_s: float = 0.0) -> tuple[Word, ...] | None:
    """The words of `text` with the times `voice` spoke them, from its `durations` (frames per phoneme id, the
    sentences one after another, as `synthesize` returns them), shifted by `offset_s`.

    Returns ``None`` when the ids the durations belong to cannot be rebuilt (another voice or front end); a word
    none of whose symbols can be found is left out.
    """
    from ..tts.models._vits import VitsModel
    from ..tts.text import normalize_text, phonemize

    if not isinstance(voice, VitsModel):
        return None
    language = voice.config.espeak_voice
    normalized = normalize_text(text)
    sentences = [sentence for sentence in phonemize(normalized, language) if sentence.strip()]
    if sum(2 * len(sentence) + 3 for sentence in sentences) != durations.numel():
        return None
    spoken: list[tuple[str, int]] = []
    base = 0
    for sentence in sentences:
        spoken += _symbols(sentence, base)
        base += 2 * len(sentence) + 3
    words = normalized.split()
    wanted: list[tuple[str, int]] = []  # (symbol, word index)
    for index, word in enumerate(words):
        ipa = "".join(phonemize(word, language))
        wanted += [(symbol, index) for symbol in ipa if symbol not in _IGNORED]
    matcher = SequenceMatcher(None, [s for s, _ in wanted], [s for s, _ in spoken], autojunk=False)
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            place, position = wanted[block.a + k][1], spoken[block.b + k][1]
            first.setdefault(place, position)
            last[place] = position
    ends = torch.cumsum(durations.long(), 0).tolist()
    seconds = voice.hop_length / voice.sample_rate
    result = []
    for index, word in enumerate(words):
        if index in first:
            start = ends[first[index] - 1] if first[index] else 0
            end = ends[last[index] + 1]  # the symbol's PAD after it
            result.append(Word(word.strip(".,?!:;\"'"), offset_s + start * seconds, offset_s + end * seconds))
    return tuple(result)


def spoken_form(text: str) -> str:
    """`text` as words to compare for a word error rate: numbers and abbreviations expanded as a voice says them
    (the collection's `normalize_text`: ``Mr.`` -> ``mister``, ``1990`` -> ``nineteen ninety``), lowercased,
    hyphens split, other punctuation dropped."""
    from ..tts.text import normalize_text

    spoken = normalize_text(text).lower().replace("-", " ")
    kept = "".join(character if character.isalnum() or character in " '" else " " for character in spoken)
    return " ".join(word.strip("'") for word in kept.split() if word.strip("'"))


def unpunctuated(text: str) -> str:
    """`text` lowercased and without punctuation, as the punctuation model reads it (``punctuate="always"``
    strips a transcript so; the demo speaks it to hear what punctuation adds)."""
    from ..nlp._labels import words_from_query

    return " ".join(words_from_query(text))
