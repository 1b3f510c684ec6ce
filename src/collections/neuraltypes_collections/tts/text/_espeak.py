"""espeak-ng as a bundled library: text to IPA phonemes, sentence by sentence, as Piper voices expect them.

The library and its data come from the `espeakng-loader` wheel (the optional ``vits`` extra); a system espeak-ng
is never used. It is driven through ctypes with ``espeak_TextToPhonemes``, which returns one clause per call and
drops the clause's punctuation; Piper's patched espeak-ng returns it (``...WithTerminator``), so here it is read
back from the text the call consumed: the last of ``. , ? ! : ;`` in it, a full stop when there is none at the
end of the text. ``. ? !`` end a sentence; ``, : ;`` are followed by a space, as Piper writes them.

espeak-ng keeps its state in the process, so one lock serialises the calls.
"""

from __future__ import annotations

import ctypes
import re
import threading
import unicodedata
from pathlib import Path

from ...common._errors import InputError, ModelNotAvailableError

_AUDIO_OUTPUT_SYNCHRONOUS = 0x02
_CHARS_UTF8 = 1
_PHONEMES_IPA = 0x02
_TERMINATORS = ".,?!:;"
_SENTENCE_END = ".?!"
_LANGUAGE_SWITCH = re.compile(r"\([^)]+\)")  # "(fr)" ... "(en)" around words of another language

_LOCK = threading.Lock()
_LIBRARY: ctypes.CDLL | None = None
_VOICE: list[str] = [""]  # the voice the library is set to


def _library() -> ctypes.CDLL:
    """libespeak-ng from the `espeakng-loader` wheel, initialised once with the wheel's data."""
    global _LIBRARY
    if _LIBRARY is None:
        try:
            import espeakng_loader  # type: ignore[import-untyped]
        except ModuleNotFoundError:
            raise ModelNotAvailableError(
                "phonemizing text needs espeak-ng from the espeakng-loader wheel: pip install 'neuraltypes[vits]'"
            ) from None
        library = ctypes.CDLL(espeakng_loader.get_library_path())
        library.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        library.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        library.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
        library.espeak_TextToPhonemes.restype = ctypes.c_char_p
        data = str(Path(espeakng_loader.get_data_path()))
        if library.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data.encode(), 0) <= 0:
            raise ModelNotAvailableError(f"espeak-ng could not start with its data at {data}")
        _LIBRARY = library
    return _LIBRARY


def _clauses(text: str, voice: str) -> list[tuple[str, str]]:
    """``(ipa, consumed text)`` for each clause espeak-ng reads in `text`."""
    with _LOCK:
        library = _library()
        if _VOICE[0] != voice:
            if library.espeak_SetVoiceByName(voice.encode()) != 0:
                raise InputError(f"espeak-ng has no voice {voice!r}", source="voice")
            _VOICE[0] = voice
        encoded = text.encode("utf-8")
        buffer = ctypes.create_string_buffer(encoded)
        start = ctypes.addressof(buffer)
        pointer = ctypes.c_void_p(start)
        clauses: list[tuple[str, str]] = []
        while pointer.value is not None:
            before = pointer.value - start
            phonemes = library.espeak_TextToPhonemes(ctypes.byref(pointer), _CHARS_UTF8, _PHONEMES_IPA)
            after = len(encoded) if pointer.value is None else pointer.value - start
            clauses.append(
                ((phonemes or b"").decode("utf-8"), encoded[before:after].decode("utf-8", "replace"))
            )
    return clauses


def _terminator(consumed: str, last: bool) -> str:
    """The punctuation that ended a clause, from the text espeak-ng read for it (one character of look-ahead
    unless it is the `last` clause): the first mark of the punctuation after its last word (``n.:`` ends a
    sentence, ``then!.`` exclaims); none for an ellipsis or no mark, as Piper's espeak-ng reports them."""
    body = consumed if last else consumed[:-1]
    tail = re.search(r"[^\w]*$", body)
    marks = tail.group() if tail else ""
    if "..." in marks or "\u2026" in marks:
        return ""
    found = [c for c in marks if c in _TERMINATORS]
    return found[0] if found else ""


def phonemize(text: str, voice: str = "en-us") -> list[str]:
    """`text` as espeak-ng IPA, one string per sentence, with Piper's punctuation and NFD-decomposed accents.

    **Arguments:**

    - `text`: plain text (normalise numbers and abbreviations first if you want the collection's readings).
    - `voice`: an espeak-ng voice name (``"en-us"``).

    **Returns:** one IPA string per sentence; each character is one phoneme of a Piper voice.

    **Example:**

    ```python
    phonemize("Hello world. How are you?")  # ['həlˈoʊ wˈɜːld.', 'hˈaʊ ɑːɹ juː?']
    ```
    """
    sentences: list[str] = []
    current = ""
    clauses = _clauses(text, voice)
    for index, (phonemes, consumed) in enumerate(clauses):
        last = index == len(clauses) - 1
        terminator = _terminator(consumed, last)
        current += (
            _LANGUAGE_SWITCH.sub("", phonemes)
            + terminator
            + (" " if terminator in ",:;" and terminator else "")
        )
        if terminator in _SENTENCE_END and terminator or last:
            if current.strip():
                sentences.append(unicodedata.normalize("NFD", current))
            current = ""
    return sentences


__all__ = ["phonemize"]
